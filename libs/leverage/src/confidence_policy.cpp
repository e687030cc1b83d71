#include <cmath>

#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class ConfidencePolicy final : public LeveragePolicy {
 public:
  explicit ConfidencePolicy(ConfidenceConfig c) : c_(c) {}
  std::string name() const override { return "confidence"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const double score = in.signal->score;
    int lev = 0;
    if (c_.linear) {
      lev = static_cast<int>(std::floor(c_.linear_min_x + (c_.linear_max_x - c_.linear_min_x) * score / 100.0));
    } else {
      lev = score >= c_.high_tier_min_score ? c_.high_tier_x : score >= c_.mid_tier_min_score ? c_.mid_tier_x : c_.low_tier_x;
    }
    double margin = c_.margin_fraction;
    const bool crowded = in.open_high_confidence_positions >= c_.crowding_positions;
    if (crowded) margin *= c_.crowding_size_multiplier;
    auto d = detail::margin_sized(in, lev, margin, name());
    d.reasons["score"] = core::short_number(score);
    d.reasons["mode"] = c_.linear ? "linear" : "tiers";
    d.reasons["crowded"] = crowded ? "true" : "false";
    if (score < c_.skip_below_score) {
      d.trade = false;
      d.reasons["skipped"] = "score below " + core::short_number(c_.skip_below_score);
    }
    return d;
  }
 private:
  ConfidenceConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_confidence(const ConfidenceConfig& c) { return std::make_unique<ConfidencePolicy>(c); }
}  // namespace fulcrum::leverage
