#include "fulcrum/binance/order_requests.h"

#include <simdjson.h>

#include "fulcrum/binance/client_order_id.h"

namespace fulcrum::binance {
namespace {

const char* side_text(model::Side s) { return s == model::Side::kBuy ? "BUY" : "SELL"; }

void stamp(QueryString& q, const RequestClock& clock) {
  q.add("recvWindow", std::to_string(clock.recv_window_ms));
  q.add("timestamp", std::to_string(clock.timestamp_ms));
}

bool multiple_of(int64_t value, int64_t unit) { return unit > 0 && value % unit == 0; }

std::optional<ExchangeError> check_filters(const model::OrderRequest& o, const model::InstrumentSpec& spec, std::optional<core::Price> price_for_notional) {
  if (o.quantity.raw <= 0 && !o.close_position) return ExchangeError{-4003, "Quantity less than or equal to zero."};
  if (!o.close_position && !multiple_of(o.quantity.raw, spec.step_size.raw))
    return ExchangeError{-1111, "Precision is over the maximum defined for this asset."};
  const auto& max = o.type == model::OrderType::kMarket ? spec.max_market_qty : spec.max_qty;
  if (!o.close_position && o.quantity.raw > max.raw) return ExchangeError{-4005, "Quantity greater than max quantity."};
  for (const auto* p : {&o.limit_price, &o.stop_price})
    if (p->raw != 0 && !multiple_of(p->raw, spec.tick_size.raw)) return ExchangeError{-1111, "Precision is over the maximum defined for this asset."};
  if (!o.reduce_only && !o.close_position && price_for_notional && price_for_notional->raw > 0) {
    const double notional = o.quantity.to_double() * price_for_notional->to_double();
    if (notional < spec.min_notional.to_double())
      return ExchangeError{-4164, "Order's notional must be no smaller than " + spec.min_notional.str() + " (unless you choose reduce only)."};
  }
  return std::nullopt;
}

}  // namespace

std::variant<RestRequest, ExchangeError> plan_new_order(const model::OrderRequest& o, const model::InstrumentSpec& spec, const RequestClock& clock,
                                                        std::optional<core::Price> reference_price) {
  const auto price_for_notional = o.type == model::OrderType::kLimit ? std::optional<core::Price>(o.limit_price)
                                  : o.type == model::OrderType::kStopMarket ? std::optional<core::Price>(o.stop_price)
                                                                             : reference_price;
  if (auto e = check_filters(o, spec, price_for_notional)) return *e;
  RestRequest r;
  r.exchange_client_id = exchange_client_order_id(o.client_order_id);
  auto& q = r.params;
  const bool conditional = o.type == model::OrderType::kStopMarket || o.type == model::OrderType::kTrailingStop;
  r.method = "POST";
  r.algo = conditional;
  r.path = conditional ? "/fapi/v1/algoOrder" : "/fapi/v1/order";
  if (conditional) q.add("algoType", "CONDITIONAL");
  q.add("symbol", o.symbol).add("side", side_text(o.side));
  switch (o.type) {
    case model::OrderType::kMarket: q.add("type", "MARKET"); break;
    case model::OrderType::kLimit: q.add("type", "LIMIT").add("timeInForce", "GTC").add("price", o.limit_price.str()); break;
    case model::OrderType::kStopMarket:
      q.add("type", "STOP_MARKET").add("triggerPrice", o.stop_price.str()).add("workingType", "MARK_PRICE");
      break;
    case model::OrderType::kTrailingStop: {
      q.add("type", "TRAILING_STOP_MARKET");
      if (o.stop_price.raw > 0) q.add("activatePrice", o.stop_price.str());
      // callbackRate is in percent, 0.1 to 10 (Binance's bounds).
      const double pct = o.callback_rate.to_double() * 100;
      if (pct < 0.1 || pct > 10) return ExchangeError{-2007, "Invalid callBack rate (0.1 to 10 percent)."};
      char text[16];
      std::snprintf(text, sizeof text, "%.1f", pct);
      q.add("callbackRate", text).add("workingType", "MARK_PRICE");
      break;
    }
  }
  if (o.close_position && conditional) q.add("closePosition", "true");
  else q.add("quantity", o.quantity.str());
  if (o.reduce_only && !o.close_position) q.add("reduceOnly", "true");
  q.add(conditional ? "clientAlgoId" : "newClientOrderId", r.exchange_client_id);
  q.add("newOrderRespType", "RESULT");
  stamp(q, clock);
  return r;
}

std::variant<RestRequest, ExchangeError> plan_attached_stop(const model::OrderRequest& entry, const model::InstrumentSpec& spec, const RequestClock& clock) {
  model::OrderRequest stop;
  stop.client_order_id = entry.client_order_id + ".sl";
  stop.symbol = entry.symbol;
  stop.side = entry.side == model::Side::kBuy ? model::Side::kSell : model::Side::kBuy;
  stop.type = model::OrderType::kStopMarket;
  stop.quantity = entry.quantity;
  stop.stop_price = entry.attached_stop_price;
  stop.reduce_only = true;
  return plan_new_order(stop, spec, clock);
}

RestRequest plan_query_order(const std::string& symbol, const std::string& mesh_id, bool algo, const RequestClock& clock) {
  RestRequest r{"GET", algo ? "/fapi/v1/algoOrder" : "/fapi/v1/order", {}, exchange_client_order_id(mesh_id), algo};
  r.params.add("symbol", symbol).add(algo ? "clientAlgoId" : "origClientOrderId", r.exchange_client_id);
  stamp(r.params, clock);
  return r;
}

RestRequest plan_cancel_order(const std::string& symbol, const std::string& mesh_id, bool algo, const RequestClock& clock) {
  auto r = plan_query_order(symbol, mesh_id, algo, clock);
  r.method = "DELETE";
  return r;
}

RestRequest plan_set_leverage(const std::string& symbol, int leverage_x, const RequestClock& clock) {
  RestRequest r{"POST", "/fapi/v1/leverage", {}, "", false};
  r.params.add("symbol", symbol).add("leverage", std::to_string(leverage_x));
  stamp(r.params, clock);
  return r;
}

RestRequest plan_margin_type(const std::string& symbol, bool isolated, const RequestClock& clock) {
  RestRequest r{"POST", "/fapi/v1/marginType", {}, "", false};
  r.params.add("symbol", symbol).add("marginType", isolated ? "ISOLATED" : "CROSSED");
  stamp(r.params, clock);
  return r;
}

RestRequest plan_countdown_cancel_all(const std::string& symbol, int64_t countdown_ms, const RequestClock& clock) {
  RestRequest r{"POST", "/fapi/v1/countdownCancelAll", {}, "", false};
  r.params.add("symbol", symbol).add("countdownTime", std::to_string(countdown_ms));
  stamp(r.params, clock);
  return r;
}

std::optional<ExchangeError> parse_exchange_error(std::string_view body) {
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object o;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) return std::nullopt;
  int64_t code = 0;
  std::string_view msg;
  if (o["code"].get_int64().get(code) || o["msg"].get_string().get(msg)) return std::nullopt;
  if (code >= 0) return std::nullopt;  // {"code": 200, "msg": "success"} answers some calls
  return ExchangeError{static_cast<int>(code), std::string(msg)};
}

SendOutcome classify(int status, const std::optional<ExchangeError>& error) {
  if (status == 418) return SendOutcome::kBanned;
  if (status == 429) return SendOutcome::kThrottled;
  if (status == 0 || status >= 500) return SendOutcome::kUnknown;  // 0: no answer (a timeout)
  if (error && error->code == -1007) return SendOutcome::kUnknown;   // "Timeout waiting for response from backend server. Send status unknown"
  if (status >= 400) return SendOutcome::kRejected;
  return SendOutcome::kAccepted;
}

}  // namespace fulcrum::binance
