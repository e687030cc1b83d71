#include <cmath>

#include "fulcrum/leverage/policies.h"
#include "fulcrum/risk/sizing.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
// Loses risk_fraction of equity at the stop: qty = equity · risk / |entry − stop|.
class RiskPercentPolicy final : public LeveragePolicy {
 public:
  explicit RiskPercentPolicy(RiskPercentConfig c) : c_(c) {}
  std::string name() const override { return "risk_percent"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const auto& s = *in.signal;
    LeverageDecision d = detail::base_decision(in, c_.leverage_x, name());
    const double qty = risk::position_size_from_risk(in.equity, c_.risk_fraction, s.reference_price, s.stop_price);
    d.notional = std::min(qty * s.reference_price, std::max(0.0, in.available_balance) * c_.leverage_x);
    d.trade = d.notional > 0;
    d.reasons["risk_fraction"] = core::short_number(c_.risk_fraction);
    d.reasons["stop_distance"] = core::short_number(std::fabs(s.reference_price - s.stop_price));
    return d;
  }
 private:
  RiskPercentConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_risk_percent(const RiskPercentConfig& c) { return std::make_unique<RiskPercentPolicy>(c); }
}  // namespace fulcrum::leverage
