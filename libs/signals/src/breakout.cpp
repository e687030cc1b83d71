#include "fulcrum/signals/breakout.h"

#include <algorithm>
#include <cmath>
#include "fulcrum/core/number_format.h"

namespace fulcrum::signals {
namespace {
using core::short_number;
// Lower wick relative to body, the short mirror of upper_wick_to_body.
double lower_wick_to_body(const features::FeatureSnapshot& f) {
  const double wick = std::min(f.open, f.close) - f.low;
  const double body = std::fabs(f.close - f.open);
  return body > 0 ? wick / body : (wick > 0 ? 1e9 : 0);
}
}  // namespace

model::ReasonMap Signal::reasons() const {
  return {{"rsi", short_number(features.rsi)},
          {"adx", short_number(features.adx)},
          {"volume_ratio", short_number(features.volume_ratio)},
          {"upper_wick_to_close", short_number(features.upper_wick_to_close)},
          {"atr_pct", short_number(features.atr_pct)},
          {"atr_ratio", short_number(features.atr_ratio)},
          {"vpin", short_number(features.vpin)},
          {"change_24h", short_number(features.change_24h)},
          {"score", short_number(score)}};
}

double breakout_score(const features::FeatureSnapshot& f, const BreakoutConfig& cfg, model::Side side) {
  const double wick_to_body = side == model::Side::kBuy ? f.upper_wick_to_body : lower_wick_to_body(f);
  const double volume_bonus = std::min(cfg.volume_bonus_max, (f.volume_ratio - cfg.volume_bonus_pivot) * cfg.volume_bonus_per_unit);
  const double shape_bonus = std::max(0.0, (cfg.shape_bonus_pivot - wick_to_body) * cfg.shape_bonus_per_unit);
  return std::clamp(cfg.score_base + volume_bonus + shape_bonus, 0.0, 100.0);
}

std::optional<Signal> evaluate_breakout(const std::string& symbol, const features::FeatureSnapshot& f, const BreakoutConfig& cfg) {
  if (!f.ready) return std::nullopt;
  const bool common = f.adx >= cfg.adx_min && f.adx <= cfg.adx_max && f.volume_ratio >= cfg.volume_ratio_min &&
                      f.volume_ratio <= cfg.volume_ratio_max;
  if (!common) return std::nullopt;
  const double stop_distance = std::min(cfg.stop_atr_multiple * f.atr, cfg.stop_cap_fraction * f.close);
  if (!(stop_distance > 0)) return std::nullopt;

  const bool long_ok = f.rsi >= cfg.rsi_min && f.rsi <= cfg.rsi_max && f.upper_wick_to_close <= cfg.max_upper_wick_to_close &&
                       (!cfg.require_green_bar || f.close > f.open);
  // The mirror: RSI reflected around 50, lower wick, red bar.
  const double lower_wick_to_close = f.close > 0 ? (std::min(f.open, f.close) - f.low) / f.close : 0;
  const bool short_ok = cfg.allow_short && f.rsi >= 100 - cfg.rsi_max && f.rsi <= 100 - cfg.rsi_min &&
                        lower_wick_to_close <= cfg.max_upper_wick_to_close && (!cfg.require_green_bar || f.close < f.open);
  if (!long_ok && !short_ok) return std::nullopt;

  Signal s;
  s.symbol = symbol;
  s.side = long_ok ? model::Side::kBuy : model::Side::kSell;
  s.reference_price = f.close;
  s.stop_price = long_ok ? f.close - stop_distance : f.close + stop_distance;
  s.score = breakout_score(f, cfg, s.side);
  s.confidence = s.score / 100.0;
  s.features = f;
  return s;
}

std::vector<size_t> top_gainer_universe(const std::vector<std::optional<double>>& change_24h, const BreakoutConfig& cfg) {
  std::vector<size_t> ranked;
  for (size_t i = 0; i < change_24h.size(); ++i)
    if (change_24h[i]) ranked.push_back(i);
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) { return *change_24h[a] > *change_24h[b]; });
  if (ranked.size() > cfg.universe_top_n) ranked.resize(cfg.universe_top_n);
  std::vector<size_t> out;
  for (size_t i : ranked) {
    const double c = *change_24h[i];
    if (c >= cfg.universe_min_change && c <= cfg.universe_max_change) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fulcrum::signals
