#pragma once
// What every learned policy does with its model before it may trust an answer: load it once,
// check it was trained on this build's inputs and for this objective, refuse it when stale,
// and turn a signal into a finite input row. Each refusal is a sentence for the decision's
// `fallback` reason.
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/learn/boosted_trees.h"
#include "fulcrum/leverage/trade_features.h"

namespace fulcrum::leverage::detail {

class LearnedModel {
 public:
  LearnedModel(const std::string& path, learn::Objective objective, const std::string& config_key, int max_age_days) : max_age_days_(max_age_days) {
    if (path.empty()) {
      unusable_ = "no model (" + config_key + " is empty)";
      return;
    }
    try {
      model_.emplace(learn::BoostedTrees::load(path));
    } catch (const learn::ModelError& e) {
      unusable_ = e.what();
      return;
    }
    if (model_->feature_names() != trade_feature_names()) unusable_ = path + ": trained on other features than this build serves";
    else if (model_->objective() != objective) unusable_ = path + ": a " + learn::to_string(model_->objective()) + " model where " + learn::to_string(objective) + " is needed";
    if (!unusable_.empty()) {
      model_.reset();
      return;
    }
    const auto& meta = model_->metadata();
    if (const auto it = meta.find("trained_to_ms"); it != meta.end()) trained_to_ms_ = std::strtoll(it->second.c_str(), nullptr, 10);
  }

  struct Answer {
    double value = 0;
    std::string inputs;  // name=value;… as the model saw them
  };
  // The model's answer for the signal, or why there is none (`why` set).
  std::optional<Answer> ask(const signals::Signal& signal, std::string& why) const {
    if (!model_) {
      why = unusable_;
      return std::nullopt;
    }
    const core::TimestampMs age_ms = signal.features.time_ms - trained_to_ms_;
    if (max_age_days_ > 0 && (trained_to_ms_ <= 0 || age_ms > max_age_days_ * core::kMsPerDay)) {
      why = "model " + model_->version() + " is stale: trained to " + std::to_string(trained_to_ms_) + ", more than " + std::to_string(max_age_days_) +
            " days before the signal";
      return std::nullopt;
    }
    const auto row = trade_features(signal);
    Answer a;
    a.inputs.reserve(256);
    char number[32];
    for (size_t i = 0; i < row.size(); ++i) {
      if (!std::isfinite(row[i])) {
        why = "input " + trade_feature_names()[i] + " is not finite";
        return std::nullopt;
      }
      // to_chars, not printf: this string is built on every decision, inside the latency budget.
      const auto end = std::to_chars(number, number + sizeof number, row[i], std::chars_format::general, 6).ptr;
      if (i) a.inputs += ';';
      a.inputs += trade_feature_names()[i];
      a.inputs += '=';
      a.inputs.append(number, end);
    }
    a.value = model_->predict(row.data(), row.size());
    if (!std::isfinite(a.value)) {
      why = "model " + model_->version() + " answered a non-finite value";
      return std::nullopt;
    }
    return a;
  }
  const std::string& version() const { return model_ ? model_->version() : unusable_; }
  const std::string& problem() const { return unusable_; }

 private:
  std::optional<learn::BoostedTrees> model_;
  core::TimestampMs trained_to_ms_ = 0;
  int max_age_days_ = 0;
  std::string unusable_;
};

}  // namespace fulcrum::leverage::detail
