#pragma once
// What a venue says about one symbol: price and quantity grids, minimum notional, and the
// maintenance-margin brackets by notional.
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
  std::vector<MarginBracket> brackets;
};

// Fills in maintenance_amount: cum_n = cum_{n-1} + floor_n · (mmr_n − mmr_{n−1}).
void derive_maintenance_amounts(std::vector<MarginBracket>& brackets);
// Binance's published BTCUSDT table, the default for any symbol without its own.
std::vector<MarginBracket> default_binance_brackets();
// The bracket holding `position_notional`; the last one when beyond every cap.
const MarginBracket& bracket_for(const std::vector<MarginBracket>& brackets, Money position_notional);

}  // namespace fulcrum::model
