#pragma once
// The policies compared by `fulcrum backtest`. Each has its own config with seed defaults.
#include <string>

#include "fulcrum/leverage/policy.h"
#include "fulcrum/risk/caps.h"

namespace fulcrum::leverage {

// The seed baseline: fixed leverage, a fixed share of equity as margin.
struct FixedConfig {
  int leverage_x = 20;
  double margin_fraction = 0.10;
};

// leverage = base · (σ_ref / σ)^(1 or ½), capped; margin a fixed share of equity.
struct RiskParityConfig {
  int base_leverage_x = 20;
  int max_leverage_x = 30;
  double margin_fraction = 0.10;
  bool square_root = false;
};

// margin = base_margin · (target ATR% / ATR%), halved when the market-wide ATR ratio spikes.
struct VolTargetConfig {
  int leverage_x = 20;
  double base_margin_fraction = 0.10;
  double target_atr_pct = 0.5;
  double max_margin_fraction = 0.25;
  double market_spike_atr_ratio = 1.5;
  double market_spike_multiplier = 0.5;
};

struct TrendConfirmationConfig {
  int leverage_x = 20;
  double margin_fraction = 0.10;    // of the full planned position
  double initial_fraction = 0.4;    // first tranche 30–50 %
  int max_adds = 2;
  double add_trigger_move = 0.02;
  double add_min_volume_ratio = 1.5;
};

struct ConfidenceConfig {
  bool linear = false;  // tiers by default
  int high_tier_x = 30, mid_tier_x = 20, low_tier_x = 10;
  double high_tier_min_score = 80, mid_tier_min_score = 50;
  int linear_min_x = 10, linear_max_x = 30;
  double skip_below_score = 0;
  double margin_fraction = 0.10;
  int crowding_positions = 3;       // this many high-confidence positions open …
  double crowding_size_multiplier = 0.5;  // … cuts size by this factor
};

// Seed 002 plan A, a product of factors truncated to an integer and clamped.
struct RuleEngineConfig {
  double base_x = 5;
  double confidence_high = 0.8, confidence_high_multiplier = 1.5;
  double confidence_mid = 0.6, confidence_mid_multiplier = 1.2;
  double confidence_low_multiplier = 0.8;
  double safe_multiplier = 1.2, warning_multiplier = 0.7, critical_multiplier = 0.4;
  double vpin_threshold = 0.3;
  double high_vol_atr_pct = 2.0;
  double high_vol_multiplier = 0.8;
  int min_x = 1, max_x = 20;
  double margin_fraction = 0.10;
};

struct KellyConfig {
  double fraction_of_kelly = 0.5;  // 1 full, 0.5 half, 0.25 quarter
  int leverage_x = 20;
  size_t min_trades = 20;          // before that, the prior below stands in
  double prior_win_rate = 0.5;
  double prior_payoff = 1.5;
  double max_margin_fraction = 0.25;
  // A policy that sizes from its own recent trades and finds no edge would never trade
  // again, so its statistics could never change. After this many signals without an
  // entry it takes one small probe trade, risking probe_risk_fraction of equity.
  size_t probe_after_signals = 50;
  double probe_risk_fraction = 0.005;
};

struct FixedRatioConfig {
  bool linear_form = false;        // Jones' rule by default
  double delta_fraction = 0.20;    // delta as a share of initial equity
  double unit_margin_fraction = 0.03;  // one unit's margin, as a share of initial equity
  int leverage_x = 20;
  int max_units = 10;
};

struct RiskPercentConfig {
  double risk_fraction = 0.02;
  int leverage_x = 20;
};

// Learned: P(the trade pays after fees) from an XGBoost model trained by `fulcrum research
// walk-forward`; skips below min_probability, else posts a margin scaled by the edge,
// base · p / min_probability, capped. Falls back to rule_engine (and says why in every decision)
// when the model is missing, unreadable, trained on other features, older than
// max_model_age_days at the signal, or answers outside [0, 1].
struct TradeQualityConfig {
  std::string model_path;               // empty: no model, every decision is rule_engine's
  double min_probability = 0.5;
  int leverage_x = 2;
  double base_margin_fraction = 0.10;   // at p = min_probability
  double max_margin_fraction = 0.20;
  int max_model_age_days = 120;         // 0: no limit
};

// Learned: the trade's 1σ price move over the next horizon (the research's vol_horizon_hours),
// from an XGBoost regressor; sizes by risk: notional = equity · risk_fraction / σ, at
// leverage_x, margin capped. Its exits are the strategy's; run it with
// `strategy.trailing_arm: price` so that they are fixed in price terms. Falls back to
// rule_engine as trade_quality does, and when σ is not positive.
struct VolForecastConfig {
  std::string model_path;
  double risk_fraction = 0.01;        // equity risked per predicted 1σ move
  int leverage_x = 5;
  double max_margin_fraction = 0.25;
  int max_model_age_days = 120;
};

std::unique_ptr<LeveragePolicy> make_fixed(const FixedConfig& c, std::string name = "fixed");
std::unique_ptr<LeveragePolicy> make_risk_parity(const RiskParityConfig& c);
std::unique_ptr<LeveragePolicy> make_vol_target(const VolTargetConfig& c);
std::unique_ptr<LeveragePolicy> make_trend_confirmation(const TrendConfirmationConfig& c);
std::unique_ptr<LeveragePolicy> make_confidence(const ConfidenceConfig& c);
std::unique_ptr<LeveragePolicy> make_rule_engine(const RuleEngineConfig& c);
std::unique_ptr<LeveragePolicy> make_kelly(const KellyConfig& c);
std::unique_ptr<LeveragePolicy> make_fixed_ratio(const FixedRatioConfig& c);
std::unique_ptr<LeveragePolicy> make_risk_percent(const RiskPercentConfig& c);
std::unique_ptr<LeveragePolicy> make_trade_quality(const TradeQualityConfig& c, const RuleEngineConfig& fallback);
std::unique_ptr<LeveragePolicy> make_vol_forecast(const VolForecastConfig& c, const RuleEngineConfig& fallback);

// Every policy's config in one place, as it appears under `leverage:` in YAML.
struct PolicySuiteConfig {
  FixedConfig fixed;
  RiskParityConfig risk_parity;
  VolTargetConfig vol_target;
  TrendConfirmationConfig trend_confirmation;
  ConfidenceConfig confidence;
  RuleEngineConfig rule_engine;
  KellyConfig kelly;
  FixedRatioConfig fixed_ratio;
  RiskPercentConfig risk_percent;
  TradeQualityConfig trade_quality;
  VolForecastConfig vol_forecast;
  risk::GlobalCapsConfig caps;  // applied to every policy's leverage
};

// Builds a policy by name (see policy_names()); throws std::invalid_argument on an unknown name.
std::unique_ptr<LeveragePolicy> make_policy(const std::string& name, const PolicySuiteConfig& cfg);

// Caps a policy's decision: global caps (seed 001) and the bracket's max leverage.
LeverageDecision apply_caps(LeverageDecision d, const risk::MarketRiskContext& ctx, const risk::GlobalCapsConfig& caps);

}  // namespace fulcrum::leverage
