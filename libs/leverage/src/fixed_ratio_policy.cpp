#include "fulcrum/leverage/policies.h"
#include "fulcrum/risk/sizing.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class FixedRatioPolicy final : public LeveragePolicy {
 public:
  explicit FixedRatioPolicy(FixedRatioConfig c) : c_(c) {}
  std::string name() const override { return "fixed_ratio"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const double delta = c_.delta_fraction * in.initial_equity;
    const double profit = in.stats.accumulated_profit;
    int units = c_.linear_form ? risk::fixed_ratio_units_linear(profit, delta) : risk::fixed_ratio_units_jones(profit, delta);
    units = std::min(units, c_.max_units);
    const double margin_fraction = in.equity > 0 ? units * c_.unit_margin_fraction * in.initial_equity / in.equity : 0;
    auto d = detail::margin_sized(in, c_.leverage_x, margin_fraction, name());
    d.reasons["units"] = std::to_string(units);
    d.reasons["form"] = c_.linear_form ? "linear" : "jones";
    d.reasons["accumulated_profit"] = core::short_number(profit);
    return d;
  }
 private:
  FixedRatioConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_fixed_ratio(const FixedRatioConfig& c) { return std::make_unique<FixedRatioPolicy>(c); }
}  // namespace fulcrum::leverage
