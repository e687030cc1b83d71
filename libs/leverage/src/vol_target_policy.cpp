#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class VolTargetPolicy final : public LeveragePolicy {
 public:
  explicit VolTargetPolicy(VolTargetConfig c) : c_(c) {}
  std::string name() const override { return "vol_target"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const double atr_pct = in.signal->features.atr_pct;
    double margin = atr_pct > 0 ? c_.base_margin_fraction * (c_.target_atr_pct / atr_pct) : c_.base_margin_fraction;
    const bool spike = in.market_atr_ratio > c_.market_spike_atr_ratio;
    if (spike) margin *= c_.market_spike_multiplier;
    margin = std::min(margin, c_.max_margin_fraction);
    auto d = detail::margin_sized(in, c_.leverage_x, margin, name());
    d.reasons["atr_pct"] = core::short_number(atr_pct);
    d.reasons["market_atr_ratio"] = core::short_number(in.market_atr_ratio);
    d.reasons["market_spike"] = spike ? "true" : "false";
    return d;
  }
 private:
  VolTargetConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_vol_target(const VolTargetConfig& c) { return std::make_unique<VolTargetPolicy>(c); }
}  // namespace fulcrum::leverage
