#include "fulcrum/features/feature_set.h"

#include <algorithm>

namespace fulcrum::features {

size_t bars_to_warm(const FeatureConfig& cfg) {
  // ADX smooths the DI twice (2 · period); the ATR ratio's mean starts once the ATR is seeded;
  // a change over N bars needs N + 1 closes.
  return std::max({cfg.ema_slow_period, cfg.ema_fast_period, 2 * cfg.adx_period + 1, cfg.rsi_period + 1, cfg.atr_period + cfg.atr_mean_min_bars,
                   cfg.volume_ratio_period + 1, cfg.change_window_bars + 1, cfg.vpin_warmup_bars}) +
         1;
}

FeatureSet::FeatureSet(const FeatureConfig& cfg)
    : cfg_(cfg),
      ema_fast_(cfg.ema_fast_period),
      ema_slow_(cfg.ema_slow_period),
      rsi_(cfg.rsi_period),
      adx_(cfg.adx_period),
      atr_(cfg.atr_period),
      vol_(cfg.ewma_lambda),
      volume_ratio_(cfg.volume_ratio_period),
      atr_history_(cfg.atr_mean_window_bars),
      closes_(cfg.change_window_bars + 1) {
  if (cfg.vpin_bucket_volume > 0) vpin_ = std::make_unique<Vpin>(cfg.vpin_bucket_volume, cfg.vpin_buckets);
}

const FeatureSnapshot& FeatureSet::update(const model::Bar& bar) {
  const double o = bar.open.to_double(), h = bar.high.to_double(), l = bar.low.to_double(), c = bar.close.to_double();
  const double v = bar.volume.to_double();
  ++bars_;
  snap_.time_ms = bar.close_time_ms();
  snap_.open = o, snap_.high = h, snap_.low = l, snap_.close = c, snap_.volume = v;
  snap_.ema_fast = ema_fast_.update(c);
  snap_.ema_slow = ema_slow_.update(c);
  snap_.rsi = rsi_.update(c);
  snap_.adx = adx_.update(h, l, c);
  snap_.plus_di = adx_.plus_di();
  snap_.minus_di = adx_.minus_di();
  snap_.atr = atr_.update(h, l, c);
  snap_.atr_pct = c > 0 ? snap_.atr / c * 100 : 0;
  if (atr_.ready()) atr_history_.push(snap_.atr);
  snap_.atr_ratio = atr_history_.size() >= cfg_.atr_mean_min_bars && atr_history_.mean() > 0 ? snap_.atr / atr_history_.mean() : 0;
  snap_.ewma_vol = vol_.update(c);
  snap_.volume_ratio = volume_ratio_.update(v);
  snap_.upper_wick_to_close = upper_wick_to_close(o, h, c);
  snap_.upper_wick_to_body = upper_wick_to_body(o, h, c);

  if (!vpin_) {
    warmup_volume_ += v;
    if (bars_ >= cfg_.vpin_warmup_bars && warmup_volume_ > 0)
      vpin_ = std::make_unique<Vpin>(warmup_volume_ / static_cast<double>(bars_) * 5, cfg_.vpin_buckets);
  }
  if (vpin_) {
    double taker = bar.taker_buy_volume ? bar.taker_buy_volume->to_double() : 0;
    snap_.signed_volume = vpin_->update(o, c, v, bar.taker_buy_volume ? &taker : nullptr);
    snap_.vpin = vpin_->value();
  }

  closes_.push(c);
  // The window holds change_window_bars + 1 closes; the oldest is the reference.
  snap_.change_24h = 0;
  if (closes_.full() && closes_.oldest() > 0) snap_.change_24h = c / closes_.oldest() - 1;
  snap_.ready = rsi_.ready() && adx_.ready() && atr_.ready() && volume_ratio_.ready() && ema_slow_.ready();
  return snap_;
}

}  // namespace fulcrum::features
