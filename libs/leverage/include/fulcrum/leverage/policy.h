#pragma once
// A leverage policy picks leverage and size for one signal. Policies are pure: everything
// they need arrives in LeverageInputs, so the backtest and the leverage service decide alike.
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/model/order.h"
#include "fulcrum/signals/breakout.h"

namespace fulcrum::leverage {

enum class RiskLevel { kSafe, kWarning, kCritical };
const char* to_string(RiskLevel r);

// The account's own record, for policies that learn from it (Kelly, fixed ratio, rules).
struct TradeStats {
  size_t closed_trades = 0;
  double win_rate = 0;          // over the last `window` closed trades
  double payoff_ratio = 0;      // mean win / mean loss over the same trades
  double recent_avg_roi = 0;    // mean return on margin
  double accumulated_profit = 0;  // equity − initial equity
};

struct LeverageInputs {
  const signals::Signal* signal = nullptr;
  double equity = 0;             // wallet + unrealised PnL at mark
  double available_balance = 0;  // what new margin can come from
  double initial_equity = 0;
  int open_positions = 0;
  int open_high_confidence_positions = 0;
  double reference_volatility = 0;  // cross-sectional median σ of the universe this bar
  double market_atr_ratio = 0;      // cross-sectional median ATR ratio (a market-wide vol index)
  double current_drawdown = 0;      // fraction below the equity high-water mark
  RiskLevel risk_level = RiskLevel::kSafe;
  TradeStats stats;
  size_t signals_since_last_entry = 0;  // this account's signals that ended in no order
};

// How a position grows after entry (trend confirmation). Zero adds means one entry.
struct PyramidPlan {
  double initial_fraction = 1.0;    // of the planned notional
  int max_adds = 0;
  double add_trigger_move = 0;      // favourable move since the last entry, as a fraction
  double add_min_volume_ratio = 0;  // the confirming bar's volume ratio
  bool move_stop_to_break_even = false;
};

struct LeverageDecision {
  bool trade = false;
  int leverage_x = 1;
  double notional = 0;  // planned position notional in quote currency (before pyramiding)
  PyramidPlan pyramid;
  model::ReasonMap reasons;  // stored in the ledger as leverage_decision_reason
};

class LeveragePolicy {
 public:
  virtual ~LeveragePolicy() = default;
  virtual std::string name() const = 0;
  virtual LeverageDecision decide(const LeverageInputs& in) const = 0;
  // A learned policy whose model cannot be used at all (missing, unreadable, of other
  // features or objective) says why here, so a service can warn once at start instead of
  // only in every decision's fallback reason. Empty when usable, and for rule-based policies.
  virtual std::string model_problem() const { return {}; }
};

// Builders for every policy; config structs live with each policy. policy_names() are the
// rule-based ones, what `policies: all` runs; learned_policy_names() need a trained model and
// run only when named.
std::vector<std::string> policy_names();
std::vector<std::string> learned_policy_names();
bool is_policy_name(const std::string& name);

}  // namespace fulcrum::leverage
