#pragma once
// The exchange's own symbol filters (GET /fapi/v1/exchangeInfo), read at start by a live
// venue so its orders are checked against what the exchange enforces today, not what a
// config file said when it was written: PRICE_FILTER tickSize, LOT_SIZE stepSize and
// maxQty, MARKET_LOT_SIZE maxQty, MIN_NOTIONAL notional.
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/model/instrument.h"

namespace fulcrum::binance {

struct SymbolFilters {
  std::string symbol, status;  // status: TRADING, SETTLING, …
  core::Price tick_size;
  core::Qty step_size, max_qty, max_market_qty;
  core::Money min_notional;
};

// nullopt with `error` naming the symbol and filter when malformed; a filter type this
// does not use is skipped.
std::optional<std::vector<SymbolFilters>> parse_exchange_info(std::string_view json, std::string& error);
// The exchange's answer for these specs, as the double and tests serve it.
std::string exchange_info_json(const std::vector<model::InstrumentSpec>& specs);
// `configured` with the exchange's filters in its place; each value that differs is named
// in `differences` ("BTCUSDT tick_size: config 0.1, exchange 0.10").
model::InstrumentSpec with_exchange_filters(const model::InstrumentSpec& configured, const SymbolFilters& live, std::vector<std::string>& differences);

// GET /fapi/v1/leverageBracket's answer for these symbols, in Binance's shape (numbers, not
// strings): what the double serves. A spec without brackets of its own serves Binance's
// built-in table for the symbol.
std::string leverage_bracket_json(const std::vector<model::InstrumentSpec>& specs);
// `configured` with the account's brackets (the leverageBracket answer, which can differ per
// account) in its place; a table that differs is named in `differences`. Throws
// std::runtime_error when the answer has no table for the symbol.
model::InstrumentSpec with_exchange_brackets(const model::InstrumentSpec& configured, const std::map<std::string, std::vector<model::MarginBracket>>& live,
                                             std::vector<std::string>& differences);

}  // namespace fulcrum::binance
