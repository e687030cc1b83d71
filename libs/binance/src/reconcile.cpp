#include "fulcrum/binance/reconcile.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "json_fields.h"

namespace fulcrum::binance {

Reconciliation reconcile(const ExpectedBook& expected, const std::vector<OpenOrderView>& exchange_orders, const std::vector<PositionView>& exchange_positions) {
  Reconciliation r;
  std::map<std::string, const OpenOrderView*> seen;
  for (const auto& o : exchange_orders) {
    seen[o.client_id] = &o;
    const auto it = expected.orders.find(o.client_id);
    if (it == expected.orders.end()) {
      r.differences.push_back("order " + o.client_id + " (" + o.symbol + (o.algo ? ", algo" : "") + ") is open at the exchange but not in the journal");
      continue;
    }
    if (it->second.remaining.raw != o.remaining.raw)
      r.differences.push_back("order " + o.client_id + " (" + o.symbol + "): the journal has " + it->second.remaining.str() + " left, the exchange " + o.remaining.str());
  }
  for (const auto& [id, o] : expected.orders)
    if (!seen.count(id)) r.differences.push_back("order " + id + " (" + o.symbol + ") is open in the journal but not at the exchange: filled, cancelled or expired unseen");
  std::map<std::string, core::Qty> actual;
  for (const auto& p : exchange_positions)
    if (!p.qty.is_zero()) actual[p.symbol] = p.qty;
  std::map<std::string, std::pair<core::Qty, core::Qty>> symbols;
  for (const auto& [s, q] : expected.positions) symbols[s].first = q;
  for (const auto& [s, q] : actual) symbols[s].second = q;
  for (const auto& [s, qs] : symbols)
    if (qs.first.raw != qs.second.raw) r.differences.push_back("position " + s + ": the journal has " + qs.first.str() + ", the exchange " + qs.second.str());
  return r;
}

namespace {
using Bad = detail::JsonFieldError;
std::string entry(size_t index) { return "entry " + std::to_string(index); }
template <class Fixed>
Fixed decimal_field(simdjson::ondemand::object& o, const char* key, size_t index) {
  return detail::decimal<Fixed>(o, key, entry(index));
}
std::string text_field(simdjson::ondemand::object& o, const char* key, size_t index) { return std::string(detail::text(o, key, entry(index))); }
}  // namespace

namespace {
// A JSON array of objects, each turned into a T by `one(object, index)`; nullopt with
// `error` naming the entry and field when anything is off.
template <class T, class One>
std::optional<std::vector<T>> parse_array(std::string_view json, std::string& error, One one) {
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  return detail::parse_or_report<std::vector<T>>(error, [&] {
    simdjson::ondemand::document doc;
    simdjson::ondemand::array arr;
    if (parser.iterate(padded).get(doc) || doc.get_array().get(arr)) throw Bad{"not a JSON array"};
    std::vector<T> out;
    size_t i = 0;
    for (auto item : arr) {
      simdjson::ondemand::object o;
      if (item.get_object().get(o)) throw Bad{"entry " + std::to_string(i) + " is not an object"};
      out.push_back(one(o, i++));
    }
    return out;
  });
}
}  // namespace

std::optional<std::vector<OpenOrderView>> parse_open_orders(std::string_view json, bool algo, std::string& error) {
  return parse_array<OpenOrderView>(json, error, [algo](simdjson::ondemand::object& o, size_t i) {
    OpenOrderView v;
    v.algo = algo;
    v.symbol = text_field(o, "symbol", i);
    v.client_id = text_field(o, algo ? "clientAlgoId" : "clientOrderId", i);
    const auto orig = decimal_field<core::Qty>(o, algo ? "quantity" : "origQty", i);
    const auto done = algo ? core::Qty{} : decimal_field<core::Qty>(o, "executedQty", i);
    v.remaining = orig - done;
    std::string_view type;
    if (!o[algo ? "orderType" : "type"].get_string().get(type)) v.type = std::string(type);
    bool flag = false;
    if (!o["reduceOnly"].get_bool().get(flag)) v.reduce_only = flag;
    if (!o["closePosition"].get_bool().get(flag)) v.reduce_only = v.reduce_only || flag;
    return v;
  });
}

std::optional<std::vector<PositionView>> parse_positions(std::string_view json, std::string& error) {
  return parse_array<PositionView>(json, error, [](simdjson::ondemand::object& o, size_t i) {
    PositionView p;
    p.symbol = text_field(o, "symbol", i);
    p.qty = decimal_field<core::Qty>(o, "positionAmt", i);
    std::string_view leverage;
    if (!o["leverage"].get_string().get(leverage)) {
      const auto [end, ec] = std::from_chars(leverage.data(), leverage.data() + leverage.size(), p.leverage_x);
      if (ec != std::errc() || end != leverage.data() + leverage.size() || p.leverage_x < 1 || p.leverage_x > 125)
        throw Bad{entry(i) + ": field 'leverage' is not 1-125: '" + std::string(leverage) + "'"};
    }
    std::string_view side;
    if (!o["positionSide"].get_string().get(side) && side != "BOTH")
      throw Bad{"entry " + std::to_string(i) + ": positionSide " + std::string(side) + ": the account is in hedge mode; Fulcrum runs one-way (BOTH)"};
    return p;
  });
}

std::optional<std::map<std::string, core::Money>> parse_balances(std::string_view json, std::string& error) {
  struct Balance {
    std::string asset;
    core::Money balance;
  };
  const auto list = parse_array<Balance>(json, error, [](simdjson::ondemand::object& o, size_t i) {
    Balance b;
    b.asset = text_field(o, "asset", i);
    b.balance = decimal_field<core::Money>(o, "balance", i);
    return b;
  });
  if (!list) return std::nullopt;
  std::map<std::string, core::Money> out;
  for (const auto& b : *list) out[b.asset] = b.balance;
  return out;
}

std::optional<std::vector<TradeView>> parse_user_trades(std::string_view json, std::string& error) {
  return parse_array<TradeView>(json, error, [](simdjson::ondemand::object& o, size_t i) {
    TradeView t;
    t.symbol = text_field(o, "symbol", i);
    t.id = detail::integer(o, "id", entry(i));
    t.order_id = detail::integer(o, "orderId", entry(i));
    t.side = text_field(o, "side", i);
    t.price = decimal_field<core::Price>(o, "price", i);
    t.qty = decimal_field<core::Qty>(o, "qty", i);
    t.realized_pnl = decimal_field<core::Money>(o, "realizedPnl", i);
    t.commission = decimal_field<core::Money>(o, "commission", i);
    t.commission_asset = text_field(o, "commissionAsset", i);
    t.time_ms = detail::integer(o, "time", entry(i));
    t.maker = detail::boolean(o, "maker", entry(i));
    if (t.side != "BUY" && t.side != "SELL") throw Bad{entry(i) + ": field 'side' is '" + t.side + "'"};
    return t;
  });
}

std::optional<std::vector<FundingIncomeView>> parse_funding_income(std::string_view json, std::string& error) {
  auto rows = parse_array<std::optional<FundingIncomeView>>(json, error, [](simdjson::ondemand::object& o, size_t i) -> std::optional<FundingIncomeView> {
    if (text_field(o, "incomeType", i) != "FUNDING_FEE") return std::nullopt;
    FundingIncomeView f;
    f.symbol = text_field(o, "symbol", i);
    f.income = decimal_field<core::Money>(o, "income", i);
    f.asset = text_field(o, "asset", i);
    f.time_ms = detail::integer(o, "time", entry(i));
    f.tran_id = detail::integer(o, "tranId", entry(i));
    return f;
  });
  if (!rows) return std::nullopt;
  std::vector<FundingIncomeView> out;
  for (auto& r : *rows)
    if (r) out.push_back(std::move(*r));
  return out;
}

std::optional<std::vector<FundingIncomeView>> read_funding_income(ExchangePort& port, const std::string& symbol, int64_t since_ms, std::string& error) {
  constexpr size_t kPage = 1000;
  constexpr int kMaxPages = 1000;  // a million payments: far beyond the three months kept
  std::vector<FundingIncomeView> rows;
  std::set<int64_t> seen;
  int64_t from = since_ms;
  for (int page = 1; page <= kMaxPages; ++page) {
    RestRequest r{"GET", "/fapi/v1/income", {}, "", false};
    r.params.add("symbol", symbol).add("incomeType", "FUNDING_FEE").add("startTime", std::to_string(from)).add("limit", std::to_string(kPage));
    const auto where = "GET /fapi/v1/income " + symbol + " page " + std::to_string(page) + " (startTime " + std::to_string(from) + ")";
    const auto a = port.send(r);
    if (a.outcome != SendOutcome::kAccepted) {
      error = where + ": " + a.body.substr(0, 200);
      return std::nullopt;
    }
    const auto got = parse_funding_income(a.body, error);
    if (!got) {
      error = where + ": " + error;
      return std::nullopt;
    }
    int64_t last = from - 1;
    for (const auto& f : *got) {
      last = std::max(last, f.time_ms);
      if (seen.insert(f.tran_id).second) rows.push_back(f);
    }
    if (got->size() < kPage) return rows;
    from = last + 1;
  }
  error = "GET /fapi/v1/income " + symbol + ": more than " + std::to_string(kMaxPages) + " pages";
  return std::nullopt;
}

std::optional<std::map<int64_t, std::string>> parse_order_client_ids(std::string_view json, std::string& error) {
  const auto list = parse_array<std::pair<int64_t, std::string>>(json, error, [](simdjson::ondemand::object& o, size_t i) {
    const auto id = detail::integer(o, "orderId", entry(i));
    return std::make_pair(id, text_field(o, "clientOrderId", i));
  });
  if (!list) return std::nullopt;
  return std::map<int64_t, std::string>(list->begin(), list->end());
}

std::optional<ExchangeBook> read_exchange_book(ExchangePort& port, std::string& error) {
  const auto get = [&](const char* path) -> std::optional<std::string> {
    const auto a = port.send(RestRequest{"GET", path, {}, "", false});
    if (a.outcome == SendOutcome::kAccepted) return a.body;
    error = std::string(path) + ": " + a.body.substr(0, 200);
    return std::nullopt;
  };
  ExchangeBook book;
  for (const bool algo : {false, true}) {
    const char* path = algo ? "/fapi/v1/openAlgoOrders" : "/fapi/v1/openOrders";
    const auto body = get(path);
    if (!body) return std::nullopt;
    const auto some = parse_open_orders(*body, algo, error);
    if (!some) {
      error = std::string(path) + ": " + error;
      return std::nullopt;
    }
    book.orders.insert(book.orders.end(), some->begin(), some->end());
  }
  const auto body = get("/fapi/v2/positionRisk");
  if (!body) return std::nullopt;
  auto positions = parse_positions(*body, error);
  if (!positions) {
    error = "/fapi/v2/positionRisk: " + error;
    return std::nullopt;
  }
  book.positions = std::move(*positions);
  return book;
}

}  // namespace fulcrum::binance
