#include "fulcrum/risk/pre_trade_gate.h"

namespace fulcrum::risk {

const char* to_string(GateReason r) {
  switch (r) {
    case GateReason::kNone: return "NONE";
    case GateReason::kTradingHalted: return "TRADING_HALTED";
    case GateReason::kTradingReducing: return "TRADING_REDUCING";
    case GateReason::kStateUnavailable: return "STATE_UNAVAILABLE";
    case GateReason::kLeverageAboveLimit: return "LEVERAGE_ABOVE_LIMIT";
    case GateReason::kNotionalAboveLimit: return "NOTIONAL_ABOVE_LIMIT";
    case GateReason::kOrdersPerInstantAboveLimit: return "ORDERS_PER_INSTANT_ABOVE_LIMIT";
    case GateReason::kValueOutOfRange: return "VALUE_OUT_OF_RANGE";
  }
  return "UNKNOWN";
}

std::optional<GateVerdict> state_verdict(const TradingStateBook& book, std::string_view account, std::string_view symbol, bool reduces_exposure) {
  if (book.allows(account, symbol, reduces_exposure)) return std::nullopt;
  const auto* e = book.deciding(account, symbol);
  const bool halted = e->state == TradingState::kHalted;
  return GateVerdict{halted ? GateReason::kTradingHalted : GateReason::kTradingReducing, static_cast<double>(e->state), 0,
                     std::string(to_string(e->state)) + " on " + e->scope.str() + " at epoch " + std::to_string(e->epoch) + " by " + e->by +
                         (halted ? "" : ": only reduce-only orders pass") + (e->reason.empty() ? "" : " (" + e->reason + ")")};
}

GateVerdict PreTradeGate::check(const GateOrder& order, std::optional<GateVerdict> state_denial) {
  if (state_denial && !state_denial->allowed()) return *state_denial;
  if (order.leverage_x > limits_.max_leverage_x)
    return {GateReason::kLeverageAboveLimit, static_cast<double>(order.leverage_x), static_cast<double>(limits_.max_leverage_x),
            "leverage " + std::to_string(order.leverage_x) + "x above mesh.risk.max_leverage_x " + std::to_string(limits_.max_leverage_x) + "x"};
  core::Money notional;
  try {
    notional = core::notional(order.reference_price, order.quantity.abs());
  } catch (const core::ArithmeticOverflow&) {
    return {GateReason::kValueOutOfRange, 0, limits_.max_order_notional.to_double(),
            "quantity " + order.quantity.str() + " × price " + order.reference_price.str() + " does not fit 64-bit money"};
  }
  if (notional > limits_.max_order_notional)
    return {GateReason::kNotionalAboveLimit, notional.to_double(), limits_.max_order_notional.to_double(),
            "notional " + notional.str() + " above mesh.risk.max_order_notional " + limits_.max_order_notional.str()};
  if (passed_this_instant_ >= limits_.max_orders_per_instant)
    return {GateReason::kOrdersPerInstantAboveLimit, static_cast<double>(passed_this_instant_ + 1), static_cast<double>(limits_.max_orders_per_instant),
            "order " + std::to_string(passed_this_instant_ + 1) + " this instant, above mesh.risk.max_orders_per_instant " +
                std::to_string(limits_.max_orders_per_instant)};
  ++passed_this_instant_;
  return {};
}

}  // namespace fulcrum::risk
