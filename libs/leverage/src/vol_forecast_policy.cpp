#include "fulcrum/leverage/policies.h"
#include "learned_model.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {

class VolForecastPolicy final : public LeveragePolicy {
 public:
  VolForecastPolicy(VolForecastConfig c, const RuleEngineConfig& fallback)
      : c_(std::move(c)),
        model_(c_.model_path, learn::Objective::kSquaredError, "vol_forecast.model_path", c_.max_model_age_days),
        fallback_(make_rule_engine(fallback)) {}
  std::string model_problem() const override { return model_.problem(); }
  std::string name() const override { return "vol_forecast"; }

  LeverageDecision decide(const LeverageInputs& in) const override {
    std::string why;
    const auto answer = model_.ask(*in.signal, why);
    if (!answer) return detail::fall_back(*fallback_, in, name(), why);
    const double sigma = answer->value;
    if (!(sigma > 0)) return detail::fall_back(*fallback_, in, name(), "model " + model_.version() + " forecast σ " + core::short_number(sigma) + " ≤ 0");
    // Risk sizing: a 1σ move of the position costs risk_fraction of equity.
    const double notional = in.equity * c_.risk_fraction / sigma;
    const double margin_fraction = in.equity > 0 ? std::min(c_.max_margin_fraction, notional / c_.leverage_x / in.equity) : 0;
    auto d = detail::margin_sized(in, c_.leverage_x, margin_fraction, name());
    d.reasons["model_version"] = model_.version();
    d.reasons["model_inputs"] = answer->inputs;
    d.reasons["forecast_sigma"] = core::short_number(sigma);
    d.reasons["risk_notional"] = core::short_number(notional);
    return d;
  }

 private:
  VolForecastConfig c_;
  detail::LearnedModel model_;
  std::unique_ptr<LeveragePolicy> fallback_;
};

}  // namespace

std::unique_ptr<LeveragePolicy> make_vol_forecast(const VolForecastConfig& c, const RuleEngineConfig& fallback) {
  return std::make_unique<VolForecastPolicy>(c, fallback);
}

}  // namespace fulcrum::leverage
