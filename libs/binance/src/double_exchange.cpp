#include "fulcrum/binance/double_exchange.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "fulcrum/binance/client_order_id.h"
#include "fulcrum/binance/exchange_info.h"
#include "fulcrum/binance/signing.h"

namespace fulcrum::binance {
namespace {

std::optional<int64_t> to_int(const std::string& s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

DoubleExchange::DoubleExchange(std::string api_key, std::string secret, std::vector<model::InstrumentSpec> specs, core::Money balance)
    : api_key_(std::move(api_key)), secret_(std::move(secret)), balance_(balance) {
  for (auto& s : specs) {
    positions_[s.symbol];  // positionRisk lists every symbol, flat ones too, with its leverage
    specs_[s.symbol] = std::move(s);
  }
}

void DoubleExchange::set_book_top(const std::string& symbol, core::Price bid, core::Price ask, int64_t now_ms) {
  tops_[symbol] = {bid, ask};
  if (now_ms > 0) expire_countdowns(now_ms);
  trigger_algo_orders(symbol, now_ms);
}

void DoubleExchange::execute(Order& o, core::Price fill, int64_t now_ms) {
  auto& pos = positions_[o.symbol];
  const bool buy = o.side == "BUY";
  auto qty = o.orig_qty;
  if (o.reduce_only) qty = std::min(qty, pos.qty.abs());
  const auto signed_qty = buy ? qty : -qty;
  core::Money realized;
  if (pos.qty.is_zero() || (pos.qty.raw > 0) == buy) {
    // The weighted entry in fixed point, rounded half away from zero, as Binance shows it.
    const core::int128 cost = static_cast<core::int128>(pos.entry.raw) * pos.qty.abs().raw + static_cast<core::int128>(fill.raw) * qty.raw;
    pos.entry = core::Price::from_raw(core::div_round(cost, pos.qty.abs().raw + qty.raw));
  } else {
    const auto closing = std::min(qty, pos.qty.abs());
    realized = core::pnl(pos.qty.raw > 0 ? closing : -closing, pos.entry, fill);
  }
  pos.qty += signed_qty;
  if (pos.qty.is_zero()) pos.entry = core::Price{};
  const auto commission = core::apply_rate(core::notional(fill, qty), taker_fee_);
  balance_ += realized - commission;
  o.status = "FILLED";
  o.executed_qty = qty;
  o.avg_price = fill;
  o.update_ms = now_ms;
  order_event(o, "TRADE", qty, fill, now_ms, commission, realized);
  trades_.push_back({trade_id_, o.order_id, now_ms, o.symbol, o.side, fill, qty, realized, commission});
  user_events_.push_back("{\"e\":\"ACCOUNT_UPDATE\",\"E\":" + std::to_string(now_ms) + ",\"T\":" + std::to_string(now_ms) +
                         ",\"a\":{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":" + quote(balance_.str()) + ",\"cw\":" + quote(balance_.str()) +
                         ",\"bc\":\"0\"}],\"P\":[{\"s\":" + quote(o.symbol) + ",\"pa\":" + quote(pos.qty.str()) + ",\"ep\":" + quote(pos.entry.str()) +
                         ",\"cr\":\"0\",\"up\":\"0\",\"mt\":" + quote(pos.isolated ? "isolated" : "cross") + ",\"iw\":\"0\",\"ps\":\"BOTH\"}]}}");
}

void DoubleExchange::settle_funding(const std::string& symbol, core::Price mark, core::Rate rate, int64_t now_ms) {
  const auto it = positions_.find(symbol);
  if (it == positions_.end() || it->second.qty.is_zero()) return;
  const auto& pos = it->second;
  const auto owed = core::apply_rate(core::notional(mark, pos.qty.abs()), rate);
  const core::Money payment = pos.qty.raw > 0 ? -owed : owed;
  balance_ += payment;
  funding_income_.push_back({static_cast<int64_t>(funding_income_.size()) + 1, now_ms, symbol, payment});
  std::string position;
  if (pos.isolated)
    position = "{\"s\":" + quote(symbol) + ",\"pa\":" + quote(pos.qty.str()) + ",\"ep\":" + quote(pos.entry.str()) +
               ",\"cr\":\"0\",\"up\":\"0\",\"mt\":\"isolated\",\"iw\":\"0\",\"ps\":\"BOTH\"}";
  user_events_.push_back("{\"e\":\"ACCOUNT_UPDATE\",\"E\":" + std::to_string(now_ms) + ",\"T\":" + std::to_string(now_ms) +
                         ",\"a\":{\"m\":\"FUNDING_FEE\",\"B\":[{\"a\":\"USDT\",\"wb\":" + quote(balance_.str()) + ",\"cw\":" + quote(balance_.str()) +
                         ",\"bc\":" + quote(payment.str()) + "}],\"P\":[" + position + "]}}");
}

void DoubleExchange::trigger_algo_orders(const std::string& symbol, int64_t now_ms) {
  const auto top = tops_.find(symbol);
  if (top == tops_.end()) return;
  const auto mark = core::Price::from_raw((top->second.first.raw + top->second.second.raw) / 2);
  for (size_t i = 0; i < algo_orders_.size(); ++i) {
    auto& a = algo_orders_[i];
    if (a.symbol != symbol || a.status != "NEW") continue;
    const bool sell = a.side == "SELL";
    bool fire = false;
    if (a.type == "STOP_MARKET") {
      fire = sell ? mark.raw <= a.trigger.raw : mark.raw >= a.trigger.raw;
    } else {
      if (!a.activated && (a.trigger.raw == 0 || (sell ? mark.raw >= a.trigger.raw : mark.raw <= a.trigger.raw))) {
        a.activated = true;
        a.extreme = mark;
      }
      if (a.activated) {
        if (sell ? mark.raw > a.extreme.raw : mark.raw < a.extreme.raw) a.extreme = mark;
        const auto retrace = core::scale_price(a.extreme, sell ? -a.callback : a.callback);
        fire = sell ? mark.raw <= retrace.raw : mark.raw >= retrace.raw;
      }
    }
    if (!fire) continue;
    const auto pos = positions_[symbol].qty;
    const bool reduces = !pos.is_zero() && (pos.raw > 0) == sell;
    a.update_ms = now_ms;
    if (!reduces) {
      a.status = "EXPIRED";  // reduce-only with nothing left to reduce
      algo_event(a, now_ms);
      continue;
    }
    a.status = "TRIGGERED";
    algo_event(a, now_ms);
    Order o;
    o.order_id = next_order_id_++;
    o.symbol = symbol;
    o.client_id = a.client_algo_id;
    o.side = a.side;
    o.type = "MARKET";
    o.orig_qty = a.close_position ? pos.abs() : std::min(a.qty, pos.abs());
    o.reduce_only = true;
    o.update_ms = now_ms;
    orders_.push_back(o);  // the Algo order's execution: not a placement of its own
    execute(orders_.back(), sell ? top->second.first : top->second.second, now_ms);
    algo_orders_[i].status = "FINISHED";
    algo_event(algo_orders_[i], now_ms);
  }
}

std::string DoubleExchange::algo_json(const AlgoOrder& a) const {
  return "{\"algoId\":" + std::to_string(a.algo_id) + ",\"clientAlgoId\":" + quote(a.client_algo_id) + ",\"algoType\":\"CONDITIONAL\",\"orderType\":" +
         quote(a.type) + ",\"symbol\":" + quote(a.symbol) + ",\"side\":" + quote(a.side) + ",\"positionSide\":\"BOTH\",\"quantity\":" + quote(a.qty.str()) +
         ",\"algoStatus\":" + quote(a.status) + ",\"triggerPrice\":" + quote(a.trigger.str()) + ",\"closePosition\":" +
         (a.close_position ? "true" : "false") + ",\"workingType\":\"MARK_PRICE\",\"updateTime\":" + std::to_string(a.update_ms) + "}";
}

void DoubleExchange::algo_event(const AlgoOrder& a, int64_t now_ms) {
  user_events_.push_back("{\"e\":\"ALGO_UPDATE\",\"E\":" + std::to_string(now_ms) + ",\"T\":" + std::to_string(now_ms) + ",\"o\":{\"caid\":" +
                         quote(a.client_algo_id) + ",\"aid\":" + std::to_string(a.algo_id) + ",\"at\":\"CONDITIONAL\",\"o\":" + quote(a.type) +
                         ",\"s\":" + quote(a.symbol) + ",\"S\":" + quote(a.side) + ",\"X\":" + quote(a.status) + ",\"tp\":" + quote(a.trigger.str()) + "}}");
}

DoubleResponse DoubleExchange::new_algo_order(const std::map<std::string, std::string>& p, int64_t now_ms) {
  const auto get = [&](const char* k) -> std::string {
    const auto it = p.find(k);
    return it == p.end() ? "" : it->second;
  };
  if (refuse_algo_) return error(400, -4120, "Order type not supported for this endpoint.");
  const auto spec_it = specs_.find(get("symbol"));
  if (spec_it == specs_.end()) return error(400, -1121, "Invalid symbol.");
  const auto& spec = spec_it->second;
  if (get("algoType") != "CONDITIONAL") return error(400, -1116, "Invalid algoType.");
  AlgoOrder a;
  a.symbol = spec.symbol;
  a.side = get("side");
  a.type = get("type");
  if (a.side != "BUY" && a.side != "SELL") return error(400, -1117, "Invalid side.");
  if (a.type != "STOP_MARKET" && a.type != "TRAILING_STOP_MARKET") return error(400, -1116, "Invalid orderType.");
  a.client_algo_id = get("clientAlgoId");
  if (!a.client_algo_id.empty() && !valid_client_order_id(a.client_algo_id))
    return error(400, -1100, "Illegal characters found in parameter 'clientAlgoId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  for (const auto& o : algo_orders_)
    if (o.client_algo_id == a.client_algo_id && o.status == "NEW") return error(400, -4116, "ClientOrderId is duplicated.");
  const auto price_field = a.type == "STOP_MARKET" ? "triggerPrice" : "activatePrice";
  if (!get(price_field).empty()) {
    const auto t = core::Price::parse(get(price_field));
    if (!t || t->raw <= 0) return error(400, -1102, std::string("Mandatory parameter '") + price_field + "' was not sent, was empty/null, or malformed.");
    if (t->raw % spec.tick_size.raw != 0) return error(400, -1111, "Precision is over the maximum defined for this asset.");
    a.trigger = *t;
  } else if (a.type == "STOP_MARKET") {
    return error(400, -1102, "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.");
  }
  if (a.type == "TRAILING_STOP_MARKET") {
    const auto pct = core::Rate::parse(get("callbackRate"));
    if (!pct || pct->to_double() < 0.1 || pct->to_double() > 10) return error(400, -2007, "Invalid callBack rate.");
    a.callback = core::Rate::from_double(pct->to_double() / 100);
  }
  a.close_position = get("closePosition") == "true";
  if (!a.close_position) {
    const auto q = core::Qty::parse(get("quantity"));
    if (!q || q->raw <= 0) return error(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    if (q->raw % spec.step_size.raw != 0) return error(400, -1111, "Precision is over the maximum defined for this asset.");
    a.qty = *q;
  }
  a.algo_id = next_algo_id_++;
  if (a.client_algo_id.empty()) a.client_algo_id = "algo-" + std::to_string(a.algo_id);
  a.status = "NEW";
  a.update_ms = now_ms;
  ++placed_[a.client_algo_id];
  algo_orders_.push_back(a);
  algo_event(a, now_ms);
  const auto answer = algo_json(a);
  trigger_algo_orders(a.symbol, now_ms);  // a stop already through the market fires at once
  return {200, answer, false};
}

DoubleResponse DoubleExchange::error(int status, int code, const std::string& msg) const {
  return {status, "{\"code\":" + std::to_string(code) + ",\"msg\":" + quote(msg) + "}", false};
}

std::optional<DoubleResponse> DoubleExchange::authenticate(const DoubleRequest& req, std::map<std::string, std::string>& params) const {
  if (req.api_key.empty() || req.api_key.size() > 128) return error(401, -2014, "API-key format invalid.");
  if (!signatures_equal(req.api_key, api_key_)) return error(401, -2015, "Invalid API-key, IP, or permissions for action.");
  // totalParams: the query string, then the body; the signature is the last parameter.
  const std::string total = req.query + (!req.query.empty() && !req.body.empty() ? "&" : "") + req.body;
  const auto at = total.rfind("signature=");
  if (at == std::string::npos || (at > 0 && total[at - 1] != '&')) return error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  const std::string payload = at == 0 ? "" : total.substr(0, at - 1);
  const std::string signature = total.substr(at + 10);
  std::vector<std::pair<std::string, std::string>> list;
  if (!parse_query(payload, list)) return error(400, -1100, "Illegal characters found in a parameter.");
  for (auto& [k, v] : list) params[k] = v;
  const auto ts = params.count("timestamp") ? to_int(params["timestamp"]) : std::nullopt;
  if (!ts) return error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  const auto window = params.count("recvWindow") ? to_int(params["recvWindow"]) : std::optional<int64_t>(5000);
  if (!window || *window <= 0 || *window > 60'000) return error(400, -1130, "Data sent for parameter 'recvWindow' is not valid.");
  if (*ts > req.now_ms + 1000 || req.now_ms - *ts > *window) return error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
  std::string decoded;
  if (!url_decode(signature, decoded)) return error(400, -1022, "Signature for this request is not valid.");
  const bool valid = ed25519_ ? ed25519_->verify(payload, decoded) : signatures_equal(decoded, hmac_sha256_hex(secret_, payload));
  if (!valid) return error(400, -1022, "Signature for this request is not valid.");
  return std::nullopt;
}

std::string DoubleExchange::order_json(const Order& o) const {
  const double cum_quote = o.executed_qty.to_double() * o.avg_price.to_double();
  char quote_text[40];
  std::snprintf(quote_text, sizeof quote_text, "%.8f", cum_quote);
  return "{\"orderId\":" + std::to_string(o.order_id) + ",\"symbol\":" + quote(o.symbol) + ",\"status\":" + quote(o.status) +
         ",\"clientOrderId\":" + quote(o.client_id) + ",\"price\":" + quote(o.price.str()) + ",\"avgPrice\":" + quote(o.avg_price.str()) +
         ",\"origQty\":" + quote(o.orig_qty.str()) + ",\"executedQty\":" + quote(o.executed_qty.str()) + ",\"cumQuote\":" + quote(quote_text) +
         ",\"timeInForce\":\"GTC\",\"type\":" + quote(o.type) + ",\"reduceOnly\":" + (o.reduce_only ? "true" : "false") + ",\"side\":" + quote(o.side) +
         ",\"positionSide\":\"BOTH\",\"updateTime\":" + std::to_string(o.update_ms) + "}";
}

DoubleResponse DoubleExchange::new_order(const std::map<std::string, std::string>& p, int64_t now_ms) {
  const auto get = [&](const char* k) -> std::string {
    const auto it = p.find(k);
    return it == p.end() ? "" : it->second;
  };
  const auto spec_it = specs_.find(get("symbol"));
  if (spec_it == specs_.end()) return error(400, -1121, "Invalid symbol.");
  const auto& spec = spec_it->second;
  const auto side = get("side"), type = get("type");
  if (side != "BUY" && side != "SELL") return error(400, -1117, "Invalid side.");
  if (type == "STOP_MARKET" || type == "TAKE_PROFIT_MARKET" || type == "STOP" || type == "TAKE_PROFIT" || type == "TRAILING_STOP_MARKET")
    return error(400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
  if (type != "MARKET" && type != "LIMIT") return error(400, -1116, "Invalid orderType.");
  const auto qty = core::Qty::parse(get("quantity"));
  if (!qty || qty->raw <= 0) return error(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
  if (qty->raw % spec.step_size.raw != 0) return error(400, -1111, "Precision is over the maximum defined for this asset.");
  if (qty->raw > (type == "MARKET" ? spec.max_market_qty : spec.max_qty).raw) return error(400, -4005, "Quantity greater than max quantity.");
  std::string client_id = get("newClientOrderId");
  if (!client_id.empty() && !valid_client_order_id(client_id))
    return error(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  for (const auto& o : orders_)
    if (o.client_id == client_id && o.status == "NEW") return error(400, -4116, "ClientOrderId is duplicated.");
  const auto top = tops_.find(spec.symbol);
  if (top == tops_.end()) return error(400, -1121, "Invalid symbol (no market yet).");
  const bool buy = side == "BUY";
  core::Price price = buy ? top->second.second : top->second.first;
  if (type == "LIMIT") {
    const auto limit = core::Price::parse(get("price"));
    if (!limit || limit->raw <= 0) return error(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    if (limit->raw % spec.tick_size.raw != 0) return error(400, -1111, "Precision is over the maximum defined for this asset.");
    price = *limit;
  }
  const bool reduce_only = get("reduceOnly") == "true";
  auto& pos = positions_[spec.symbol];
  if (reduce_only) {
    const bool reduces = (buy && pos.qty.raw < 0) || (!buy && pos.qty.raw > 0);
    if (!reduces || qty->raw > pos.qty.abs().raw) return error(400, -2022, "ReduceOnly Order is rejected.");
  } else {
    const double notional = qty->to_double() * price.to_double();
    if (notional < spec.min_notional.to_double())
      return error(400, -4164, "Order's notional must be no smaller than " + spec.min_notional.str() + " (unless you choose reduce only).");
    double used = 0;
    for (const auto& [s, q] : positions_) used += std::abs(q.qty.to_double()) * q.entry.to_double() / q.leverage;
    if (used + notional / pos.leverage > balance_.to_double()) return error(400, -2019, "Margin is insufficient.");
  }
  Order o;
  o.order_id = next_order_id_++;
  o.symbol = spec.symbol;
  o.client_id = client_id.empty() ? "double-" + std::to_string(o.order_id) : client_id;
  o.side = side;
  o.type = type;
  o.orig_qty = *qty;
  o.reduce_only = reduce_only;
  o.update_ms = now_ms;
  o.price = type == "LIMIT" ? price : core::Price{};
  const bool marketable = type == "MARKET" || (buy ? price.raw >= top->second.second.raw : price.raw <= top->second.first.raw);
  o.status = "NEW";
  ++placed_[o.client_id];
  orders_.push_back(o);
  if (marketable) execute(orders_.back(), type == "MARKET" ? price : (buy ? top->second.second : top->second.first), now_ms);
  else order_event(orders_.back(), "NEW", {}, {}, now_ms);
  o = orders_.back();
  DoubleResponse r{200, order_json(o), false};
  if (withhold_nth_ > 0 && static_cast<uint64_t>(o.order_id) == withhold_nth_) r.withhold = true;
  if (fail_nth_ > 0 && static_cast<uint64_t>(o.order_id) == fail_nth_) r = error(503, -1000, "Unknown error, please check your request or try again later.");
  return r;
}

DoubleResponse DoubleExchange::query_order(const std::map<std::string, std::string>& p) const {
  const auto it = p.find("origClientOrderId");
  const auto sym = p.find("symbol");
  for (auto o = orders_.rbegin(); o != orders_.rend(); ++o)
    if (it != p.end() && o->client_id == it->second && sym != p.end() && o->symbol == sym->second) return {200, order_json(*o), false};
  return error(400, -2013, "Order does not exist.");
}

void DoubleExchange::expire_countdowns(int64_t now_ms) {
  for (auto it = countdowns_.begin(); it != countdowns_.end();) {
    if (now_ms < it->second) {
      ++it;
      continue;
    }
    for (auto& o : orders_)
      if (o.symbol == it->first && o.status == "NEW") {
        o.status = "CANCELED";
        o.update_ms = now_ms;
        order_event(o, "CANCELED", {}, {}, now_ms);
      }
    it = countdowns_.erase(it);
  }
}

DoubleResponse DoubleExchange::handle(const DoubleRequest& req) {
  expire_countdowns(req.now_ms);
  if (req.path == "/fapi/v1/time" && req.method == "GET") return {200, "{\"serverTime\":" + std::to_string(req.now_ms) + "}", false};
  if (req.path == "/fapi/v1/exchangeInfo" && req.method == "GET") {
    std::vector<model::InstrumentSpec> specs;
    for (const auto& [symbol, spec] : specs_) specs.push_back(spec);
    return {200, exchange_info_json(specs), false};
  }
  if (req.path == "/fapi/v1/listenKey") {
    // USER_STREAM security: the API key alone.
    if (req.api_key.empty() || req.api_key.size() > 128) return error(401, -2014, "API-key format invalid.");
    if (!signatures_equal(req.api_key, api_key_)) return error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    const bool alive = !listen_key_.empty() && req.now_ms < listen_key_expires_ms_;
    if (req.method == "POST") {
      // An account with an active key gets it back, extended.
      if (!alive) listen_key_ = hmac_sha256_hex(secret_, "listenKey:" + std::to_string(req.now_ms)).substr(0, 60);
      listen_key_expires_ms_ = req.now_ms + listen_key_ttl_ms_;
      return {200, "{\"listenKey\":" + quote(listen_key_) + "}", false};
    }
    if (!alive) return error(400, -1125, "This listenKey does not exist.");
    if (req.method == "PUT") {
      listen_key_expires_ms_ = req.now_ms + listen_key_ttl_ms_;
      return {200, "{\"listenKey\":" + quote(listen_key_) + "}", false};
    }
    if (req.method == "DELETE") {
      listen_key_.clear();
      return {200, "{}", false};
    }
    return error(405, -1000, "Method not allowed.");
  }
  std::map<std::string, std::string> p;
  const bool trading = req.path == "/fapi/v1/order" || req.path == "/fapi/v1/leverage" || req.path == "/fapi/v1/marginType" || req.path == "/fapi/v1/openOrders" ||
                       req.path == "/fapi/v2/positionRisk" || req.path == "/fapi/v1/algoOrder" ||
                       req.path == "/fapi/v1/openAlgoOrders" || req.path == "/fapi/v2/balance" ||
                       req.path == "/fapi/v1/userTrades" || req.path == "/fapi/v1/allOrders" || req.path == "/fapi/v1/countdownCancelAll" ||
                       req.path == "/fapi/v1/income" || req.path == "/fapi/v1/leverageBracket";
  if (!trading) return error(404, -5000, "Path not found.");
  if (auto refused = authenticate(req, p)) return *refused;
  const auto get = [&](const char* k) -> std::string {
    const auto i = p.find(k);
    return i == p.end() ? "" : i->second;
  };
  if (req.path == "/fapi/v1/order") {
    if (req.method == "POST") return new_order(p, req.now_ms);
    if (req.method == "GET") return query_order(p);
    return error(405, -1000, "Method not allowed.");
  }
  if (req.path == "/fapi/v1/algoOrder") {
    if (req.method == "POST") return new_algo_order(p, req.now_ms);
    for (auto a = algo_orders_.rbegin(); a != algo_orders_.rend(); ++a) {
      if (a->client_algo_id != get("clientAlgoId") || a->symbol != get("symbol")) continue;
      if (req.method == "GET") return {200, algo_json(*a), false};
      if (req.method != "DELETE") return error(405, -1000, "Method not allowed.");
      if (a->status != "NEW") break;
      a->status = "CANCELED";
      a->update_ms = req.now_ms;
      algo_event(*a, req.now_ms);
      return {200, algo_json(*a), false};
    }
    return error(400, req.method == "DELETE" ? -2011 : -2013, req.method == "DELETE" ? "Unknown order sent." : "Order does not exist.");
  }
  if (req.path == "/fapi/v1/leverage" && req.method == "POST") {
    if (!specs_.count(get("symbol"))) return error(400, -1121, "Invalid symbol.");
    const auto x = to_int(get("leverage"));
    if (!x || *x < 1 || *x > 125) return error(400, -4028, "Leverage " + get("leverage") + " is not valid");
    auto& pos = positions_[get("symbol")];
    if (!pos.qty.is_zero() && pos.isolated && *x < pos.leverage) return error(400, -4161, "Leverage reduction is not supported in Isolated Margin Mode with open positions.");
    if (pos.leverage != *x) ++leverage_changes_;
    pos.leverage = static_cast<int>(*x);
    return {200, "{\"leverage\":" + std::to_string(*x) + ",\"maxNotionalValue\":\"1000000\",\"symbol\":" + quote(get("symbol")) + "}", false};
  }
  if (req.path == "/fapi/v1/marginType" && req.method == "POST") {
    if (!specs_.count(get("symbol"))) return error(400, -1121, "Invalid symbol.");
    const auto type = get("marginType");
    if (type != "ISOLATED" && type != "CROSSED") return error(400, -1116, "Invalid marginType.");
    auto& pos = positions_[get("symbol")];
    if ((type == "ISOLATED") == pos.isolated) return error(400, -4046, "No need to change margin type.");
    for (const auto& o : orders_)
      if (o.symbol == get("symbol") && o.status == "NEW") return error(400, -4047, "Margin type cannot be changed if there exists open orders.");
    if (!pos.qty.is_zero()) return error(400, -4048, "Margin type cannot be changed if there exists position.");
    pos.isolated = type == "ISOLATED";
    return {200, "{\"code\":200,\"msg\":\"success\"}", false};
  }
  if (req.path == "/fapi/v1/openOrders" && req.method == "GET") {
    std::string body = "[";
    for (const auto& o : orders_)
      if (o.status == "NEW" && (get("symbol").empty() || o.symbol == get("symbol"))) body += (body.size() > 1 ? "," : "") + order_json(o);
    return {200, body + "]", false};
  }
  if (req.path == "/fapi/v2/positionRisk" && req.method == "GET") return {200, position_json(), false};
  if (req.path == "/fapi/v1/openAlgoOrders" && req.method == "GET") {
    std::string body = "[";
    for (const auto& a : algo_orders_)
      if (a.status == "NEW" && (get("symbol").empty() || a.symbol == get("symbol"))) body += (body.size() > 1 ? "," : "") + algo_json(a);
    return {200, body + "]", false};
  }
  if ((req.path == "/fapi/v1/userTrades" || req.path == "/fapi/v1/allOrders") && req.method == "GET") {
    if (!specs_.count(get("symbol"))) return error(400, -1121, "Invalid symbol.");
    const auto since = get("startTime").empty() ? std::optional<int64_t>(0) : to_int(get("startTime"));
    if (!since) return error(400, -1100, "Illegal characters found in parameter 'startTime'.");
    std::string body = "[";
    if (req.path == "/fapi/v1/allOrders") {
      for (const auto& o : orders_)
        if (o.symbol == get("symbol") && o.update_ms >= *since) body += (body.size() > 1 ? "," : "") + order_json(o);
      return {200, body + "]", false};
    }
    for (const auto& t : trades_) {
      if (t.symbol != get("symbol") || t.time_ms < *since) continue;
      body += std::string(body.size() > 1 ? "," : "") + "{\"symbol\":" + quote(t.symbol) + ",\"id\":" + std::to_string(t.id) + ",\"orderId\":" +
              std::to_string(t.order_id) + ",\"side\":" + quote(t.side) + ",\"price\":" + quote(t.price.str()) + ",\"qty\":" + quote(t.qty.str()) +
              ",\"realizedPnl\":" + quote(t.realized.str()) + ",\"marginAsset\":\"USDT\",\"commission\":" + quote(t.commission.str()) +
              ",\"commissionAsset\":\"USDT\",\"time\":" + std::to_string(t.time_ms) + ",\"positionSide\":\"BOTH\",\"buyer\":" +
              (t.side == "BUY" ? "true" : "false") + ",\"maker\":false}";
    }
    return {200, body + "]", false};
  }
  if (req.path == "/fapi/v1/leverageBracket" && req.method == "GET") {
    std::vector<model::InstrumentSpec> listed;
    for (const auto& [symbol, spec] : specs_)
      if (get("symbol").empty() || symbol == get("symbol")) listed.push_back(spec);
    if (listed.empty()) return error(400, -1121, "Invalid symbol.");
    return {200, leverage_bracket_json(listed), false};
  }
  if (req.path == "/fapi/v1/income" && req.method == "GET") {
    const auto type = get("incomeType");
    if (!type.empty() && type != "FUNDING_FEE" && type != "REALIZED_PNL" && type != "COMMISSION" && type != "TRANSFER")
      return error(400, -1102, "Mandatory parameter 'incomeType' was not sent, was empty/null, or malformed.");
    if (!get("symbol").empty() && !specs_.count(get("symbol"))) return error(400, -1121, "Invalid symbol.");
    const auto since = get("startTime").empty() ? std::optional<int64_t>(0) : to_int(get("startTime"));
    if (!since) return error(400, -1100, "Illegal characters found in parameter 'startTime'.");
    const auto limit = get("limit").empty() ? std::optional<int64_t>(100) : to_int(get("limit"));
    if (!limit || *limit < 1 || *limit > 1000) return error(400, -1130, "Data sent for parameter 'limit' is not valid.");
    std::string body = "[";
    int64_t rows = 0;
    if (type.empty() || type == "FUNDING_FEE")
      for (const auto& f : funding_income_) {
        if ((!get("symbol").empty() && f.symbol != get("symbol")) || f.time_ms < *since || rows == *limit) continue;
        ++rows;
        body += std::string(body.size() > 1 ? "," : "") + "{\"symbol\":" + quote(f.symbol) + ",\"incomeType\":\"FUNDING_FEE\",\"income\":" +
                quote(f.income.str()) + ",\"asset\":\"USDT\",\"info\":\"FUNDING_FEE\",\"time\":" + std::to_string(f.time_ms) +
                ",\"tranId\":" + std::to_string(f.tran_id) + ",\"tradeId\":\"\"}";
      }
    return {200, body + "]", false};
  }
  if (req.path == "/fapi/v1/countdownCancelAll" && req.method == "POST") {
    if (!specs_.count(get("symbol"))) return error(400, -1121, "Invalid symbol.");
    const auto ms = to_int(get("countdownTime"));
    if (!ms || *ms < 0) return error(400, -1102, "Mandatory parameter 'countdownTime' was not sent, was empty/null, or malformed.");
    if (*ms == 0) countdowns_.erase(get("symbol"));
    else countdowns_[get("symbol")] = req.now_ms + *ms;
    return {200, "{\"symbol\":" + quote(get("symbol")) + ",\"countdownTime\":" + quote(std::to_string(*ms)) + "}", false};
  }
  if (req.path == "/fapi/v2/balance" && req.method == "GET")
    return {200, "[{\"accountAlias\":\"double\",\"asset\":\"USDT\",\"balance\":" + quote(balance_.str()) + ",\"crossWalletBalance\":" + quote(balance_.str()) +
                     ",\"availableBalance\":" + quote(balance_.str()) + "}]",
            false};
  return error(405, -1000, "Method not allowed.");
}

void DoubleExchange::order_event(const Order& o, const std::string& exec_type, core::Qty last_qty, core::Price last_price, int64_t now_ms,
                                 core::Money commission, core::Money realized) {
  const int64_t trade = exec_type == "TRADE" ? ++trade_id_ : 0;
  user_events_.push_back("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":" + std::to_string(now_ms) + ",\"T\":" + std::to_string(now_ms) + ",\"o\":{\"s\":" +
                         quote(o.symbol) + ",\"c\":" + quote(o.client_id) + ",\"S\":" + quote(o.side) + ",\"o\":" + quote(o.type) +
                         ",\"f\":\"GTC\",\"q\":" + quote(o.orig_qty.str()) + ",\"p\":" + quote(o.price.str()) + ",\"ap\":" + quote(o.avg_price.str()) +
                         ",\"sp\":\"0\",\"x\":" + quote(exec_type) + ",\"X\":" + quote(o.status) + ",\"i\":" + std::to_string(o.order_id) +
                         ",\"l\":" + quote(last_qty.str()) + ",\"z\":" + quote(o.executed_qty.str()) + ",\"L\":" + quote(last_price.str()) +
                         ",\"N\":\"USDT\",\"n\":" + quote(commission.str()) + ",\"T\":" + std::to_string(now_ms) + ",\"t\":" + std::to_string(trade) +
                         ",\"b\":\"0\",\"a\":\"0\",\"m\":false,\"R\":" + (o.reduce_only ? "true" : "false") +
                         ",\"wt\":\"CONTRACT_PRICE\",\"ot\":" + quote(o.type) + ",\"ps\":\"BOTH\",\"cp\":false,\"rp\":" + quote(realized.str()) + "}}");
}

std::vector<std::string> DoubleExchange::take_user_events() { return std::exchange(user_events_, {}); }

bool DoubleExchange::listen_key_valid(const std::string& key, int64_t now_ms) const {
  return !listen_key_.empty() && key == listen_key_ && now_ms < listen_key_expires_ms_;
}

std::vector<std::string> DoubleExchange::ids_placed_twice() const {
  std::vector<std::string> out;
  for (const auto& [id, n] : placed_)
    if (n > 1) out.push_back(id);
  return out;
}

core::Qty DoubleExchange::position_qty(const std::string& symbol) const {
  const auto it = positions_.find(symbol);
  return it == positions_.end() ? core::Qty{} : it->second.qty;
}

int DoubleExchange::symbol_leverage(const std::string& symbol) const {
  const auto it = positions_.find(symbol);
  return it == positions_.end() ? 0 : it->second.leverage;
}

size_t DoubleExchange::open_algo_orders() const {
  return static_cast<size_t>(std::count_if(algo_orders_.begin(), algo_orders_.end(), [](const AlgoOrder& a) { return a.status == "NEW"; }));
}

std::string DoubleExchange::position_json() const {
  std::string body = "[";
  for (const auto& [s, pos] : positions_) {
    if (body.size() > 1) body += ",";
    body += "{\"symbol\":" + quote(s) + ",\"positionAmt\":" + quote(pos.qty.str()) + ",\"entryPrice\":" + quote(pos.entry.str()) + ",\"leverage\":" +
            quote(std::to_string(pos.leverage)) + ",\"marginType\":" + quote(pos.isolated ? "isolated" : "cross") + ",\"positionSide\":\"BOTH\"}";
  }
  return body + "]";
}

}  // namespace fulcrum::binance
