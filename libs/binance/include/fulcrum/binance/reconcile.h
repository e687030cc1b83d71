#pragma once
// Reconciliation, on start and after every reconnect: what the journal says is open against
// what the exchange says (GET /fapi/v1/openOrders, /fapi/v1/openAlgoOrders and
// /fapi/v2/positionRisk). Any difference stops new entries until an operator has looked;
// each is reported in words naming the order or symbol.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/binance/exchange_port.h"
#include "fulcrum/core/fixed_point.h"

namespace fulcrum::binance {

struct OpenOrderView {
  std::string symbol;
  std::string client_id;  // the exchange's (newClientOrderId / clientAlgoId)
  core::Qty remaining;    // orig − executed
  bool algo = false;
  std::string type;       // MARKET, LIMIT, STOP_MARKET, TRAILING_STOP_MARKET, … ("" when the answer leaves it out)
  bool reduce_only = false;  // reduceOnly or closePosition
};

// One fill from the account's history (GET /fapi/v1/userTrades).
struct TradeView {
  std::string symbol, side, commission_asset;
  int64_t id = 0, order_id = 0, time_ms = 0;
  core::Price price;
  core::Qty qty;
  core::Money realized_pnl, commission;
  bool maker = false;
};

// One FUNDING_FEE row of GET /fapi/v1/income (incomeType=FUNDING_FEE): the payment as the
// exchange booked it, for a restarted router to book what it paid or received in a past life.
struct FundingIncomeView {
  std::string symbol, asset;
  core::Money income;
  int64_t time_ms = 0, tran_id = 0;
};

struct PositionView {
  std::string symbol;
  core::Qty qty;       // signed (positionAmt)
  int leverage_x = 0;  // the symbol's leverage setting (0 when the answer leaves it out)
};

struct ExpectedBook {
  std::map<std::string, OpenOrderView> orders;  // by exchange client id
  std::map<std::string, core::Qty> positions;   // by symbol, signed; flat ones may be absent
};

struct Reconciliation {
  std::vector<std::string> differences;
  bool clean() const { return differences.empty(); }
};

Reconciliation reconcile(const ExpectedBook& expected, const std::vector<OpenOrderView>& exchange_orders, const std::vector<PositionView>& exchange_positions);

// The exchange's answers. nullopt with `error` naming the entry and field when malformed.
std::optional<std::vector<OpenOrderView>> parse_open_orders(std::string_view json, bool algo, std::string& error);
std::optional<std::vector<PositionView>> parse_positions(std::string_view json, std::string& error);
std::optional<std::vector<TradeView>> parse_user_trades(std::string_view json, std::string& error);
// The FUNDING_FEE rows of an income answer (other income types are skipped).
std::optional<std::vector<FundingIncomeView>> parse_funding_income(std::string_view json, std::string& error);
// Every FUNDING_FEE row of `symbol` from `since_ms` on, page by page: the endpoint answers
// at most 1 000 rows from startTime (inclusive, ascending), so a full page asks again from
// just after its last row. A symbol's payments are one per funding time, so no two share a
// millisecond; a repeated tranId is dropped all the same. nullopt with `error` naming the
// request and page that failed. Binance keeps three months of income.
std::optional<std::vector<FundingIncomeView>> read_funding_income(ExchangePort& port, const std::string& symbol, int64_t since_ms, std::string& error);
// GET /fapi/v1/allOrders: each order's id to the client id it was placed with.
std::optional<std::map<int64_t, std::string>> parse_order_client_ids(std::string_view json, std::string& error);
// What the exchange has open now, as reconciliation compares it.
struct ExchangeBook {
  std::vector<OpenOrderView> orders;    // openOrders, then openAlgoOrders
  std::vector<PositionView> positions;  // positionRisk
};
// Reads it through `port` (three GETs); nullopt with `error` naming the request or the
// field that failed. Unable to read is never agreement: the caller treats it as a difference.
std::optional<ExchangeBook> read_exchange_book(ExchangePort& port, std::string& error);
// GET /fapi/v2/balance: the wallet balance per asset.
std::optional<std::map<std::string, core::Money>> parse_balances(std::string_view json, std::string& error);

}  // namespace fulcrum::binance
