#include "fulcrum/venue/models.h"

#include <algorithm>

#include "fulcrum/venue/order_check.h"

namespace fulcrum::venue {

Price SlippageFillModel::execution_price(const model::OrderRequest& order, Price touched, const InstrumentSpec& spec) const {
  if (order.type == model::OrderType::kLimit) return touched;
  const bool buy = order.side == model::Side::kBuy;
  const Price slipped = core::scale_price(touched, buy ? slippage_ : -slippage_);
  const Price floor = core::floor_to(slipped, spec.tick_size);
  if (!buy) return floor;
  return floor == slipped ? floor : floor + spec.tick_size;
}

Money MakerTakerFeeModel::fee(Price price, Qty qty, model::Liquidity liquidity) const {
  return core::apply_rate(core::notional(price, qty), liquidity == model::Liquidity::kMaker ? maker_ : taker_);
}

Money MarkPriceFundingModel::payment(Qty signed_position, Price mark, Rate rate) const {
  const Money paid_by_longs = core::apply_rate(core::notional(mark, signed_position.abs()), rate);
  return signed_position.raw > 0 ? -paid_by_longs : paid_by_longs;
}

Money BracketMarginModel::initial(Price price, Qty qty, int leverage_x) const { return initial_margin(price, qty, leverage_x); }

Money BracketMarginModel::maintenance(const InstrumentSpec& spec, Price mark, Qty qty) const {
  return risk::maintenance_margin(spec.brackets, core::notional(mark, qty.abs()));
}

std::optional<Price> BracketMarginModel::liquidation_price(const InstrumentSpec& spec, const risk::LiquidationInput& in) const {
  return risk::liquidation_price(spec.brackets, in).price;
}

Money ClearanceFeeLiquidationModel::clearance_fee(Price price, Qty qty, Money margin_left) const {
  return std::max(Money{}, std::min(core::apply_rate(core::notional(price, qty), rate_), margin_left));
}

}  // namespace fulcrum::venue
