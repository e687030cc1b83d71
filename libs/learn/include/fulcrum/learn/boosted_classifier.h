#pragma once
// A binary classifier of gradient-boosted trees, trained and served through libxgboost's C
// API, so the product learns and predicts without Python. The model file is XGBoost's own
// JSON, so outside tools can read it; it carries the feature names it was trained on, and
// its version is the sha256 of its bytes, which the leaderboard and every decision show.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fulcrum::learn {

// A model that cannot be trained, read or used: the message names the file or the field.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Fixed before a run and printed in its report; one thread, so a seed gives the same trees.
struct BoostingParams {
  int rounds = 200;
  int max_depth = 3;
  double learning_rate = 0.05;
  double subsample = 0.8;
  double column_subsample = 0.8;
  double min_child_weight = 5;
  double l2 = 1.0;
  uint64_t seed = 7;
};

class BoostedClassifier {
 public:
  // rows[i] has one value per feature name; labels are 0 or 1. Throws ModelError on empty,
  // ragged or non-finite input, or a label set with one class only.
  // `metadata` (e.g. the training window) is kept in the model file and read back by metadata().
  static BoostedClassifier train(const std::vector<std::vector<float>>& rows, const std::vector<float>& labels, const std::vector<std::string>& feature_names,
                                 const BoostingParams& params, const std::map<std::string, std::string>& metadata = {});
  static BoostedClassifier load(const std::string& path);
  static BoostedClassifier from_json(const std::string& json, const std::string& origin);

  void save(const std::string& path) const;
  const std::string& json() const { return json_; }
  // P(label = 1) for one row of feature_count() values, in place through a proxy matrix kept
  // with the model (without one, XGBoost builds one per call: 22 µs instead of 8). Calls are
  // serialised, so copies of one model may predict from several threads. Throws ModelError on
  // a row of the wrong width.
  double predict(const float* row, size_t width) const;
  std::vector<double> predict(const std::vector<std::vector<float>>& rows) const;

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t feature_count() const { return feature_names_.size(); }
  const std::string& version() const { return version_; }  // 12 hex digits of the sha256 of json()

 private:
  BoostedClassifier() = default;
  struct Serving;
  std::shared_ptr<Serving> serving_;
  std::string json_;
  std::vector<std::string> feature_names_;
  std::map<std::string, std::string> metadata_;
  std::string version_;
};

}  // namespace fulcrum::learn
