// The XGBoost classifier through its C API: it learns a rule it can learn, serves exactly the
// model it saved, is reproducible from its seed, and names what is wrong with bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "fulcrum/learn/boosted_trees.h"

using fulcrum::learn::BoostedTrees;
using fulcrum::learn::BoostingParams;
using fulcrum::learn::ModelError;

namespace {
struct Sample {
  std::vector<std::vector<float>> rows;
  std::vector<float> labels;
};
// y = 1 when x0 + x1 > 1 (x2 is noise): a boundary trees approximate well.
Sample make_sample(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  Sample s;
  for (size_t i = 0; i < n; ++i) {
    std::vector<float> r{u(rng), u(rng), u(rng)};
    s.labels.push_back(r[0] + r[1] > 1 ? 1.0f : 0.0f);
    s.rows.push_back(std::move(r));
  }
  return s;
}
const std::vector<std::string> kNames{"x0", "x1", "noise"};
std::string temp_path(const std::string& name) { return (std::filesystem::temp_directory_path() / ("fulcrum-learn-" + name)).string(); }
}  // namespace

TEST(BoostedTrees, LearnsAVisibleRuleOnHeldOutRows) {
  const auto train = make_sample(2000, 1);
  const auto test = make_sample(1000, 2);
  BoostingParams p;
  p.rounds = 100;
  const auto model = BoostedTrees::train(train.rows, train.labels, kNames, p);
  size_t right = 0;
  const auto probs = model.predict(test.rows);
  for (size_t i = 0; i < probs.size(); ++i) {
    ASSERT_GE(probs[i], 0.0);
    ASSERT_LE(probs[i], 1.0);
    right += (probs[i] > 0.5) == (test.labels[i] == 1.0f);
  }
  EXPECT_GT(static_cast<double>(right) / static_cast<double>(probs.size()), 0.93) << right << " of " << probs.size();
  EXPECT_EQ(model.feature_names(), kNames);
  EXPECT_EQ(model.version().size(), 12u);
}

TEST(BoostedTrees, SavedModelServesTheSamePredictionsAndTheSameSeedTheSameTrees) {
  const auto train = make_sample(500, 3);
  BoostingParams p;
  p.rounds = 30;
  const auto a = BoostedTrees::train(train.rows, train.labels, kNames, p, {{"trained_to_ms", "1735689600000"}});
  const auto b = BoostedTrees::train(train.rows, train.labels, kNames, p, {{"trained_to_ms", "1735689600000"}});
  EXPECT_EQ(a.json(), b.json()) << "one thread and one seed must give the same trees";
  EXPECT_EQ(a.version(), b.version());
  p.seed = 8;
  const auto c = BoostedTrees::train(train.rows, train.labels, kNames, p);
  EXPECT_NE(a.version(), c.version()) << "subsampling with another seed grows other trees";

  const auto path = temp_path("roundtrip.json");
  a.save(path);
  const auto loaded = BoostedTrees::load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(loaded.version(), a.version());
  EXPECT_EQ(loaded.metadata().at("trained_to_ms"), "1735689600000");
  const auto test = make_sample(200, 4);
  EXPECT_EQ(loaded.predict(test.rows), a.predict(test.rows));
}

TEST(BoostedTrees, BadInputIsAnErrorThatSaysWhere) {
  auto s = make_sample(50, 5);
  s.rows[7][1] = std::nanf("");
  try {
    (void)BoostedTrees::train(s.rows, s.labels, kNames, {});
    FAIL() << "a NaN feature was accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("row 7 feature 'x1'"), std::string::npos) << e.what();
  }
  s = make_sample(50, 5);
  std::fill(s.labels.begin(), s.labels.end(), 1.0f);
  EXPECT_THROW((void)BoostedTrees::train(s.rows, s.labels, kNames, {}), ModelError);
  s = make_sample(50, 5);
  s.rows[3].pop_back();
  EXPECT_THROW((void)BoostedTrees::train(s.rows, s.labels, kNames, {}), ModelError);

  try {
    (void)BoostedTrees::load("/nonexistent/model.json");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.json"), std::string::npos) << e.what();
  }
  const auto path = temp_path("garbage.json");
  std::ofstream(path) << "{\"not\": \"a model\"}";
  EXPECT_THROW((void)BoostedTrees::load(path), ModelError);
  std::ofstream(path) << "garbage";
  EXPECT_THROW((void)BoostedTrees::load(path), ModelError);
  std::filesystem::remove(path);

  s = make_sample(200, 6);
  BoostingParams p;
  p.rounds = 5;
  const auto model = BoostedTrees::train(s.rows, s.labels, kNames, p);
  const float two[2] = {0.1f, 0.2f};
  EXPECT_THROW((void)model.predict(two, 2), ModelError);
}

TEST(BoostedTrees, ARegressorLearnsAValueAndKeepsItsObjective) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 0.02f);
  std::vector<std::vector<float>> rows, test_rows;
  std::vector<float> y, test_y;
  for (int i = 0; i < 1500; ++i) {
    std::vector<float> r{u(rng), u(rng), u(rng)};
    const float v = 0.01f + 0.05f * r[0] * r[0] + noise(rng) * 0.1f;
    (i < 1000 ? rows : test_rows).push_back(r);
    (i < 1000 ? y : test_y).push_back(v);
  }
  BoostingParams p;
  p.objective = fulcrum::learn::Objective::kSquaredError;
  p.rounds = 150;
  p.learning_rate = 0.1;
  const auto model = BoostedTrees::train(rows, y, kNames, p);
  EXPECT_EQ(model.objective(), fulcrum::learn::Objective::kSquaredError);
  const auto pred = model.predict(test_rows);
  double se = 0, var = 0, mean = 0;
  for (const float v : test_y) mean += v / static_cast<double>(test_y.size());
  for (size_t i = 0; i < pred.size(); ++i) se += std::pow(pred[i] - test_y[i], 2), var += std::pow(test_y[i] - mean, 2);
  EXPECT_GT(1 - se / var, 0.9) << "R² on held-out rows";
  const auto path = temp_path("regressor.json");
  model.save(path);
  EXPECT_EQ(BoostedTrees::load(path).objective(), fulcrum::learn::Objective::kSquaredError);
  std::filesystem::remove(path);
}
