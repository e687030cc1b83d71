#include "fulcrum/venue/order_check.h"

#include "fulcrum/risk/margin.h"

namespace fulcrum::venue {

using model::OrderType;
using model::Side;

const char* to_string(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "NONE";
    case RejectReason::kDuplicateClientOrderId: return "DUPLICATE_CLIENT_ORDER_ID";
    case RejectReason::kUnknownSymbol: return "UNKNOWN_SYMBOL";
    case RejectReason::kInvalidQuantity: return "INVALID_QUANTITY";
    case RejectReason::kQuantityNotOnStep: return "QUANTITY_NOT_ON_STEP";
    case RejectReason::kPriceNotOnTick: return "PRICE_NOT_ON_TICK";
    case RejectReason::kBelowMinNotional: return "BELOW_MIN_NOTIONAL";
    case RejectReason::kReduceOnlyWithoutPosition: return "REDUCE_ONLY_WITHOUT_POSITION";
    case RejectReason::kLeverageAboveBracket: return "LEVERAGE_ABOVE_BRACKET";
    case RejectReason::kInsufficientMargin: return "INSUFFICIENT_MARGIN";
    case RejectReason::kNoPrice: return "NO_PRICE";
    case RejectReason::kInvalidLeverage: return "INVALID_LEVERAGE";
    case RejectReason::kInvalidPrice: return "INVALID_PRICE";
    case RejectReason::kAboveMaxQuantity: return "ABOVE_MAX_QUANTITY";
    case RejectReason::kAboveMaxNotional: return "ABOVE_MAX_NOTIONAL";
    case RejectReason::kValueOutOfRange: return "VALUE_OUT_OF_RANGE";
    case RejectReason::kTradingState: return "TRADING_STATE";
    case RejectReason::kExchangeRefused: return "EXCHANGE_REFUSED";
  }
  return "UNKNOWN";
}

std::vector<RejectReason> all_reject_reasons() {
  std::vector<RejectReason> out;
  for (int r = static_cast<int>(RejectReason::kDuplicateClientOrderId); r <= static_cast<int>(RejectReason::kExchangeRefused); ++r)
    out.push_back(static_cast<RejectReason>(r));
  return out;
}

Money initial_margin(Price p, Qty q, int leverage_x) { return risk::initial_margin(core::notional(p, q.abs()), leverage_x); }

namespace {
SubmitResult check_order_unguarded(const model::InstrumentSpec& spec, const model::OrderRequest& req, std::optional<Price> last_price,
                                   const Position& pos, Money available_balance, Rate taker_fee) {
  auto reject = [](RejectReason r, std::string d) { return SubmitResult{r, std::move(d)}; };
  if (req.close_position && !(req.reduce_only && (req.type == OrderType::kStopMarket || req.type == OrderType::kTrailingStop)))
    return reject(RejectReason::kInvalidQuantity, "close_position needs a reduce-only stop or trailing stop");
  if (!req.close_position && req.quantity.raw <= 0) return reject(RejectReason::kInvalidQuantity, "quantity must be positive");
  if (!req.close_position && !core::on_grid(req.quantity, spec.step_size))
    return reject(RejectReason::kQuantityNotOnStep, "quantity " + req.quantity.str() + " is not a multiple of step " + spec.step_size.str());
  if (!req.close_position) {
    const Qty max_qty = req.type == OrderType::kMarket ? spec.max_market_qty : spec.max_qty;
    if (req.quantity > max_qty)
      return reject(RejectReason::kAboveMaxQuantity, "quantity " + req.quantity.str() + " exceeds the maximum " + max_qty.str() + " for " +
                                                         (req.type == OrderType::kMarket ? "market" : "limit and stop") + " orders");
  }
  if (req.type == OrderType::kLimit && req.limit_price.raw <= 0)
    return reject(RejectReason::kInvalidPrice, "limit price " + req.limit_price.str() + " must be positive");
  if (req.type == OrderType::kStopMarket && req.stop_price.raw <= 0)
    return reject(RejectReason::kInvalidPrice, "stop price " + req.stop_price.str() + " must be positive");
  if (req.type == OrderType::kLimit && !core::on_grid(req.limit_price, spec.tick_size))
    return reject(RejectReason::kPriceNotOnTick, "limit price " + req.limit_price.str() + " is not on tick " + spec.tick_size.str());
  if (req.type == OrderType::kStopMarket && !core::on_grid(req.stop_price, spec.tick_size))
    return reject(RejectReason::kPriceNotOnTick, "stop price " + req.stop_price.str() + " is not on tick " + spec.tick_size.str());
  const auto ref_price = req.type == OrderType::kLimit ? std::optional<Price>(req.limit_price) : last_price;
  if (!ref_price) return reject(RejectReason::kNoPrice, "no price seen yet for " + req.symbol);
  const bool reduces = !pos.qty.is_zero() && (pos.qty.raw > 0) != (req.side == Side::kBuy);
  if (req.reduce_only && !reduces)
    return reject(RejectReason::kReduceOnlyWithoutPosition, "reduce-only order but no opposite position in " + req.symbol);
  if (!req.reduce_only) {
    const Money order_notional = core::notional(*ref_price, req.quantity);
    if (order_notional < spec.min_notional)
      return reject(RejectReason::kBelowMinNotional, "notional " + order_notional.str() + " below min " + spec.min_notional.str());
    if (req.leverage_x < 1) return reject(RejectReason::kInvalidLeverage, "leverage " + std::to_string(req.leverage_x) + "x is below 1x");
    const Money position_notional = core::notional(*ref_price, pos.qty.abs() + req.quantity);
    if (spec.brackets.empty()) return reject(RejectReason::kUnknownSymbol, "no margin brackets for " + req.symbol);
    if (position_notional >= spec.brackets.back().notional_cap)
      return reject(RejectReason::kAboveMaxNotional,
                    "position notional " + position_notional.str() + " reaches the last bracket's cap " + spec.brackets.back().notional_cap.str());
    const int max_x = risk::max_leverage_for_notional(spec.brackets, position_notional);
    if (req.leverage_x > max_x)
      return reject(RejectReason::kLeverageAboveBracket,
                    std::to_string(req.leverage_x) + "x exceeds the bracket's " + std::to_string(max_x) + "x at notional " + position_notional.str());
    const Money need = initial_margin(*ref_price, req.quantity, req.leverage_x) + core::apply_rate(order_notional, taker_fee);
    if (need > available_balance) return reject(RejectReason::kInsufficientMargin, "needs " + need.str() + ", available " + available_balance.str());
  }
  return {};
}
}  // namespace

SubmitResult check_order(const model::InstrumentSpec& spec, const model::OrderRequest& req, std::optional<Price> last_price,
                         const Position& pos, Money available_balance, Rate taker_fee) {
  try {
    return check_order_unguarded(spec, req, last_price, pos, available_balance, taker_fee);
  } catch (const core::ArithmeticOverflow& e) {
    return SubmitResult{RejectReason::kValueOutOfRange, std::string("order values out of range: ") + e.what()};
  }
}

}  // namespace fulcrum::venue
