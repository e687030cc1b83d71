#include <cmath>

#include "fulcrum/leverage/policies.h"
#include "fulcrum/risk/sizing.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
// Risks f·kelly of equity to the stop: notional = f · equity / stop distance.
class KellyPolicy final : public LeveragePolicy {
 public:
  explicit KellyPolicy(KellyConfig c) : c_(c) {}
  std::string name() const override { return "kelly"; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    const bool warm = in.stats.closed_trades >= c_.min_trades && in.stats.payoff_ratio > 0;
    const double p = warm ? in.stats.win_rate : c_.prior_win_rate;
    const double b = warm ? in.stats.payoff_ratio : c_.prior_payoff;
    const double f = risk::kelly_fraction(p, b) * c_.fraction_of_kelly;
    const auto& s = *in.signal;
    const double stop_distance = std::fabs(s.reference_price - s.stop_price) / s.reference_price;
    LeverageDecision d = detail::base_decision(in, c_.leverage_x, name());
    d.reasons["win_rate"] = core::short_number(p);
    d.reasons["payoff"] = core::short_number(b);
    d.reasons["kelly_f"] = core::short_number(f);
    d.reasons["source"] = warm ? "rolling" : "prior";
    if (stop_distance <= 0) {
      d.reasons["skipped"] = "no stop distance";
      return d;
    }
    double risk_fraction = f;
    if (f <= 0) {
      if (c_.probe_after_signals == 0 || in.signals_since_last_entry < c_.probe_after_signals) {
        d.reasons["skipped"] = "no edge";
        return d;
      }
      risk_fraction = c_.probe_risk_fraction;
      d.reasons["probe"] = "no edge for " + std::to_string(in.signals_since_last_entry) + " signals: a probe trade refreshes the statistics";
    }
    const double max_notional = std::min(in.equity * c_.max_margin_fraction, in.available_balance) * c_.leverage_x;
    d.notional = std::min(risk_fraction * in.equity / stop_distance, std::max(0.0, max_notional));
    d.trade = d.notional > 0;
    return d;
  }
 private:
  KellyConfig c_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_kelly(const KellyConfig& c) { return std::make_unique<KellyPolicy>(c); }
}  // namespace fulcrum::leverage
