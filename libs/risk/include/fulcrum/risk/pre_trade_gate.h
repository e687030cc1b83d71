#pragma once
// The pre-trade risk gate: one order, the price it is sized at and the limits in, a
// verdict with a typed reason, the observed value and the limit out. The order planner
// runs it before every submit (in the backtest and in the leverage service alike, so
// parity covers it), and the risk gatekeeper runs the same object as the enforcement
// point, adding the trading state it alone reads. Pure: no clock, no I/O.
#include <optional>
#include <string>

#include "fulcrum/core/fixed_point.h"
#include "fulcrum/risk/trading_state.h"

namespace fulcrum::risk {

// Limits on every new order, whatever the policy asked (config: mesh.risk).
struct PreTradeLimits {
  int max_leverage_x = 125;
  core::Money max_order_notional = core::Money::from_int(5'000'000);  // USDT, at the reference price
  int max_orders_per_instant = 50;                                    // per account
};

// A closed set, 1:1 with fulcrum.v1.DenyReason (transport maps them).
enum class GateReason {
  kNone,
  kTradingHalted,             // the trading state forbids new orders
  kTradingReducing,           // the trading state accepts only orders that cut exposure
  kStateUnavailable,          // the trading state cannot be read: fail closed
  kLeverageAboveLimit,        // leverage_x > max_leverage_x
  kNotionalAboveLimit,        // quantity × reference price > max_order_notional
  kOrdersPerInstantAboveLimit,
  kValueOutOfRange,           // the notional does not fit 64-bit fixed point
};
const char* to_string(GateReason r);

struct GateOrder {
  core::Qty quantity;
  core::Price reference_price;  // the last trade price the order was planned at (0: none yet)
  int leverage_x = 1;
};

struct GateVerdict {
  GateReason reason = GateReason::kNone;
  double observed = 0;  // the value that broke the limit, for the decision record and logs
  double limit = 0;
  std::string detail;
  bool allowed() const { return reason == GateReason::kNone; }
};

class PreTradeGate {
 public:
  explicit PreTradeGate(PreTradeLimits limits = {}) : limits_(limits) {}
  void set_limits(const PreTradeLimits& limits) { limits_ = limits; }
  const PreTradeLimits& limits() const { return limits_; }
  // Starts an account's instant: the per-instant order count starts again.
  void begin_instant() { passed_this_instant_ = 0; }
  // Checks one new order. `state_denial` is the trading state's verdict where the caller
  // reads it (the gatekeeper); it wins over every other check. A passed order counts
  // toward max_orders_per_instant.
  GateVerdict check(const GateOrder& order, std::optional<GateVerdict> state_denial = std::nullopt);

 private:
  PreTradeLimits limits_;
  int passed_this_instant_ = 0;
};

// The trading state's verdict on a new order of `account` in `symbol`: nullopt when the
// state in force allows it. `reduces_exposure`: the order is reduce-only, so the venue
// itself guarantees it can only cut the position.
std::optional<GateVerdict> state_verdict(const TradingStateBook& book, std::string_view account, std::string_view symbol, bool reduces_exposure);

}  // namespace fulcrum::risk
