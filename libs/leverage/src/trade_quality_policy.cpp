#include "fulcrum/leverage/policies.h"
#include "learned_model.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {

class TradeQualityPolicy final : public LeveragePolicy {
 public:
  TradeQualityPolicy(TradeQualityConfig c, const RuleEngineConfig& fallback)
      : c_(std::move(c)),
        model_(c_.model_path, learn::Objective::kBinaryLogistic, "trade_quality.model_path", c_.max_model_age_days),
        fallback_(make_rule_engine(fallback)) {}
  std::string model_problem() const override { return model_.problem(); }
  std::string name() const override { return "trade_quality"; }

  LeverageDecision decide(const LeverageInputs& in) const override {
    std::string why;
    const auto answer = model_.ask(*in.signal, why);
    if (!answer) return detail::fall_back(*fallback_, in, name(), why);
    const double p = answer->value;
    if (p < 0 || p > 1) return detail::fall_back(*fallback_, in, name(), "model " + model_.version() + " answered " + core::short_number(p) + ", outside [0, 1]");
    LeverageDecision d;
    if (p < c_.min_probability) {
      d = detail::base_decision(in, c_.leverage_x, name());
      d.trade = false;
      d.reasons["skip"] = "p_win " + core::short_number(p) + " below min_probability " + core::short_number(c_.min_probability);
    } else {
      const double fraction = std::min(c_.max_margin_fraction, c_.base_margin_fraction * p / c_.min_probability);
      d = detail::margin_sized(in, c_.leverage_x, fraction, name());
    }
    d.reasons["model_version"] = model_.version();
    d.reasons["model_inputs"] = answer->inputs;
    d.reasons["p_win"] = core::short_number(p);
    return d;
  }

 private:
  TradeQualityConfig c_;
  detail::LearnedModel model_;
  std::unique_ptr<LeveragePolicy> fallback_;
};

}  // namespace

std::unique_ptr<LeveragePolicy> make_trade_quality(const TradeQualityConfig& c, const RuleEngineConfig& fallback) {
  return std::make_unique<TradeQualityPolicy>(c, fallback);
}

}  // namespace fulcrum::leverage
