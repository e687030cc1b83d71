#pragma once
// The pre-trade risk gate: one order, what is known about the account and the market when
// it is placed, and the limits in; a verdict with a typed reason, the observed value and
// the limit out. The order planner runs it before every submit (in the backtest and the
// leverage service alike, so parity covers it) with the full context; the risk gatekeeper
// runs the same object as the enforcement point on the context that travels with the
// order, adding the trading state it alone holds. Pure: no clock, no I/O.
//
// Seed 001's checklist, each check with its code (GateReason), its limit in mesh.risk
// (defaults: the seed's values) and what it needs:
//   leverage        ≤ the bracket's maximum at the order's notional, ≤ max_leverage_x, and
//                   ≤ high_atr_max_leverage_x while ATR > high_atr_ratio × its one-year
//                   mean. Needs the ATR ratio; unknown (warm-up) → the ATR rule is skipped.
//   liquidation     an entry's stop triggers before its liquidation price, and the
//                   liquidation price lies ≥ min_liquidation_buffer beyond the stop. Needs
//                   the stop: an order without one (a pyramid add) → on_missing.
//   loss at stop    quantity × |reference − stop| ≤ max_loss_at_stop × equity. Needs the stop.
//   VaR             the account's leveraged one-day VaR at var_confidence after the order,
//                   historical simulation over var_window_days of daily returns, ≤ max_var ×
//                   equity. Needs ≥ var_min_days of history → else on_missing.
//   margin          initial margin in use after the order ≤ max_margin_fraction × equity.
//   open positions  a new position beyond max_open_positions (open and pending).
//   funding         an entry on the paying side while |rate| annualised from the event's own
//                   funding_interval_hours exceeds max_funding_annualised. Needs a funding
//                   event → else skipped (perpetuals without one yet pay nothing).
//   book depth      top-of-book size ≥ min_book_depth_multiple × quantity. Only where book
//                   data exists; klines carry none → skipped.
//   order rate      ≤ max_orders_per_second per account, on the order's exchange time.
//   drawdown        the automatic breaker: once the account's equity is max_drawdown below
//                   its peak (hourly samples), the account is REDUCING for
//                   drawdown_cooloff_hours; then the peak is re-based to the equity then.
//                   The planner keeps the breaker (it sees every instant); the gate
//                   enforces the window it reports.
// A reduce-only order cuts exposure: only the trading state and the rate apply to it.
#include <deque>
#include <map>
#include <vector>
#include <optional>
#include <string>

#include "fulcrum/core/fixed_point.h"
#include "fulcrum/core/clock.h"
#include "fulcrum/model/instrument.h"
#include "fulcrum/risk/trading_state.h"

namespace fulcrum::risk {

// What a check does when an input it needs is missing.
enum class OnMissing { kSkip, kFailClosed };

// Limits on every new order, whatever the policy asked (config: mesh.risk).
struct PreTradeLimits {
  int max_leverage_x = 125;
  core::Money max_order_notional = core::Money::from_int(5'000'000);  // USDT, at the reference price
  int max_orders_per_instant = 50;                                    // per account
  // Seed 001.
  double high_atr_ratio = 1.5;          // ATR above 150 % of its one-year mean …
  int high_atr_max_leverage_x = 5;      // … caps leverage at 5x
  double min_liquidation_buffer = 0.03; // liquidation ≥ 3 % beyond the stop
  double max_loss_at_stop = 0.02;       // of equity
  double max_var = 0.03;                // of equity, one day
  double var_confidence = 0.95;
  int var_window_days = 90;
  int var_min_days = 30;                // fewer days of history: the VaR input is missing
  double max_margin_fraction = 1.0;     // initial margin in use / equity
  double margin_alert_ratio = 1.2;      // alert while margin balance ≤ 120 % of maintenance (margin_alert())
  int max_open_positions = 10;
  double max_funding_annualised = 0.50;
  double min_book_depth_multiple = 10;
  int max_orders_per_second = 100;      // per account (nautilus_trader's default rate)
  double max_drawdown = 0.10;           // the seed's breaker: 10 % below the peak → REDUCING …
  int drawdown_cooloff_hours = 24;      // … for this long
  OnMissing stop_missing = OnMissing::kSkip;  // liquidation and loss-at-stop without a stop
  OnMissing var_missing = OnMissing::kSkip;   // VaR before var_min_days of history
  bool operator==(const PreTradeLimits&) const = default;
};
// "field old->new" for every limit that differs; empty when none does (reload audits).
std::string describe_changes(const PreTradeLimits& before, const PreTradeLimits& after);

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
  kLeverageAboveBracket,      // above the bracket's maximum at the order's notional
  kLeverageInHighVolatility,  // above high_atr_max_leverage_x while ATR is high
  kLiquidationBeforeStop,     // liquidation before the stop, or within the buffer
  kLossAtStopAboveLimit,
  kVarAboveLimit,
  kMarginAboveLimit,
  kOpenPositionsAboveLimit,
  kFundingAbnormal,
  kBookTooThin,
  kOrderRateAboveLimit,
  kInputMissing,              // a check that fails closed lacked its input
  kDrawdownBreaker,           // the account's drawdown breaker holds it REDUCING
  kFeedStale,                 // the live market data for the symbol is stale, or its health is not reported: fail closed
};
const char* to_string(GateReason r);
// Every reason but kNone, for metrics that must exist before the first denial.
std::vector<GateReason> all_gate_reasons();

struct GateOrder {
  core::Qty quantity;
  core::Price reference_price;  // the last trade price the order was planned at (0: none yet)
  int leverage_x = 1;
};

// What the planner knew when it placed the order. Absent fields are unknown inputs.
struct GateContext {
  core::TimestampMs time_ms = 0;  // the instant (exchange time)
  int side = 1;                   // +1 buy, −1 sell
  bool reduce_only = false;
  bool opens_position = false;    // an entry into a flat symbol
  double equity = 0;
  double margin_in_use = 0;       // initial margin of the open positions, before this order
  int open_positions = 0;         // open and pending, before this order
  int bracket_max_leverage_x = 125;
  double atr_ratio = 0;           // 0: unknown
  std::optional<double> stop_price;
  std::optional<double> liquidation_price;  // of the position this order opens (isolated)
  std::optional<double> var_after;          // one-day VaR (USDT) of the account after the order
  std::optional<double> funding_rate;       // the last funding event's rate
  double funding_interval_hours = 8;        // … and its interval
  std::optional<double> top_of_book_qty;    // on the side the order takes
  double drawdown = 0;                      // from the equity peak, when the breaker tripped
  core::TimestampMs breaker_until_ms = 0;   // the drawdown breaker holds until then (0: not tripped)
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
  // reads it; it wins over every other check. `context` adds seed 001's checklist. A passed
  // order counts toward max_orders_per_instant and the rate.
  GateVerdict check(const GateOrder& order, std::optional<GateVerdict> state_denial = std::nullopt, const GateContext* context = nullptr);

 private:
  GateVerdict check_context(const GateOrder& order, core::Money notional, const GateContext& c) const;

  PreTradeLimits limits_;
  int passed_this_instant_ = 0;
  std::deque<core::TimestampMs> passed_times_;  // the last second's passed orders, for the rate
};

// Seed 001's holding alert, "margin ratio at 120 % of maintenance", written down: the
// account's margin balance (equity at mark) has fallen to `alert_ratio` × its maintenance
// margin or below. In Binance's own terms (margin ratio = maintenance / margin balance) that
// is a margin ratio of 1 / 1.2 = 83.3 % or more; liquidation comes at 100 %. No positions
// (maintenance 0): no alert.
bool margin_alert(double maintenance_margin, double margin_balance, double alert_ratio);

// The trading state's verdict on a new order of `account` in `symbol`: nullopt when the
// state in force allows it. `reduces_exposure`: the order is reduce-only, so the venue
// itself guarantees it can only cut the position.
std::optional<GateVerdict> state_verdict(const TradingStateBook& book, std::string_view account, std::string_view symbol, bool reduces_exposure);

// What a live market-data service says of its streams, as it publishes it (Redis
// "<ns>:feed:health"): when it last looked, and the symbols with a stream silent too long.
inline constexpr const char* kFeedHealthKey = "feed:health";  // under the mesh's namespace; market-data writes it
struct FeedHealth {
  int64_t reported_ms = 0;
  std::vector<std::string> stale_symbols;  // sorted
};
std::string encode_feed_health(const FeedHealth& health);  // "<reported_ms> [SYMBOL,SYMBOL…]"
std::optional<FeedHealth> parse_feed_health(std::string_view text);
// A new order's verdict on a live feed: denied (kFeedStale) when its symbol's feed is stale,
// or when the health is missing, unreadable or older than max_age_ms (market-data gone
// quiet is market data gone stale). An order that reduces exposure always passes. nullopt:
// allowed.
std::optional<GateVerdict> feed_verdict(const std::optional<FeedHealth>& health, int64_t now_ms, int64_t max_age_ms, std::string_view symbol,
                                        bool reduces_exposure);

// The account's own leverage brackets on a live exchange (GET /fapi/v1/leverageBracket, which
// can differ per account from the config's table the planner sizes with), as the gatekeeper
// knows them: a new order above the bracket's maximum at its notional is denied
// (kLeverageAboveBracket). Fails closed: brackets not read yet (null) or none for the
// symbol deny it too. An order that reduces exposure always passes. nullopt: allowed.
using BracketTable = std::map<std::string, std::vector<model::MarginBracket>>;
std::optional<GateVerdict> account_bracket_verdict(const BracketTable* account_brackets, const std::string& symbol, const GateOrder& order, bool reduces_exposure);

}  // namespace fulcrum::risk
