// outcome.json: one fold's results, written by whichever process or pod computed the fold and
// read back by the merge. Doubles are written shortest-round-trip (nlohmann's), so the merged
// report is bit-identical to one computed in a single process.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "fulcrum/core/error.h"
#include "fulcrum/research/walk_forward.h"

namespace fulcrum::research {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "fulcrum.research.fold/1";

// Reads fields by name and names the one that is wrong.
class Reader {
 public:
  Reader(const json& j, std::string path, const std::string& source) : j_(j), path_(std::move(path)), source_(source) {}

  const json& at(const std::string& key) const {
    if (!j_.is_object() || !j_.contains(key)) fail(key, "is missing");
    return j_.at(key);
  }
  Reader sub(const std::string& key) const { return Reader(at(key), name(key), source_); }
  std::string text(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_string()) fail(key, "must be a string");
    return v.get<std::string>();
  }
  double number(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>())) fail(key, "must be a finite number");
    return v.get<double>();
  }
  int64_t integer(const std::string& key, int64_t low = 0) const {
    const auto& v = at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < low) fail(key, "must be an integer ≥ " + std::to_string(low));
    return v.get<int64_t>();
  }
  size_t count(const std::string& key) const { return static_cast<size_t>(integer(key)); }
  std::vector<double> numbers(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_array()) fail(key, "must be an array of numbers");
    std::vector<double> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number() || !std::isfinite(v[i].get<double>())) fail(key + "[" + std::to_string(i) + "]", "must be a finite number");
      out.push_back(v[i].get<double>());
    }
    return out;
  }
  std::vector<int> bits(const std::string& key) const {
    std::vector<int> out;
    const auto& v = at(key);
    if (!v.is_array()) fail(key, "must be an array of 0 and 1");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number_integer() || (v[i].get<int>() != 0 && v[i].get<int>() != 1)) fail(key + "[" + std::to_string(i) + "]", "must be 0 or 1");
      out.push_back(v[i].get<int>());
    }
    return out;
  }
  const json& array(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_array()) fail(key, "must be an array");
    return v;
  }
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  [[noreturn]] void fail(const std::string& key, const std::string& why) const { throw core::DataError(source_, 0, name(key) + " " + why); }

 private:
  const json& j_;
  std::string path_;
  const std::string& source_;
};

}  // namespace

std::string fold_outcome_json(const FoldOutcome& o) {
  const auto& r = o.report;
  json variants = json::array();
  for (const auto& v : o.variants)
    variants.push_back({{"id", v.id}, {"description", v.description}, {"daily", v.daily}, {"return_on_margin", v.return_on_margin}, {"liquidations", v.liquidations}});
  const json j = {
      {"format", kFormat},
      {"config_hash", o.config_hash},
      {"fold", o.index},
      {"fold_count", o.fold_count},
      {"from_ms", o.from_ms},
      {"to_ms", o.to_ms},
      {"samples", o.samples},
      {"dataset_digest", o.dataset_digest},
      {"trade_quality_x", o.trade_quality_x},
      {"window",
       {{"train_from_ms", r.fold.train_from_ms}, {"train_to_ms", r.fold.train_to_ms}, {"test_from_ms", r.fold.test_from_ms}, {"test_to_ms", r.fold.test_to_ms}}},
      {"training",
       {{"in_window", r.training.in_window},
        {"kept", r.training.kept},
        {"purged", r.training.purged},
        {"embargo_ms", r.training.embargo_ms},
        {"longest_hold_ms", r.training.longest_hold_ms}}},
      {"models",
       {{"trade_quality", {{"version", r.model_version}, {"path", r.model_path}}},
        {"vol_forecast", {{"version", r.volatility_model_version}, {"path", r.volatility_model_path}}},
        {"note", r.model_note}}},
      {"training_positive_rate", r.training_positive_rate},
      {"mean_optimal_leverage", r.mean_optimal_leverage},
      {"constant_leverage_x", r.constant_leverage_x},
      {"test_signals", r.test_signals},
      {"variants", variants},
      {"oos", {{"scores", o.oos_scores}, {"atr_pct", o.oos_atr_pct}, {"labels", o.oos_labels}}},
      {"volatility", {{"truth", o.volatility_truth}, {"model", o.volatility_model}, {"naive", o.volatility_naive}}},
      {"label_check", {{"compared", o.label_check.compared}, {"same_sign", o.label_check.same_sign}}},
  };
  return j.dump(1) + "\n";
}

FoldOutcome parse_fold_outcome(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw core::DataError(source, 0, std::string("not JSON: ") + e.what());
  }
  const Reader in(j, "", source);
  if (in.text("format") != kFormat) in.fail("format", "is '" + in.text("format") + "', this build reads " + kFormat);
  FoldOutcome o;
  o.config_hash = in.text("config_hash");
  o.index = in.count("fold");
  o.fold_count = in.count("fold_count");
  if (o.index < 1 || o.index > o.fold_count) in.fail("fold", "must be 1 to fold_count (" + std::to_string(o.fold_count) + ")");
  o.from_ms = in.integer("from_ms");
  o.to_ms = in.integer("to_ms");
  o.samples = in.count("samples");
  o.dataset_digest = in.text("dataset_digest");
  o.trade_quality_x = static_cast<int>(in.integer("trade_quality_x", 1));
  auto& r = o.report;
  const auto window = in.sub("window");
  r.fold = {window.integer("train_from_ms"), window.integer("train_to_ms"), window.integer("test_from_ms"), window.integer("test_to_ms")};
  const auto training = in.sub("training");
  r.training = {training.count("in_window"), training.count("kept"), training.count("purged"), training.integer("embargo_ms"),
                training.integer("longest_hold_ms")};
  if (r.training.kept + r.training.purged != r.training.in_window) training.fail("kept", "plus purged must equal in_window");
  const auto models = in.sub("models");
  r.model_version = models.sub("trade_quality").text("version");
  r.model_path = models.sub("trade_quality").text("path");
  r.volatility_model_version = models.sub("vol_forecast").text("version");
  r.volatility_model_path = models.sub("vol_forecast").text("path");
  r.model_note = models.text("note");
  r.training_positive_rate = in.number("training_positive_rate");
  r.mean_optimal_leverage = in.number("mean_optimal_leverage");
  r.constant_leverage_x = static_cast<int>(in.integer("constant_leverage_x", 1));
  r.test_signals = in.count("test_signals");
  const auto& variants = in.array("variants");
  for (size_t i = 0; i < variants.size(); ++i) {
    const Reader v(variants[i], "variants[" + std::to_string(i) + "]", source);
    o.variants.push_back({v.text("id"), v.text("description"), v.numbers("daily"), v.numbers("return_on_margin"), v.count("liquidations")});
  }
  const auto oos = in.sub("oos");
  o.oos_scores = oos.numbers("scores");
  o.oos_atr_pct = oos.numbers("atr_pct");
  o.oos_labels = oos.bits("labels");
  if (o.oos_scores.size() != o.oos_labels.size() || o.oos_atr_pct.size() != o.oos_labels.size())
    oos.fail("scores", "atr_pct and labels must be of one length");
  const auto vol = in.sub("volatility");
  o.volatility_truth = vol.numbers("truth");
  o.volatility_model = vol.numbers("model");
  o.volatility_naive = vol.numbers("naive");
  if (o.volatility_model.size() != o.volatility_truth.size() || o.volatility_naive.size() != o.volatility_truth.size())
    vol.fail("truth", "model and naive must be of one length");
  const auto check = in.sub("label_check");
  o.label_check = {check.count("compared"), check.count("same_sign")};
  if (o.label_check.same_sign > o.label_check.compared) check.fail("same_sign", "exceeds compared");
  return o;
}

std::optional<FoldOutcome> read_fold_outcome(const std::string& run_dir, size_t k) {
  const auto path = std::filesystem::path(run_dir) / fold_dir_name(k) / "outcome.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto outcome = parse_fold_outcome(text, path.string());
  if (outcome.index != k) throw core::DataError(path.string(), 0, "fold is " + std::to_string(outcome.index) + " in the folder of fold " + std::to_string(k));
  return outcome;
}

}  // namespace fulcrum::research
