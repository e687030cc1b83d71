#include "fulcrum/config/app_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fulcrum/core/time_format.h"
#include "fulcrum/leverage/policies.h"
#include "yaml_section.h"

namespace fulcrum::config {
namespace fs = std::filesystem;
using detail::Section;

namespace {

template <class F>
void read_fixed(Section& s, const std::string& key, F& target, double min, double max) {
  double v = target.to_double();
  const double before = v;
  s.read<double>(key, v, min, max);
  if (v != before) target = F::from_double(v);
}

void read_instrument(Section& s, model::InstrumentSpec& spec) {
  // Decimal filters are read as text so 0.1 means exactly one tenth.
  auto decimal = [&](const char* key, auto& target) {
    if (!s.has(key)) return;
    const auto node = s.raw(key);
    const std::string text = node.IsScalar() ? node.Scalar() : "";
    using T = std::decay_t<decltype(target)>;
    auto parsed = T::parse(text);
    if (!parsed || parsed->raw < 0) return s.problem(key, "must be a non-negative decimal, got '" + text + "'");
    target = *parsed;
  };
  decimal("tick_size", spec.tick_size);
  decimal("step_size", spec.step_size);
  decimal("min_notional", spec.min_notional);
  decimal("max_qty", spec.max_qty);
  decimal("max_market_qty", spec.max_market_qty);
  if (spec.max_qty.raw <= 0) s.problem("max_qty", "must be positive");
  if (spec.max_market_qty.raw <= 0) s.problem("max_market_qty", "must be positive");
  if (spec.tick_size.raw <= 0) s.problem("tick_size", "must be positive");
  if (spec.step_size.raw <= 0) s.problem("step_size", "must be positive");
  if (s.has("brackets")) {
    const auto list = s.raw("brackets");
    if (list.IsScalar() && list.Scalar() == "binance_btcusdt") {
      spec.brackets = model::default_binance_brackets();
      return;
    }
    if (list.IsScalar() && list.Scalar() == "binance") {
      spec.brackets.clear();  // the symbol's own table from Binance's response
      return;
    }
    if (!list.IsSequence() || list.size() == 0) return s.problem("brackets", "must be 'binance', 'binance_btcusdt' or a non-empty list");
    std::vector<model::MarginBracket> brackets;
    std::vector<std::optional<double>> given_cums;
    double floor = 0;
    bool readable = true;
    for (size_t i = 0; i < list.size(); ++i) {
      std::vector<core::ConfigIssue> sink;
      Section b(list[i], s.field("brackets") + "[" + std::to_string(i) + "]", sink);
      double cap = 0, mmr = 0, cum = -1;
      int lev = 0;
      // 1e10 USDT keeps every notional the venue forms inside 64-bit fixed point.
      b.read<double>("notional_cap", cap, floor, 1e10);
      b.read<int>("max_leverage_x", lev, 1, 125);
      b.read<double>("maintenance_rate", mmr, 0.0, 1.0);
      b.read<double>("cum", cum, 0.0, 1e10);
      if (cap <= floor) b.problem("notional_cap", "must be above the previous bracket's cap");
      if (lev == 0) b.problem("max_leverage_x", "is required");
      b.finish();
      readable = readable && sink.empty();
      for (auto& issue : sink) s.problem("brackets", issue.field_path + ": " + issue.message);
      brackets.push_back({core::Money::from_double(floor), core::Money::from_double(cap), lev, core::Rate::from_double(mmr), {}});
      given_cums.push_back(cum >= 0 ? std::optional<double>(cum) : std::nullopt);
      floor = cap;
    }
    model::derive_maintenance_amounts(brackets);
    // A cum written in the file is checked against the derived one, not trusted.
    for (size_t i = 0; i < brackets.size(); ++i)
      if (given_cums[i]) brackets[i].maintenance_amount = core::Money::from_double(*given_cums[i]);
    if (readable)
      for (const auto& problem : model::bracket_table_problems(brackets)) s.problem("brackets", problem);
    spec.brackets = std::move(brackets);
  }
}

void read_strategy(Section& s, strategy::PlannerConfig& c) {
  int64_t minutes = c.signal_interval_ms / core::kMsPerMinute;
  s.read<int64_t>("signal_interval_minutes", minutes, 1, 1440);
  c.signal_interval_ms = minutes * core::kMsPerMinute;
  s.read<int>("max_open_positions", c.max_open_positions, 1, 1000);
  s.read<bool>("use_trailing_stop", c.use_trailing_stop);
  std::string arm = c.trailing_arm == strategy::PlannerConfig::TrailingArm::kRoe ? "roe" : "price";
  s.read<std::string>("trailing_arm", arm);
  if (arm == "roe") c.trailing_arm = strategy::PlannerConfig::TrailingArm::kRoe;
  else if (arm == "price") c.trailing_arm = strategy::PlannerConfig::TrailingArm::kPrice;
  else s.problem("trailing_arm", "must be 'roe' (the seed's +ROE rule) or 'price' (a fixed price move), got '" + arm + "'");
  s.read<double>("trailing_arm_roe", c.trailing_arm_roe, 0.0, 100.0);
  s.read<double>("trailing_arm_price_move", c.trailing_arm_price_move, 0.0001, 1.0);
  s.read<double>("trailing_callback", c.trailing_callback, 0.001, 0.10);  // Binance allows 0.1 %–10 %
  s.read<double>("high_confidence_score", c.high_confidence_score, 0.0, 100.0);
  s.read<double>("warning_drawdown", c.warning_drawdown, 0.0, 1.0);
  s.read<double>("critical_drawdown", c.critical_drawdown, 0.0, 1.0);
  s.read<size_t>("stats_window_trades", c.stats_window_trades, size_t{1}, size_t{100000});
}

void read_signal(Section& s, signals::BreakoutConfig& c) {
  s.read<double>("rsi_min", c.rsi_min, 0.0, 100.0);
  s.read<double>("rsi_max", c.rsi_max, 0.0, 100.0);
  s.read<double>("adx_min", c.adx_min, 0.0, 100.0);
  s.read<double>("adx_max", c.adx_max, 0.0, 100.0);
  s.read<double>("volume_ratio_min", c.volume_ratio_min, 0.0, 1e6);
  s.read<double>("volume_ratio_max", c.volume_ratio_max, 0.0, 1e6);
  s.read<double>("max_upper_wick_to_close", c.max_upper_wick_to_close, 0.0, 10.0);
  s.read<bool>("require_green_bar", c.require_green_bar);
  s.read<double>("score_base", c.score_base, 0.0, 100.0);
  s.read<double>("volume_bonus_pivot", c.volume_bonus_pivot, 0.0, 1e6);
  s.read<double>("volume_bonus_per_unit", c.volume_bonus_per_unit, 0.0, 1e6);
  s.read<double>("volume_bonus_max", c.volume_bonus_max, 0.0, 100.0);
  s.read<double>("shape_bonus_pivot", c.shape_bonus_pivot, 0.0, 1e6);
  s.read<double>("shape_bonus_per_unit", c.shape_bonus_per_unit, 0.0, 1e6);
  s.read<double>("stop_atr_multiple", c.stop_atr_multiple, 0.0, 100.0);
  s.read<double>("stop_cap_fraction", c.stop_cap_fraction, 0.0001, 0.5);
  s.read<bool>("allow_short", c.allow_short);
  s.read<size_t>("universe_top_n", c.universe_top_n, size_t{1}, size_t{10000});
  s.read<double>("universe_min_change", c.universe_min_change, -1.0, 100.0);
  s.read<double>("universe_max_change", c.universe_max_change, -1.0, 100.0);
  if (c.rsi_min > c.rsi_max) s.problem("rsi_min", "must not exceed rsi_max");
  if (c.adx_min > c.adx_max) s.problem("adx_min", "must not exceed adx_max");
  if (c.volume_ratio_min > c.volume_ratio_max) s.problem("volume_ratio_min", "must not exceed volume_ratio_max");
  if (c.universe_min_change > c.universe_max_change) s.problem("universe_min_change", "must not exceed universe_max_change");
}

void read_features(Section& s, features::FeatureConfig& c) {
  const size_t one = 1, big = 1'000'000;
  s.read<size_t>("rsi_period", c.rsi_period, one, big);
  s.read<size_t>("adx_period", c.adx_period, one, big);
  s.read<size_t>("atr_period", c.atr_period, one, big);
  s.read<size_t>("ema_fast_period", c.ema_fast_period, one, big);
  s.read<size_t>("ema_slow_period", c.ema_slow_period, one, big);
  s.read<size_t>("volume_ratio_period", c.volume_ratio_period, one, big);
  s.read<double>("ewma_lambda", c.ewma_lambda, 0.5, 0.9999);
  s.read<size_t>("atr_mean_window_bars", c.atr_mean_window_bars, one, big);
  s.read<size_t>("atr_mean_min_bars", c.atr_mean_min_bars, one, big);
  s.read<double>("vpin_bucket_volume", c.vpin_bucket_volume, 0.0, 1e15);
  s.read<size_t>("vpin_buckets", c.vpin_buckets, one, big);
  s.read<size_t>("vpin_warmup_bars", c.vpin_warmup_bars, one, big);
  s.read<size_t>("change_window_bars", c.change_window_bars, one, big);
}

void read_venue(Section& s, venue::VenueConfig& c) {
  read_fixed(s, "maker_fee", c.maker_fee, -0.001, 0.01);
  read_fixed(s, "taker_fee", c.taker_fee, 0.0, 0.01);
  read_fixed(s, "liquidation_fee", c.liquidation_fee, 0.0, 0.05);
  read_fixed(s, "slippage", c.slippage, 0.0, 0.05);
  std::string mode = c.margin_mode == model::MarginMode::kIsolated ? "isolated" : "cross";
  s.read<std::string>("margin_mode", mode);
  if (mode == "isolated") c.margin_mode = model::MarginMode::kIsolated;
  else if (mode == "cross") c.margin_mode = model::MarginMode::kCross;
  else s.problem("margin_mode", "must be 'isolated' or 'cross', got '" + mode + "'");
}

void read_leverage(Section& s, leverage::PolicySuiteConfig& c) {
  {
    auto p = s.child("caps");
    p.read<int>("max_leverage_x", c.caps.max_leverage_x, 1, 125);
    p.read<double>("atr_ratio_threshold", c.caps.atr_ratio_threshold, 0.0, 100.0);
    p.read<int>("atr_ratio_cap_x", c.caps.atr_ratio_cap_x, 1, 125);
    p.read<double>("greed_index_threshold", c.caps.greed_index_threshold, 0.0, 100.0);
    p.read<int>("greed_index_cap_x", c.caps.greed_index_cap_x, 1, 125);
    p.read<double>("volatility_index_threshold", c.caps.volatility_index_threshold, 0.0, 1000.0);
    p.read<int>("volatility_index_cap_x", c.caps.volatility_index_cap_x, 1, 125);
    p.read<int>("falling_reserves_cap_x", c.caps.falling_reserves_cap_x, 1, 125);
  }
  {
    auto p = s.child("fixed");
    p.read<int>("leverage_x", c.fixed.leverage_x, 1, 125);
    p.read<double>("margin_fraction", c.fixed.margin_fraction, 0.0, 1.0);
  }
  {
    auto p = s.child("risk_parity");
    p.read<int>("base_leverage_x", c.risk_parity.base_leverage_x, 1, 125);
    p.read<int>("max_leverage_x", c.risk_parity.max_leverage_x, 1, 125);
    p.read<double>("margin_fraction", c.risk_parity.margin_fraction, 0.0, 1.0);
    p.read<bool>("square_root", c.risk_parity.square_root);
  }
  {
    auto p = s.child("vol_target");
    p.read<int>("leverage_x", c.vol_target.leverage_x, 1, 125);
    p.read<double>("base_margin_fraction", c.vol_target.base_margin_fraction, 0.0, 1.0);
    p.read<double>("target_atr_pct", c.vol_target.target_atr_pct, 0.0001, 100.0);
    p.read<double>("max_margin_fraction", c.vol_target.max_margin_fraction, 0.0, 1.0);
    p.read<double>("market_spike_atr_ratio", c.vol_target.market_spike_atr_ratio, 0.0, 100.0);
    p.read<double>("market_spike_multiplier", c.vol_target.market_spike_multiplier, 0.0, 1.0);
  }
  {
    auto p = s.child("trend_confirmation");
    p.read<int>("leverage_x", c.trend_confirmation.leverage_x, 1, 125);
    p.read<double>("margin_fraction", c.trend_confirmation.margin_fraction, 0.0, 1.0);
    p.read<double>("initial_fraction", c.trend_confirmation.initial_fraction, 0.01, 1.0);
    p.read<int>("max_adds", c.trend_confirmation.max_adds, 0, 10);
    p.read<double>("add_trigger_move", c.trend_confirmation.add_trigger_move, 0.0, 1.0);
    p.read<double>("add_min_volume_ratio", c.trend_confirmation.add_min_volume_ratio, 0.0, 1e6);
  }
  {
    auto p = s.child("confidence");
    p.read<bool>("linear", c.confidence.linear);
    p.read<int>("high_tier_x", c.confidence.high_tier_x, 1, 125);
    p.read<int>("mid_tier_x", c.confidence.mid_tier_x, 1, 125);
    p.read<int>("low_tier_x", c.confidence.low_tier_x, 1, 125);
    p.read<double>("high_tier_min_score", c.confidence.high_tier_min_score, 0.0, 100.0);
    p.read<double>("mid_tier_min_score", c.confidence.mid_tier_min_score, 0.0, 100.0);
    p.read<int>("linear_min_x", c.confidence.linear_min_x, 1, 125);
    p.read<int>("linear_max_x", c.confidence.linear_max_x, 1, 125);
    p.read<double>("skip_below_score", c.confidence.skip_below_score, 0.0, 100.0);
    p.read<double>("margin_fraction", c.confidence.margin_fraction, 0.0, 1.0);
    p.read<int>("crowding_positions", c.confidence.crowding_positions, 1, 1000);
    p.read<double>("crowding_size_multiplier", c.confidence.crowding_size_multiplier, 0.0, 1.0);
  }
  {
    auto p = s.child("rule_engine");
    auto& r = c.rule_engine;
    p.read<double>("base_x", r.base_x, 0.0, 125.0);
    p.read<double>("confidence_high", r.confidence_high, 0.0, 1.0);
    p.read<double>("confidence_high_multiplier", r.confidence_high_multiplier, 0.0, 10.0);
    p.read<double>("confidence_mid", r.confidence_mid, 0.0, 1.0);
    p.read<double>("confidence_mid_multiplier", r.confidence_mid_multiplier, 0.0, 10.0);
    p.read<double>("confidence_low_multiplier", r.confidence_low_multiplier, 0.0, 10.0);
    p.read<double>("safe_multiplier", r.safe_multiplier, 0.0, 10.0);
    p.read<double>("warning_multiplier", r.warning_multiplier, 0.0, 10.0);
    p.read<double>("critical_multiplier", r.critical_multiplier, 0.0, 10.0);
    p.read<double>("vpin_threshold", r.vpin_threshold, 0.0, 1.0);
    p.read<double>("high_vol_atr_pct", r.high_vol_atr_pct, 0.0, 100.0);
    p.read<double>("high_vol_multiplier", r.high_vol_multiplier, 0.0, 10.0);
    p.read<int>("min_x", r.min_x, 1, 125);
    p.read<int>("max_x", r.max_x, 1, 125);
    p.read<double>("margin_fraction", r.margin_fraction, 0.0, 1.0);
  }
  {
    auto p = s.child("kelly");
    p.read<double>("fraction_of_kelly", c.kelly.fraction_of_kelly, 0.0, 1.0);
    p.read<int>("leverage_x", c.kelly.leverage_x, 1, 125);
    p.read<size_t>("min_trades", c.kelly.min_trades, size_t{0}, size_t{100000});
    p.read<double>("prior_win_rate", c.kelly.prior_win_rate, 0.0, 1.0);
    p.read<double>("prior_payoff", c.kelly.prior_payoff, 0.01, 100.0);
    p.read<double>("max_margin_fraction", c.kelly.max_margin_fraction, 0.0, 1.0);
    p.read<size_t>("probe_after_signals", c.kelly.probe_after_signals, size_t{0}, size_t{1'000'000});
    p.read<double>("probe_risk_fraction", c.kelly.probe_risk_fraction, 0.0, 0.05);
  }
  {
    auto p = s.child("fixed_ratio");
    p.read<bool>("linear_form", c.fixed_ratio.linear_form);
    p.read<double>("delta_fraction", c.fixed_ratio.delta_fraction, 0.0001, 100.0);
    p.read<double>("unit_margin_fraction", c.fixed_ratio.unit_margin_fraction, 0.0, 1.0);
    p.read<int>("leverage_x", c.fixed_ratio.leverage_x, 1, 125);
    p.read<int>("max_units", c.fixed_ratio.max_units, 1, 1000);
  }
  {
    auto p = s.child("risk_percent");
    p.read<double>("risk_fraction", c.risk_percent.risk_fraction, 0.0, 1.0);
    p.read<int>("leverage_x", c.risk_percent.leverage_x, 1, 125);
  }
  {
    auto p = s.child("trade_quality");
    auto& t = c.trade_quality;
    p.read<std::string>("model_path", t.model_path);
    p.read<double>("min_probability", t.min_probability, 0.01, 0.99);
    p.read<int>("leverage_x", t.leverage_x, 1, 125);
    p.read<double>("base_margin_fraction", t.base_margin_fraction, 0.0, 1.0);
    p.read<double>("max_margin_fraction", t.max_margin_fraction, 0.0, 1.0);
    p.read<int>("max_model_age_days", t.max_model_age_days, 0, 3650);
  }
  {
    auto p = s.child("vol_forecast");
    auto& v = c.vol_forecast;
    p.read<std::string>("model_path", v.model_path);
    p.read<double>("risk_fraction", v.risk_fraction, 0.0001, 0.2);
    p.read<int>("leverage_x", v.leverage_x, 1, 125);
    p.read<double>("max_margin_fraction", v.max_margin_fraction, 0.0, 1.0);
    p.read<int>("max_model_age_days", v.max_model_age_days, 0, 3650);
  }
}

bool plain_variant_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// ab: the variants of an A/B run. Each variant's leverage: keys go over the top-level
// leverage: section, which must be read first.
void read_ab(Section& s, strategy::AbConfig& ab, const leverage::PolicySuiteConfig& suite, bool policies_listed) {
  std::string mode = ab.mode == strategy::AbMode::kSplit ? "split" : "shadow";
  s.read<std::string>("mode", mode);
  if (mode == "split") ab.mode = strategy::AbMode::kSplit;
  else if (mode == "shadow") ab.mode = strategy::AbMode::kShadow;
  else s.problem("mode", "must be 'shadow' (every variant trades its own account) or 'split' (one shared account), got '" + mode + "'");
  s.read<std::string>("baseline", ab.baseline);
  s.read<std::string>("split_account", ab.split_account);
  if (!plain_variant_id(ab.split_account)) s.problem("split_account", "must be 1–32 letters, digits or '_', got '" + ab.split_account + "'");
  s.read<int>("deadline_ms", ab.deadline_ms, 0, 3'600'000);
  std::string taint = ab.on_taint == strategy::TaintAction::kFallback ? "fallback" : "skip";
  s.read<std::string>("on_taint", taint);
  if (taint == "skip") ab.on_taint = strategy::TaintAction::kSkip;
  else if (taint == "fallback") ab.on_taint = strategy::TaintAction::kFallback;
  else s.problem("on_taint", "must be 'skip' or 'fallback', got '" + taint + "'");
  s.read<std::string>("fallback", ab.fallback);
  if (s.has("variants")) {
    const auto list = s.raw("variants");
    if (!list.IsSequence() || list.size() == 0) return s.problem("variants", "must be a non-empty list of variants");
    if (policies_listed) s.problem("variants", "backtest.policies is set too: a run trades either the listed policies or these variants");
    double budget = 0, weight = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      Section v(list[i], s.field("variants") + "[" + std::to_string(i) + "]", s.issues());
      strategy::VariantSpec spec;
      spec.policies = suite;
      v.read<std::string>("id", spec.id);
      v.read<std::string>("version", spec.version);
      v.read<std::string>("policy", spec.policy);
      v.read<double>("weight", spec.weight, 0.0, 1e6);
      v.read<double>("margin_budget", spec.margin_budget, 0.0, 1.0);
      if (!plain_variant_id(spec.id)) v.problem("id", "must be 1–32 letters, digits or '_' (it prefixes the variant's client order ids), got '" + spec.id + "'");
      for (const auto& other : ab.variants)
        if (other.id == spec.id) v.problem("id", "'" + spec.id + "' is already a variant");
      if (spec.version.size() > 64) v.problem("version", "must be at most 64 characters");
      if (!leverage::is_policy_name(spec.policy)) v.problem("policy", "must be one of the policies (fulcrum backtest --help lists them), got '" + spec.policy + "'");
      { auto l = v.child("leverage"); read_leverage(l, spec.policies); }
      {
        auto f = v.child("filters");
        f.read<double>("max_vpin", spec.filters.max_vpin, 0.0, 1.0);
        f.read<double>("min_volume_ratio", spec.filters.min_volume_ratio, 0.0, 1e6);
        f.read<double>("min_quote_volume", spec.filters.min_quote_volume, 0.0, 1e15);
      }
      budget += spec.margin_budget;
      weight += spec.weight;
      ab.variants.push_back(std::move(spec));
    }
    if (ab.mode == strategy::AbMode::kSplit && budget > 1 + 1e-9)
      s.problem("variants", "split mode: the margin budgets add up to " + std::to_string(budget) + "; they share one account, so at most 1");
    if (ab.mode == strategy::AbMode::kSplit && !(weight > 0)) s.problem("variants", "split mode: at least one variant needs a positive weight");
  } else if (ab.mode == strategy::AbMode::kSplit) {
    s.problem("variants", "split mode needs its variants listed");
  }
  const auto is_variant = [&](const std::string& id) {
    return std::any_of(ab.variants.begin(), ab.variants.end(), [&](const strategy::VariantSpec& v) { return v.id == id; });
  };
  if (!ab.baseline.empty() && !ab.variants.empty() && !is_variant(ab.baseline)) s.problem("baseline", "'" + ab.baseline + "' is not a variant");
  if (ab.on_taint == strategy::TaintAction::kFallback && !is_variant(ab.fallback))
    s.problem("fallback", "on_taint: fallback needs a variant named here, got '" + ab.fallback + "'");
}

// research: the walk-forward's folds, labels, model and statistics, fixed before a run.
void read_research(Section& s, research::ResearchConfig& r) {
  s.read<int>("train_days", r.train_days, 7, 3650);
  s.read<int>("test_days", r.test_days, 1, 3650);
  s.read<int>("min_embargo_hours", r.min_embargo_hours, 0, 24 * 365);
  if (s.has("candidate_leverages")) {
    const auto node = s.raw("candidate_leverages");
    std::vector<int> levs;
    bool ok = node.IsSequence() && node.size() > 0 && node.size() <= 32;
    for (size_t i = 0; ok && i < node.size(); ++i) {
      try {
        const int x = node[i].as<int>();
        ok = x >= 1 && x <= 125 && std::find(levs.begin(), levs.end(), x) == levs.end();
        levs.push_back(x);
      } catch (const YAML::Exception&) {
        ok = false;
      }
    }
    if (ok) r.candidate_leverages = levs;
    else s.problem("candidate_leverages", "must be a list of 1–32 distinct integers in 1..125");
  }
  s.read<double>("label_margin_fraction", r.label_margin_fraction, 0.001, 1.0);
  s.read<int>("vol_horizon_hours", r.vol_horizon_hours, 1, 24 * 30);
  {
    auto b = s.child("boosting");
    b.read<int>("rounds", r.boosting.rounds, 1, 10'000);
    b.read<int>("max_depth", r.boosting.max_depth, 1, 16);
    b.read<double>("learning_rate", r.boosting.learning_rate, 0.0001, 1.0);
    b.read<double>("subsample", r.boosting.subsample, 0.05, 1.0);
    b.read<double>("column_subsample", r.boosting.column_subsample, 0.05, 1.0);
    b.read<double>("min_child_weight", r.boosting.min_child_weight, 0.0, 1e6);
    b.read<double>("l2", r.boosting.l2, 0.0, 1e6);
    b.read<uint64_t>("seed", r.boosting.seed);
  }
  s.read<int>("null_draws", r.null_draws, 500, 1'000'000);
  s.read<int>("bootstrap_resamples", r.bootstrap_resamples, 100, 1'000'000);
  s.read<uint64_t>("seed", r.seed);
  s.read<double>("max_drawdown", r.max_drawdown, 0.0, 1.0);
  s.read<double>("min_trades_per_month", r.min_trades_per_month, 0.0, 1e6);
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

bool valid_log_level(const std::string& level) {
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  return std::find(std::begin(kLevels), std::end(kLevels), level) != std::end(kLevels);
}

void read_mesh(Section& m, MeshConfig& c) {
  std::string replay = "lockstep";
  m.read<std::string>("replay", replay);
  if (replay == "lockstep") c.replay = ReplayMode::kLockstep;
  else if (replay == "flat") c.replay = ReplayMode::kFlat;
  else if (replay == "realtime") c.replay = ReplayMode::kRealtime;
  else m.problem("replay", "must be lockstep, flat or realtime, got '" + replay + "'");
  m.read<double>("speed", c.speed, 0.001, 1e7);
  m.read<int>("resend_after_ms", c.resend_after_ms, 10, 600'000);
  m.read<int>("state_flush_ms", c.state_flush_ms, 10, 60'000);
  m.read<int>("status_interval_ms", c.status_interval_ms, 50, 60'000);
  m.read<int64_t>("max_message_bytes", c.max_message_bytes, int64_t{4096}, int64_t{1} << 30);
  m.read<int>("symbol_table_wait_ms", c.symbol_table_wait_ms, 0, 600'000);
  m.read<std::string>("log_level", c.log_level);
  if (!valid_log_level(c.log_level)) m.problem("log_level", "must be one of trace, debug, info, warn, error, critical, off; got '" + c.log_level + "'");
  m.read<std::map<std::string, std::string>>("log_levels", c.log_levels);
  static const char* kServices[] = {"market-data", "feature-engine", "signal-engine", "leverage", "risk-gatekeeper", "order-router"};
  for (const auto& [svc, level] : c.log_levels) {
    if (std::find(std::begin(kServices), std::end(kServices), svc) == std::end(kServices))
      m.problem("log_levels." + svc, "unknown service (market-data, feature-engine, signal-engine, leverage, risk-gatekeeper, order-router)");
    if (!valid_log_level(level)) m.problem("log_levels." + svc, "unknown level '" + level + "'");
  }
  m.read<bool>("curve", c.curve);
  auto ks = m.child("kill_switch");
  ks.read<int>("router_heartbeat_ms", c.kill_switch.router_heartbeat_ms, 0, 3'600'000);
  ks.read<int>("rejection_burst", c.kill_switch.rejection_burst, 0, 1'000'000);
  ks.read<int>("rejection_window_ms", c.kill_switch.rejection_window_ms, 1, 3'600'000);
  auto r = m.child("risk");
  r.read<int>("max_leverage_x", c.risk.max_leverage_x, 1, 125);
  read_fixed(r, "max_order_notional", c.risk.max_order_notional, 1.0, 1e10);
  r.read<int>("max_orders_per_instant", c.risk.max_orders_per_instant, 1, 100'000);
  auto& k = c.risk;
  r.read<double>("high_atr_ratio", k.high_atr_ratio, 0.0, 100.0);
  r.read<int>("high_atr_max_leverage_x", k.high_atr_max_leverage_x, 1, 125);
  r.read<double>("min_liquidation_buffer", k.min_liquidation_buffer, 0.0, 1.0);
  r.read<double>("max_loss_at_stop", k.max_loss_at_stop, 0.0, 1.0);
  r.read<double>("max_var", k.max_var, 0.0, 100.0);
  r.read<double>("var_confidence", k.var_confidence, 0.5, 0.999);
  r.read<int>("var_window_days", k.var_window_days, 2, 3650);
  r.read<int>("var_min_days", k.var_min_days, 1, 3650);
  if (k.var_min_days > k.var_window_days) r.problem("var_min_days", "must be ≤ var_window_days (" + std::to_string(k.var_window_days) + ")");
  r.read<double>("max_margin_fraction", k.max_margin_fraction, 0.0, 125.0);
  r.read<double>("margin_alert_ratio", k.margin_alert_ratio, 1.0, 100.0);
  r.read<int>("max_open_positions", k.max_open_positions, 0, 10'000);
  r.read<double>("max_funding_annualised", k.max_funding_annualised, 0.0, 1000.0);
  r.read<double>("min_book_depth_multiple", k.min_book_depth_multiple, 0.0, 1e6);
  r.read<int>("max_orders_per_second", k.max_orders_per_second, 1, 1'000'000);
  r.read<double>("max_drawdown", k.max_drawdown, 0.0, 1.0);
  r.read<int>("drawdown_cooloff_hours", k.drawdown_cooloff_hours, 0, 24 * 365);
  for (auto [key, field] : {std::pair{"stop_missing", &k.stop_missing}, std::pair{"var_missing", &k.var_missing}}) {
    std::string v = *field == risk::OnMissing::kSkip ? "skip" : "fail_closed";
    r.read<std::string>(key, v);
    if (v == "skip") *field = risk::OnMissing::kSkip;
    else if (v == "fail_closed") *field = risk::OnMissing::kFailClosed;
    else r.problem(key, "must be skip or fail_closed, got '" + v + "'");
  }
}

}  // namespace

model::InstrumentSpec AppConfig::spec_for(const std::string& symbol) const {
  auto it = instruments.find(symbol);
  model::InstrumentSpec spec = it != instruments.end() ? it->second : default_instrument;
  spec.symbol = symbol;
  spec.filters_from_config = it != instruments.end();
  if (spec.brackets.empty()) {
    // No table of its own: the exchange's, never a guess from another contract.
    const auto& tables = model::binance_usdm_brackets();
    const auto table = tables.find(symbol);
    if (table == tables.end())
      throw core::ConfigError(source, {{"venue.instruments." + symbol + ".brackets",
                                        symbol + " is not in Binance's bracket table of 2024-10-24 (libs/model/data): list its brackets"}});
    spec.brackets = table->second;
  }
  return spec;
}

std::vector<model::InstrumentSpec> AppConfig::mesh_specs(const std::vector<std::string>& symbols) const {
  std::vector<model::InstrumentSpec> specs;
  std::vector<core::ConfigIssue> missing;
  for (const auto& symbol : symbols) {
    specs.push_back(spec_for(symbol));
    if (!specs.back().filters_from_config)
      missing.push_back({"venue.instruments." + symbol, "tick_size and step_size are not listed; the backtest infers them from the data, "
                                                        "the mesh's services do not read the data and need them listed"});
  }
  if (!missing.empty()) throw core::ConfigError(source, missing);
  return specs;
}

AppConfig default_app_config() {
  AppConfig cfg;
  cfg.default_instrument.tick_size = core::Price::parse("0.00001").value();
  cfg.default_instrument.step_size = core::Qty::parse("0.001").value();
  cfg.default_instrument.min_notional = core::Money::from_int(5);
  return cfg;
}

AppConfig parse_app_config(const std::string& yaml_text, const std::string& source, const std::string& base_dir) {
  AppConfig cfg = default_app_config();
  cfg.source = source;
  cfg.source_text = yaml_text;
  std::vector<core::ConfigIssue> issues;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw core::ConfigError(source, {{"(file)", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg}});
  }
  try {
    Section top(root, "", issues);
    {
      auto d = top.child("data");
      d.read<std::string>("klines", cfg.data.klines);
      d.read<std::string>("mark_price", cfg.data.mark_price);
      d.read<std::string>("funding", cfg.data.funding);
      if (d.has("symbols")) {
        if (auto list = d.string_list("symbols")) cfg.data.symbols = *list;
        else d.problem("symbols", "must be a list of symbol names");
      }
      d.read<double>("max_price_jump_factor", cfg.data.plausibility.max_price_jump_factor, 1.5, 1e6);
      d.read<double>("max_abs_funding_rate", cfg.data.plausibility.max_abs_funding_rate, 0.0001, 1.0);
      std::string mode = "report";
      d.read<std::string>("validation", mode);
      if (mode == "strict") cfg.data.validation = marketdata::ValidationMode::kStrict;
      else if (mode != "report") d.problem("validation", "must be 'report' or 'strict', got '" + mode + "'");
    }
    {
      auto b = top.child("backtest");
      std::string from, to;
      b.read<std::string>("from", from);
      b.read<std::string>("to", to);
      if (!from.empty()) {
        if (auto t = core::parse_utc_ms(from)) cfg.backtest.from_ms = *t;
        else b.problem("from", "must be a UTC date like 2025-02-01, got '" + from + "'");
      }
      if (!to.empty()) {
        if (auto t = core::parse_utc_ms(to)) cfg.backtest.to_ms = *t;
        else b.problem("to", "must be a UTC date like 2025-05-01, got '" + to + "'");
      }
      if (cfg.backtest.from_ms && cfg.backtest.to_ms && cfg.backtest.to_ms <= cfg.backtest.from_ms) b.problem("to", "must be after 'from'");
      b.read<double>("initial_equity", cfg.backtest.initial_equity, 1.0, 1e12);
      if (b.has("policies")) {
        const auto node = b.raw("policies");
        std::vector<std::string> names;
        if (node.IsScalar() && node.Scalar() == "all") names = {};
        else if (auto list = b.string_list("policies")) names = *list;
        else b.problem("policies", "must be 'all' or a list of policy names");
        for (const auto& n : names)
          if (!leverage::is_policy_name(n)) b.problem("policies", "unknown policy '" + n + "'");
        cfg.backtest.policy_names = names;
      }
    }
    { auto s = top.child("strategy"); read_strategy(s, cfg.backtest.strategy); }
    { auto s = top.child("signal"); read_signal(s, cfg.backtest.signal); }
    { auto s = top.child("features"); read_features(s, cfg.backtest.features); }
    {
      auto v = top.child("venue");
      read_venue(v, cfg.backtest.venue);
      { auto di = v.child("default_instrument"); read_instrument(di, cfg.default_instrument); }
      if (v.has("instruments")) {
        const auto node = v.raw("instruments");
        if (!node.IsMap()) v.problem("instruments", "must be a mapping of symbol → filters");
        else
          for (const auto& kv : node) {
            if (!kv.first.IsScalar()) {
              v.problem("instruments", "keys must be symbol names, found a list or mapping used as a key");
              continue;
            }
            const auto sym = kv.first.Scalar();
            model::InstrumentSpec spec = cfg.default_instrument;
            Section is(kv.second, v.field("instruments") + "." + sym, issues);
            read_instrument(is, spec);
            spec.symbol = sym;
            cfg.instruments[sym] = spec;
          }
      }
    }
    { auto l = top.child("leverage"); read_leverage(l, cfg.backtest.policies); }
    { auto a = top.child("ab"); read_ab(a, cfg.backtest.ab, cfg.backtest.policies, !cfg.backtest.policy_names.empty()); }
    { auto o = top.child("output"); o.read<std::string>("dir", cfg.output.dir); }
    { auto r = top.child("research"); read_research(r, cfg.research); }
    { auto m = top.child("mesh"); read_mesh(m, cfg.mesh); }
  } catch (const YAML::Exception& e) {
    // Every read above records problems itself; this catches a YAML shape no reader
    // expected, so it still names the file and line instead of aborting.
    issues.push_back({"(file)", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg});
  }
  if (!issues.empty()) throw core::ConfigError(source, issues);
  // One set of limits: the gatekeeper enforces them and the planner applies them first.
  cfg.backtest.strategy.pre_trade = cfg.mesh.risk;
  cfg.data.klines = resolve(base_dir, cfg.data.klines);
  cfg.data.mark_price = resolve(base_dir, cfg.data.mark_price);
  cfg.data.funding = resolve(base_dir, cfg.data.funding);
  // Model files, like data, are relative to the config's folder, in every variant's copy too.
  const auto resolve_models = [&](leverage::PolicySuiteConfig& suite) {
    suite.trade_quality.model_path = resolve(base_dir, suite.trade_quality.model_path);
    suite.vol_forecast.model_path = resolve(base_dir, suite.vol_forecast.model_path);
  };
  resolve_models(cfg.backtest.policies);
  for (auto& v : cfg.backtest.ab.variants) resolve_models(v.policies);
  return cfg;
}

AppConfig load_app_config(const std::string& path) {
  // An ifstream opens a folder and reads nothing, which would parse as the empty config.
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw core::ConfigError(path, {{"(file)", "cannot open config file: not a regular file"}});
  std::ifstream in(path);
  if (!in) throw core::ConfigError(path, {{"(file)", "cannot open config file"}});
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_app_config(ss.str(), path, fs::path(path).parent_path().string());
}

}  // namespace fulcrum::config
