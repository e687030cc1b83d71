#include "fulcrum/learn/boosted_trees.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>

#include "fulcrum/core/digest.h"

namespace fulcrum::learn {

// The booster and its proxy matrix; freed without throwing.
struct BoostedTrees::Serving {
  BoosterHandle booster = nullptr;
  DMatrixHandle proxy = nullptr;
  std::mutex predicting;
  Serving() = default;
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;
  ~Serving() {
    if (proxy) XGDMatrixFree(proxy);
    if (booster) XGBoosterFree(booster);
  }
};

namespace {

// The model's own record of what it was trained on, kept in the model file.
constexpr const char* kFeaturesAttribute = "fulcrum_features";
constexpr const char* kObjectiveAttribute = "fulcrum_objective";
constexpr std::string_view kMetadataPrefix = "fulcrum_meta.";

void check(int rc, const std::string& what) {
  if (rc != 0) throw ModelError(what + ": " + XGBGetLastError());
}

std::shared_ptr<void> own_booster(BoosterHandle h) {
  return std::shared_ptr<void>(h, [](void* p) { XGBoosterFree(p); });  // never throws
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

const char* to_string(Objective o) { return o == Objective::kSquaredError ? "reg:squarederror" : "binary:logistic"; }

BoostedTrees BoostedTrees::train(const std::vector<std::vector<float>>& rows, const std::vector<float>& labels,
                                           const std::vector<std::string>& feature_names, const BoostingParams& params,
                                           const std::map<std::string, std::string>& metadata) {
  if (rows.empty()) throw ModelError("training set is empty");
  if (rows.size() != labels.size()) throw ModelError("training set has " + std::to_string(rows.size()) + " rows but " + std::to_string(labels.size()) + " labels");
  if (feature_names.empty()) throw ModelError("no feature names");
  for (const auto& n : feature_names)
    if (n.empty() || n.find(',') != std::string::npos) throw ModelError("feature name '" + n + "' is empty or holds a comma");
  if (params.rounds < 1 || params.rounds > 100'000) throw ModelError("rounds " + std::to_string(params.rounds) + " outside 1..100000");
  if (params.max_depth < 1 || params.max_depth > 32) throw ModelError("max_depth " + std::to_string(params.max_depth) + " outside 1..32");
  const size_t width = feature_names.size();
  std::vector<float> dense;
  dense.reserve(rows.size() * width);
  std::set<float> classes;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width)
      throw ModelError("training row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) + " values, expected " + std::to_string(width));
    for (size_t j = 0; j < width; ++j) {
      if (!std::isfinite(rows[i][j])) throw ModelError("training row " + std::to_string(i) + " feature '" + feature_names[j] + "' is not finite");
      dense.push_back(rows[i][j]);
    }
    if (!std::isfinite(labels[i])) throw ModelError("training label " + std::to_string(i) + " is not finite");
    if (params.objective == Objective::kBinaryLogistic && labels[i] != 0.0f && labels[i] != 1.0f)
      throw ModelError("training label " + std::to_string(i) + " is not 0 or 1");
    classes.insert(labels[i]);
  }
  if (classes.size() < 2) throw ModelError("training labels hold one value only: nothing to learn");

  DMatrixHandle dmat = nullptr;
  check(XGDMatrixCreateFromMat(dense.data(), rows.size(), width, std::nanf(""), &dmat), "XGDMatrixCreateFromMat");
  const std::shared_ptr<void> dmat_owner(dmat, [](void* p) { XGDMatrixFree(p); });
  check(XGDMatrixSetFloatInfo(dmat, "label", labels.data(), labels.size()), "labels");
  BoosterHandle booster = nullptr;
  check(XGBoosterCreate(&dmat, 1, &booster), "XGBoosterCreate");
  const auto owner = own_booster(booster);
  const std::pair<const char*, std::string> settings[] = {
      {"objective", to_string(params.objective)},
      {"eval_metric", params.objective == Objective::kBinaryLogistic ? "logloss" : "rmse"},
      {"tree_method", "exact"},
      {"nthread", "1"},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", format_double(params.learning_rate)},
      {"subsample", format_double(params.subsample)},
      {"colsample_bytree", format_double(params.column_subsample)},
      {"min_child_weight", format_double(params.min_child_weight)},
      {"lambda", format_double(params.l2)},
      {"seed", std::to_string(params.seed)},
  };
  for (const auto& [key, value] : settings) check(XGBoosterSetParam(booster, key, value.c_str()), std::string("parameter ") + key + "=" + value);
  for (int round = 0; round < params.rounds; ++round) check(XGBoosterUpdateOneIter(booster, round, dmat), "training round " + std::to_string(round));
  const std::string names = join(feature_names);
  check(XGBoosterSetAttr(booster, kFeaturesAttribute, names.c_str()), "feature names");
  check(XGBoosterSetAttr(booster, kObjectiveAttribute, to_string(params.objective)), "objective");
  for (const auto& [key, value] : metadata) check(XGBoosterSetAttr(booster, (std::string(kMetadataPrefix) + key).c_str(), value.c_str()), "metadata " + key);
  bst_ulong length = 0;
  const char* bytes = nullptr;
  check(XGBoosterSaveModelToBuffer(booster, R"({"format": "json"})", &length, &bytes), "serialise");
  // Serve what was saved, so the model in memory is the model on disk, byte for byte.
  return from_json(std::string(bytes, length), "the trained model");
}

BoostedTrees BoostedTrees::from_json(const std::string& json, const std::string& origin) {
  if (json.empty() || json.front() != '{') throw ModelError(origin + ": not an XGBoost JSON model");
  BoostedTrees model;
  model.serving_ = std::make_shared<Serving>();
  check(XGBoosterCreate(nullptr, 0, &model.serving_->booster), origin);
  BoosterHandle booster = model.serving_->booster;
  check(XGProxyDMatrixCreate(&model.serving_->proxy), origin);
  check(XGBoosterLoadModelFromBuffer(booster, json.data(), json.size()), origin);
  check(XGBoosterSetParam(booster, "nthread", "1"), origin);
  const char* names = nullptr;
  int found = 0;
  check(XGBoosterGetAttr(booster, kFeaturesAttribute, &names, &found), origin);
  if (!found || names == nullptr) throw ModelError(origin + ": the model names no features (attribute " + kFeaturesAttribute + "); it was not trained by Fulcrum");
  model.feature_names_ = split(names);
  const char* objective = nullptr;
  int has_objective = 0;
  check(XGBoosterGetAttr(booster, kObjectiveAttribute, &objective, &has_objective), origin);
  const std::string objective_name = has_objective && objective ? objective : "";
  if (objective_name == to_string(Objective::kBinaryLogistic)) model.objective_ = Objective::kBinaryLogistic;
  else if (objective_name == to_string(Objective::kSquaredError)) model.objective_ = Objective::kSquaredError;
  else throw ModelError(origin + ": objective '" + objective_name + "' is not one Fulcrum serves");
  bst_ulong attribute_count = 0;
  const char** attribute_names = nullptr;
  check(XGBoosterGetAttrNames(booster, &attribute_count, &attribute_names), origin);
  std::vector<std::string> keys(attribute_names, attribute_names + attribute_count);  // copied before the next call reuses the buffer
  for (const auto& key : keys) {
    if (key.rfind(kMetadataPrefix, 0) != 0) continue;
    const char* value = nullptr;
    int has = 0;
    check(XGBoosterGetAttr(booster, key.c_str(), &value, &has), origin);
    if (has && value) model.metadata_[key.substr(kMetadataPrefix.size())] = value;
  }
  bst_ulong width = 0;
  check(XGBoosterGetNumFeature(booster, &width), origin);
  if (width != model.feature_names_.size())
    throw ModelError(origin + ": the trees use " + std::to_string(width) + " features but the model names " + std::to_string(model.feature_names_.size()));
  model.json_ = json;
  model.version_ = core::sha256_hex(json).substr(0, 12);
  return model;
}

BoostedTrees BoostedTrees::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path + ": cannot open the model file");
  std::ostringstream text;
  text << in.rdbuf();
  return from_json(text.str(), path);
}

void BoostedTrees::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json_;
  out.flush();
  if (!out) throw ModelError(path + ": cannot write the model file");
}

double BoostedTrees::predict(const float* row, size_t width) const {
  if (width != feature_count()) throw ModelError("a row of " + std::to_string(width) + " values for a model of " + std::to_string(feature_count()) + " features");
  char array[160];
  std::snprintf(array, sizeof array, R"({"data": [%llu, true], "shape": [1, %zu], "typestr": "<f4", "version": 3})",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(row)), width);
  static constexpr const char* kConfig = R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  const std::lock_guard<std::mutex> lock(serving_->predicting);  // the proxy and the result buffer are shared
  check(XGBoosterPredictFromDense(serving_->booster, array, kConfig, serving_->proxy, &shape, &dims, &result), "predict");
  return static_cast<double>(result[0]);
}

std::vector<double> BoostedTrees::predict(const std::vector<std::vector<float>>& rows) const {
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(predict(r.data(), r.size()));
  return out;
}

}  // namespace fulcrum::learn
