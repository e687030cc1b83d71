#pragma once
// All features of one symbol on one timeframe, updated together once per closed bar.
#include <cstddef>
#include <memory>

#include "fulcrum/features/indicators.h"
#include "fulcrum/model/market.h"

namespace fulcrum::features {

struct FeatureConfig {
  size_t rsi_period = 14;
  size_t adx_period = 14;
  size_t atr_period = 14;
  size_t ema_fast_period = 20;
  size_t ema_slow_period = 50;
  size_t volume_ratio_period = 20;
  double ewma_lambda = 0.94;
  size_t atr_mean_window_bars = 35'040;  // one year of 15m bars: the ATR ratio's reference
  size_t atr_mean_min_bars = 96;         // before a full year, the mean of what exists (≥ one day)
  double vpin_bucket_volume = 0;         // 0: the mean volume of the first vpin_warmup_bars bars × 5
  size_t vpin_buckets = 50;
  size_t vpin_warmup_bars = 20;
  size_t change_window_bars = 96;        // 24h on 15m bars, for the top-gainer filter
};

// Bars (of the signal timeframe) a FeatureSet needs before everything the strategy reads is
// seeded: `ready`, the ATR ratio's first mean and the 24h change. A live start asks the
// exchange for this much history.
size_t bars_to_warm(const FeatureConfig& cfg);

struct FeatureSnapshot {
  core::TimestampMs time_ms = 0;  // bar close
  double close = 0, open = 0, high = 0, low = 0, volume = 0;
  double ema_fast = 0, ema_slow = 0;
  double rsi = 50, adx = 0, plus_di = 0, minus_di = 0;
  double atr = 0, atr_pct = 0;      // atr_pct = ATR / close · 100
  double atr_ratio = 0;             // ATR / its one-year mean (0 until atr_mean_min_bars)
  double ewma_vol = 0;              // σ of log returns per bar
  double volume_ratio = 0;
  double upper_wick_to_close = 0, upper_wick_to_body = 0;
  double signed_volume = 0, vpin = 0;
  double change_24h = 0;            // fraction, close over close change_window_bars ago
  bool ready = false;               // every look-back seeded
};

class FeatureSet {
 public:
  explicit FeatureSet(const FeatureConfig& cfg = {});
  const FeatureSnapshot& update(const model::Bar& bar);
  const FeatureSnapshot& last() const { return snap_; }

 private:
  FeatureConfig cfg_;
  Ema ema_fast_, ema_slow_;
  Rsi rsi_;
  Adx adx_;
  Atr atr_;
  EwmaVolatility vol_;
  VolumeRatio volume_ratio_;
  RollingWindow atr_history_;
  RollingWindow closes_;
  std::unique_ptr<Vpin> vpin_;
  double warmup_volume_ = 0;
  size_t bars_ = 0;
  FeatureSnapshot snap_;
};

}  // namespace fulcrum::features
