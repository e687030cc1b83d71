#include <cmath>
#include <optional>

#include "fulcrum/learn/boosted_classifier.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/leverage/trade_features.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {

class TradeQualityPolicy final : public LeveragePolicy {
 public:
  TradeQualityPolicy(TradeQualityConfig c, const RuleEngineConfig& fallback) : c_(std::move(c)), fallback_(make_rule_engine(fallback)) {
    if (c_.model_path.empty()) {
      unusable_ = "no model (trade_quality.model_path is empty)";
      return;
    }
    try {
      model_.emplace(learn::BoostedClassifier::load(c_.model_path));
    } catch (const learn::ModelError& e) {
      unusable_ = e.what();
      return;
    }
    if (model_->feature_names() != trade_feature_names()) {
      unusable_ = c_.model_path + ": trained on other features than this build serves";
      model_.reset();
      return;
    }
    const auto& meta = model_->metadata();
    if (const auto it = meta.find("trained_to_ms"); it != meta.end()) trained_to_ms_ = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  std::string name() const override { return "trade_quality"; }

  LeverageDecision decide(const LeverageInputs& in) const override {
    if (!model_) return fall_back(in, unusable_);
    const core::TimestampMs age_ms = in.signal->features.time_ms - trained_to_ms_;
    if (c_.max_model_age_days > 0 && (trained_to_ms_ <= 0 || age_ms > c_.max_model_age_days * core::kMsPerDay))
      return fall_back(in, "model " + model_->version() + " is stale: trained to " + std::to_string(trained_to_ms_) + ", more than " +
                               std::to_string(c_.max_model_age_days) + " days before the signal");
    const auto row = trade_features(*in.signal);
    std::string inputs;
    for (size_t i = 0; i < row.size(); ++i) {
      if (!std::isfinite(row[i])) return fall_back(in, "input " + trade_feature_names()[i] + " is not finite");
      inputs += (inputs.empty() ? "" : ";") + trade_feature_names()[i] + "=" + core::short_number(row[i]);
    }
    const double p = model_->predict(row.data(), row.size());
    if (!std::isfinite(p) || p < 0 || p > 1) return fall_back(in, "model " + model_->version() + " answered " + core::short_number(p) + ", outside [0, 1]");
    LeverageDecision d;
    if (p < c_.min_probability) {
      d = detail::base_decision(in, c_.leverage_x, name());
      d.trade = false;
      d.reasons["skip"] = "p_win " + core::short_number(p) + " below min_probability " + core::short_number(c_.min_probability);
    } else {
      const double fraction = std::min(c_.max_margin_fraction, c_.base_margin_fraction * p / c_.min_probability);
      d = detail::margin_sized(in, c_.leverage_x, fraction, name());
    }
    d.reasons["model_version"] = model_->version();
    d.reasons["model_inputs"] = inputs;
    d.reasons["p_win"] = core::short_number(p);
    return d;
  }

 private:
  LeverageDecision fall_back(const LeverageInputs& in, const std::string& why) const {
    auto d = fallback_->decide(in);
    d.reasons["policy"] = name();
    d.reasons["fallback"] = "rule_engine: " + why;
    return d;
  }

  TradeQualityConfig c_;
  std::unique_ptr<LeveragePolicy> fallback_;
  std::optional<learn::BoostedClassifier> model_;
  core::TimestampMs trained_to_ms_ = 0;
  std::string unusable_;
};

}  // namespace

std::unique_ptr<LeveragePolicy> make_trade_quality(const TradeQualityConfig& c, const RuleEngineConfig& fallback) {
  return std::make_unique<TradeQualityPolicy>(c, fallback);
}

}  // namespace fulcrum::leverage
