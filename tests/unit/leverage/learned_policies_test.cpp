// The learned policies: each sizes by the model when the model is usable, and otherwise decides as
// rule_engine does and says why, in every decision.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "fulcrum/learn/boosted_trees.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/leverage/trade_features.h"

using namespace fulcrum;

namespace {
constexpr core::TimestampMs kTrainedTo = 1'740'000'000'000;

signals::Signal signal_with_rsi(double rsi, core::TimestampMs t = kTrainedTo + core::kMsPerDay) {
  signals::Signal s;
  s.symbol = "BTCUSDT";
  s.reference_price = 100, s.stop_price = 97, s.score = 70, s.confidence = 0.7;
  auto& f = s.features;
  f.time_ms = t, f.close = 100, f.atr_pct = 1.2, f.rsi = rsi, f.adx = 30, f.plus_di = 30, f.minus_di = 10, f.volume_ratio = 3;
  f.upper_wick_to_close = 0.05, f.ewma_vol = 0.004, f.change_24h = 0.05, f.ema_fast = 101, f.ema_slow = 100, f.vpin = 0.2;
  return s;
}

// A model that learned "pays when RSI > 70" on rows shaped like the policy's inputs.
std::string train_rsi_model(const std::vector<std::string>& names, core::TimestampMs trained_to) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> rsi(50, 90);
  std::vector<std::vector<float>> rows;
  std::vector<float> labels;
  for (int i = 0; i < 600; ++i) {
    const double r = rsi(rng);
    auto row = leverage::trade_features(signal_with_rsi(r));
    row.resize(names.size(), 0.0f);
    rows.push_back(row);
    labels.push_back(r > 70 ? 1.0f : 0.0f);
  }
  learn::BoostingParams p;
  p.rounds = 50;
  const auto model = learn::BoostedTrees::train(rows, labels, names, p, {{"trained_to_ms", std::to_string(trained_to)}});
  const auto path = (std::filesystem::temp_directory_path() / ("fulcrum-tq-" + model.version() + ".json")).string();
  model.save(path);
  return path;
}

leverage::LeverageInputs inputs(const signals::Signal& s) {
  leverage::LeverageInputs in;
  in.signal = &s;
  in.equity = 10'000, in.available_balance = 10'000, in.initial_equity = 10'000;
  return in;
}
}  // namespace

TEST(TradeQuality, WithoutAModelItDecidesAsRuleEngineAndSaysWhy) {
  leverage::PolicySuiteConfig suite;
  const auto tq = leverage::make_policy("trade_quality", suite);
  const auto rule = leverage::make_policy("rule_engine", suite);
  const auto s = signal_with_rsi(75);
  const auto a = tq->decide(inputs(s));
  const auto b = rule->decide(inputs(s));
  EXPECT_EQ(a.leverage_x, b.leverage_x);
  EXPECT_EQ(a.notional, b.notional);
  EXPECT_EQ(a.trade, b.trade);
  EXPECT_EQ(a.reasons.at("policy"), "trade_quality");
  EXPECT_NE(a.reasons.at("fallback").find("no model"), std::string::npos);
  EXPECT_NE(tq->model_problem().find("no model"), std::string::npos) << "a service warns at start with this";
  EXPECT_EQ(rule->model_problem(), "");

  suite.trade_quality.model_path = "/nonexistent/tq.json";
  const auto missing = leverage::make_policy("trade_quality", suite)->decide(inputs(s));
  EXPECT_NE(missing.reasons.at("fallback").find("/nonexistent/tq.json"), std::string::npos) << missing.reasons.at("fallback");
}

TEST(TradeQuality, SkipsBelowTheThresholdAndSizesByTheEdgeAbove) {
  leverage::PolicySuiteConfig suite;
  suite.trade_quality.model_path = train_rsi_model(leverage::trade_feature_names(), kTrainedTo);
  const auto tq = leverage::make_policy("trade_quality", suite);
  EXPECT_EQ(tq->model_problem(), "");
  const auto high = signal_with_rsi(85);
  const auto d = tq->decide(inputs(high));
  ASSERT_EQ(d.reasons.count("fallback"), 0u) << d.reasons.at("fallback");
  const double p = std::stod(d.reasons.at("p_win"));
  EXPECT_GT(p, 0.8);
  EXPECT_TRUE(d.trade);
  EXPECT_EQ(d.leverage_x, 2);
  const double fraction = std::min(0.20, 0.10 * p / 0.5);
  EXPECT_NEAR(d.notional, 10'000 * fraction * 2, 10'000 * 2 * 1e-5) << "margin scaled by the edge, capped";
  EXPECT_EQ(d.reasons.at("model_version").size(), 12u);
  EXPECT_NE(d.reasons.at("model_inputs").find("rsi=85"), std::string::npos) << d.reasons.at("model_inputs");

  const auto low = tq->decide(inputs(signal_with_rsi(55)));
  EXPECT_FALSE(low.trade);
  EXPECT_LT(std::stod(low.reasons.at("p_win")), 0.2);
  EXPECT_NE(low.reasons.at("skip").find("below min_probability"), std::string::npos);
  std::filesystem::remove(suite.trade_quality.model_path);
}

TEST(TradeQuality, AStaleModelAModelOfOtherFeaturesAndANonFiniteInputFallBack) {
  leverage::PolicySuiteConfig suite;
  suite.trade_quality.model_path = train_rsi_model(leverage::trade_feature_names(), kTrainedTo);
  const auto tq = leverage::make_policy("trade_quality", suite);
  const auto stale = tq->decide(inputs(signal_with_rsi(85, kTrainedTo + 121 * core::kMsPerDay)));
  EXPECT_NE(stale.reasons.at("fallback").find("stale"), std::string::npos);
  auto broken = signal_with_rsi(85);
  broken.features.atr_pct = std::nan("");
  EXPECT_NE(tq->decide(inputs(broken)).reasons.at("fallback").find("atr_pct"), std::string::npos);
  std::filesystem::remove(suite.trade_quality.model_path);

  auto other = leverage::trade_feature_names();
  other.back() = "something_else";
  suite.trade_quality.model_path = train_rsi_model(other, kTrainedTo);
  const auto d = leverage::make_policy("trade_quality", suite)->decide(inputs(signal_with_rsi(85)));
  EXPECT_NE(d.reasons.at("fallback").find("other features"), std::string::npos);
  std::filesystem::remove(suite.trade_quality.model_path);
}

namespace {
// A regressor that learned σ = ewma_vol · 10 on rows shaped like the policy's inputs.
std::string train_sigma_model(core::TimestampMs trained_to) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> vol(0.002, 0.012);
  std::vector<std::vector<float>> rows;
  std::vector<float> sigma;
  for (int i = 0; i < 800; ++i) {
    auto s = signal_with_rsi(75);
    s.features.ewma_vol = vol(rng);
    rows.push_back(leverage::trade_features(s));
    sigma.push_back(static_cast<float>(s.features.ewma_vol * 10));
  }
  learn::BoostingParams p;
  p.objective = learn::Objective::kSquaredError;
  p.rounds = 200;
  p.learning_rate = 0.1;
  p.column_subsample = 1;
  const auto model = learn::BoostedTrees::train(rows, sigma, leverage::trade_feature_names(), p, {{"trained_to_ms", std::to_string(trained_to)}});
  const auto path = (std::filesystem::temp_directory_path() / ("fulcrum-vf-" + model.version() + ".json")).string();
  model.save(path);
  return path;
}
}  // namespace

TEST(VolForecast, SizesSoThatAForecastOneSigmaMoveCostsTheRiskFraction) {
  leverage::PolicySuiteConfig suite;
  const auto sigma_model = train_sigma_model(kTrainedTo);
  suite.vol_forecast.model_path = sigma_model;
  const auto vf = leverage::make_policy("vol_forecast", suite);
  for (const double ewma : {0.004, 0.008}) {
    auto s = signal_with_rsi(75);
    s.features.ewma_vol = ewma;
    const auto d = vf->decide(inputs(s));
    ASSERT_EQ(d.reasons.count("fallback"), 0u) << d.reasons.at("fallback");
    const double sigma = std::stod(d.reasons.at("forecast_sigma"));
    EXPECT_NEAR(sigma, ewma * 10, ewma * 10 * 0.1) << "the regressor learned σ = 10 · ewma";
    // notional = equity · risk / σ, posted as margin at 5x unless the margin cap binds.
    const double expected = std::min(10'000 * 0.01 / sigma, 10'000 * 0.25 * 5);
    EXPECT_NEAR(d.notional, expected, expected * 1e-4);
    EXPECT_EQ(d.leverage_x, 5);
  }
  // A classifier is not a volatility model: it is refused by name.
  suite.vol_forecast.model_path = train_rsi_model(leverage::trade_feature_names(), kTrainedTo);
  const auto wrong = leverage::make_policy("vol_forecast", suite)->decide(inputs(signal_with_rsi(75)));
  EXPECT_NE(wrong.reasons.at("fallback").find("reg:squarederror is needed"), std::string::npos) << wrong.reasons.at("fallback");
  std::filesystem::remove(suite.vol_forecast.model_path);
  std::filesystem::remove(sigma_model);
}
