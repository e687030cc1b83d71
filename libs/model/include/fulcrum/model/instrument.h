#pragma once
// What a venue says about one symbol: price and quantity grids, minimum notional, and the
// maintenance-margin brackets by notional.
#include <map>
#include <string>
#include <vector>

#include "fulcrum/core/fixed_point.h"

namespace fulcrum::model {

using core::Money;
using core::Price;
using core::Qty;
using core::Rate;

// One row of Binance's "leverage and margin" table. `maintenance_amount` (cum) is derived
// from the rows below it when the table is built, as Binance documents it.
struct MarginBracket {
  Money notional_floor;      // inclusive lower bound of position notional
  Money notional_cap;        // exclusive upper bound
  int max_leverage_x = 1;
  Rate maintenance_rate;
  Money maintenance_amount;  // "cum": keeps maintenance margin continuous across brackets
};

struct InstrumentSpec {
  std::string symbol;
  Price tick_size = Price::from_raw(1);
  Qty step_size = Qty::from_raw(1);
  Money min_notional;
  // LOT_SIZE.maxQty (limit and stop orders) and MARKET_LOT_SIZE.maxQty (market orders).
  // With the last bracket's cap on position notional they bound every product the venue
  // forms, so no fee, margin or PnL can leave the 64-bit range.
  Qty max_qty = Qty::from_int(10'000'000);
  Qty max_market_qty = Qty::from_int(1'000'000);
  std::vector<MarginBracket> brackets;  // empty in config: Binance's table for the symbol
  // False when tick and step were not listed for the symbol: the backtest infers them from
  // the data and says so; the mesh refuses to start.
  bool filters_from_config = true;
};

// Fills in maintenance_amount: cum_n = cum_{n-1} + floor_n · (mmr_n − mmr_{n−1}).
void derive_maintenance_amounts(std::vector<MarginBracket>& brackets);
// Every reason the table cannot be Binance's, one line each; empty when it is sound:
// floors start at 0 and each floor is the previous cap, caps increase, maximum leverage
// does not increase and maintenance rates do not decrease with notional, every
// maintenance rate lies below its tier's initial margin rate (1 / max leverage), and each
// cum equals the derived one. A table that breaks the rate rule lets a "liquidation" close
// at a profit, which is why it is an error, not a warning.
std::vector<std::string> bracket_table_problems(const std::vector<MarginBracket>& brackets);
// Binance's published BTCUSDT table ("binance_btcusdt" in config).
std::vector<MarginBracket> default_binance_brackets();
// Parses Binance's GET /fapi/v1/leverageBracket response. Throws std::invalid_argument
// naming `source`, the symbol and the tier when a table breaks bracket_table_problems().
std::map<std::string, std::vector<MarginBracket>> parse_binance_bracket_json(const std::string& json_text, const std::string& source);
// The response of 2024-10-24 for 318 USDⓈ-M contracts, compiled in (libs/model/data/):
// the default table of every symbol that lists no brackets of its own.
const std::map<std::string, std::vector<MarginBracket>>& binance_usdm_brackets();
// The bracket holding `position_notional`; the last one when beyond every cap.
const MarginBracket& bracket_for(const std::vector<MarginBracket>& brackets, Money position_notional);

}  // namespace fulcrum::model
