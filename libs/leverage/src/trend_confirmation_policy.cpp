#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
// Plans the whole position; the engine opens the first tranche and adds on confirmation.
class TrendConfirmationPolicy final : public LeveragePolicy {
 public:
  explicit TrendConfirmationPolicy(TrendConfirmationConfig c) : c_(c) {}
  std::string name() const override { return "trend_confirmation"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    auto d = detail::margin_sized(in, c_.leverage_x, c_.margin_fraction, name());
    d.pyramid.initial_fraction = c_.initial_fraction;
    d.pyramid.max_adds = c_.max_adds;
    d.pyramid.add_trigger_move = c_.add_trigger_move;
    d.pyramid.add_min_volume_ratio = c_.add_min_volume_ratio;
    d.pyramid.move_stop_to_break_even = true;
    d.reasons["initial_fraction"] = core::short_number(c_.initial_fraction);
    d.reasons["max_adds"] = std::to_string(c_.max_adds);
    return d;
  }
 private:
  TrendConfirmationConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_trend_confirmation(const TrendConfirmationConfig& c) {
  return std::make_unique<TrendConfirmationPolicy>(c);
}
}  // namespace fulcrum::leverage
