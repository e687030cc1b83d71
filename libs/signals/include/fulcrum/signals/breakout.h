#pragma once
// The seed baseline: top-gainer universe, then a momentum breakout on closed signal bars
// filtered by RSI, ADX, volume ratio and upper wick, scored 0–100.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/model/order.h"

namespace fulcrum::signals {

struct BreakoutConfig {
  double rsi_min = 65, rsi_max = 90;
  double adx_min = 25, adx_max = 60;
  double volume_ratio_min = 2.5, volume_ratio_max = 12;
  double max_upper_wick_to_close = 0.20;
  bool require_green_bar = true;  // long: close > open (short mirror: close < open)
  // Score: base + min(bonus_max, (vol_ratio − pivot)·per_unit) + max(0, (shape_pivot − wick/body)·shape_per_unit)
  double score_base = 60;
  double volume_bonus_pivot = 3.5;
  double volume_bonus_per_unit = 10;
  double volume_bonus_max = 20;
  double shape_bonus_pivot = 0.3;
  double shape_bonus_per_unit = 33;
  // stop = entry ∓ min(stop_atr_multiple·ATR, stop_cap_fraction·entry)
  double stop_atr_multiple = 2.5;
  double stop_cap_fraction = 0.035;
  bool allow_short = false;
  // Universe: the top N by 24h change, keeping change within [min, max].
  size_t universe_top_n = 50;
  double universe_min_change = 0.02;
  double universe_max_change = 2.0;
};

struct Signal {
  std::string symbol;
  model::Side side = model::Side::kBuy;
  double reference_price = 0;  // the signal bar's close
  double stop_price = 0;
  double score = 0;            // 0–100
  double confidence = 0;       // score / 100
  features::FeatureSnapshot features;  // the values behind the decision
  model::ReasonMap reasons() const;
};

double breakout_score(const features::FeatureSnapshot& f, const BreakoutConfig& cfg, model::Side side);

// Evaluates one closed signal bar. nullopt when any filter fails.
std::optional<Signal> evaluate_breakout(const std::string& symbol, const features::FeatureSnapshot& f, const BreakoutConfig& cfg);

// Indices of the symbols in the top-gainer universe, given each symbol's 24h change
// (nullopt: not known yet). Ties rank by index, so the result is deterministic.
std::vector<size_t> top_gainer_universe(const std::vector<std::optional<double>>& change_24h, const BreakoutConfig& cfg);

}  // namespace fulcrum::signals
