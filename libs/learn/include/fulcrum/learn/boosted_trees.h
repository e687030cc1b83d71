#pragma once
// Gradient-boosted trees, a binary classifier (P(label = 1)) or a regressor (squared error),
// trained and served through libxgboost's C API, so the product learns and predicts without
// Python. The model file is XGBoost's own
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

enum class Objective { kBinaryLogistic, kSquaredError };
const char* to_string(Objective o);  // XGBoost's name: binary:logistic, reg:squarederror

// Fixed before a run and printed in its report; one thread, so a seed gives the same trees.
struct BoostingParams {
  Objective objective = Objective::kBinaryLogistic;
  int rounds = 200;
  int max_depth = 3;
  double learning_rate = 0.05;
  double subsample = 0.8;
  double column_subsample = 0.8;
  double min_child_weight = 5;
  double l2 = 1.0;
  uint64_t seed = 7;
};

class BoostedTrees {
 public:
  // rows[i] has one value per feature name; labels are 0 or 1 for a classifier (both classes
  // present), any finite value for a regressor. Throws ModelError on empty, ragged or
  // non-finite input, or labels the objective cannot learn from.
  // `metadata` (e.g. the training window) is kept in the model file and read back by metadata().
  static BoostedTrees train(const std::vector<std::vector<float>>& rows, const std::vector<float>& labels, const std::vector<std::string>& feature_names,
                                 const BoostingParams& params, const std::map<std::string, std::string>& metadata = {});
  static BoostedTrees load(const std::string& path);
  static BoostedTrees from_json(const std::string& json, const std::string& origin);

  void save(const std::string& path) const;
  const std::string& json() const { return json_; }
  // P(label = 1), or the regressor's value, for one row of feature_count() values, in place through a proxy matrix kept
  // with the model (without one, XGBoost builds one per call: 22 µs instead of 8). Calls are
  // serialised, so copies of one model may predict from several threads. Throws ModelError on
  // a row of the wrong width.
  double predict(const float* row, size_t width) const;
  std::vector<double> predict(const std::vector<std::vector<float>>& rows) const;

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  Objective objective() const { return objective_; }
  size_t feature_count() const { return feature_names_.size(); }
  const std::string& version() const { return version_; }  // 12 hex digits of the sha256 of json()

 private:
  BoostedTrees() = default;
  struct Serving;
  std::shared_ptr<Serving> serving_;
  std::string json_;
  std::vector<std::string> feature_names_;
  std::map<std::string, std::string> metadata_;
  Objective objective_ = Objective::kBinaryLogistic;
  std::string version_;
};

}  // namespace fulcrum::learn
