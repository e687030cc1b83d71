#include <cmath>

#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class RiskParityPolicy final : public LeveragePolicy {
 public:
  explicit RiskParityPolicy(RiskParityConfig c) : c_(c) {}
  std::string name() const override { return "risk_parity"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const double sigma = in.signal->features.ewma_vol;
    double scale = 1;
    if (sigma > 0 && in.reference_volatility > 0) scale = in.reference_volatility / sigma;
    if (c_.square_root) scale = std::sqrt(scale);
    const int lev = std::clamp(static_cast<int>(std::floor(c_.base_leverage_x * scale)), 1, c_.max_leverage_x);
    auto d = detail::margin_sized(in, lev, c_.margin_fraction, name());
    d.reasons["sigma"] = core::short_number(sigma);
    d.reasons["sigma_ref"] = core::short_number(in.reference_volatility);
    return d;
  }
 private:
  RiskParityConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_risk_parity(const RiskParityConfig& c) { return std::make_unique<RiskParityPolicy>(c); }
}  // namespace fulcrum::leverage
