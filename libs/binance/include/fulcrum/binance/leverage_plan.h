#pragma once
// Per-trade leverage on a venue where leverage is per symbol. Binance keeps one leverage
// (and one margin type) per symbol; the mesh picks a leverage per entry. Before an entry on
// a flat symbol the adapter sets the symbol's leverage (POST /fapi/v1/leverage) when it
// differs. While a position is open Fulcrum never changes it:
//   - lowering it on an open isolated position is refused by the exchange (-4161);
//   - raising it would re-leverage the whole open position, not just the new order, which
//     is a decision nobody made.
// So an add to an open position goes at the position's leverage, with the quantity the
// sizing chose (its notional, which is what the risk checks and the stop distance were
// computed on); the margin it posts is notional / the position's leverage, and the note
// says so in the decision log. An entry against an open position (one-way mode would net
// it) is refused: the planner closes with reduce-only orders first.
// The margin type is set once per symbol while flat (-4046 "No need to change margin type"
// counts as done); -4047/-4048 (orders or a position open) leave it and say so.
#include <string>

#include "fulcrum/model/order.h"

namespace fulcrum::binance {

struct SymbolLeverageState {
  int symbol_leverage_x = 0;  // the exchange's current setting (0: not known yet)
  core::Qty position_qty;     // signed: > 0 long
};

struct EntryLeveragePlan {
  bool refuse = false;
  bool set_leverage = false;  // POST /fapi/v1/leverage before the order
  int leverage_x = 0;         // the leverage the order will post margin at
  std::string note;           // why, for the decision log
};

EntryLeveragePlan plan_entry_leverage(const model::OrderRequest& order, const SymbolLeverageState& state);

}  // namespace fulcrum::binance
