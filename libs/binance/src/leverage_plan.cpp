#include "fulcrum/binance/leverage_plan.h"

namespace fulcrum::binance {

EntryLeveragePlan plan_entry_leverage(const model::OrderRequest& o, const SymbolLeverageState& st) {
  EntryLeveragePlan p;
  p.leverage_x = st.symbol_leverage_x;
  if (o.reduce_only || o.close_position) {
    p.note = "reduce-only: the symbol's leverage is left as it is";
    return p;
  }
  if (o.leverage_x < 1 || o.leverage_x > 125) {
    p.refuse = true;
    p.note = "leverage " + std::to_string(o.leverage_x) + "x is outside 1-125x";
    return p;
  }
  if (st.position_qty.is_zero()) {
    p.leverage_x = o.leverage_x;
    p.set_leverage = st.symbol_leverage_x != o.leverage_x;
    p.note = p.set_leverage ? "flat: symbol leverage " + std::to_string(st.symbol_leverage_x) + "x -> " + std::to_string(o.leverage_x) + "x before the entry"
                            : "flat: symbol already at " + std::to_string(o.leverage_x) + "x";
    return p;
  }
  const bool long_position = st.position_qty.raw > 0;
  if ((o.side == model::Side::kBuy) != long_position) {
    p.refuse = true;
    p.note = "an entry against the open position: one-way mode would net it; close it with a reduce-only order first";
    return p;
  }
  if (st.symbol_leverage_x == o.leverage_x) {
    p.note = "add at the position's " + std::to_string(o.leverage_x) + "x, as asked";
    return p;
  }
  p.note = "add at the position's " + std::to_string(st.symbol_leverage_x) + "x, not the " + std::to_string(o.leverage_x) +
           "x asked: leverage is never changed under an open position (-4161 lowering it; raising it re-leverages the whole position); the quantity (notional) "
           "is kept, the margin posted is notional / " + std::to_string(st.symbol_leverage_x);
  return p;
}

}  // namespace fulcrum::binance
