#include <cmath>

#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class RuleEnginePolicy final : public LeveragePolicy {
 public:
  explicit RuleEnginePolicy(RuleEngineConfig c) : c_(c) {}
  std::string name() const override { return "rule_engine"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const double conf = in.signal->confidence;
    const double conf_mult = conf > c_.confidence_high ? c_.confidence_high_multiplier
                             : conf > c_.confidence_mid ? c_.confidence_mid_multiplier
                                                         : c_.confidence_low_multiplier;
    const double risk_mult = in.risk_level == RiskLevel::kSafe      ? c_.safe_multiplier
                             : in.risk_level == RiskLevel::kWarning ? c_.warning_multiplier
                                                                    : c_.critical_multiplier;
    const double vpin = in.signal->features.vpin;
    const double vpin_factor = vpin > c_.vpin_threshold ? 1 - (vpin - c_.vpin_threshold) : 1;
    const double atr_pct = in.signal->features.atr_pct;
    const double vol_factor = atr_pct > c_.high_vol_atr_pct ? c_.high_vol_multiplier : 1;
    const double suggested = c_.base_x * conf_mult * risk_mult * vpin_factor * vol_factor;
    const int applied = std::clamp(static_cast<int>(std::trunc(suggested)), c_.min_x, c_.max_x);
    auto d = detail::margin_sized(in, applied, c_.margin_fraction, name());
    d.reasons["risk_level"] = to_string(in.risk_level);
    d.reasons["vpin"] = core::short_number(vpin);
    d.reasons["suggested"] = core::short_number(suggested);
    d.reasons["applied"] = std::to_string(applied);
    return d;
  }
 private:
  RuleEngineConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_rule_engine(const RuleEngineConfig& c) { return std::make_unique<RuleEnginePolicy>(c); }
}  // namespace fulcrum::leverage
