#pragma once
// Incremental indicators: O(1) work per update, state sized by the look-back only.
// Each `ready()` turns true once the classic definition is fully seeded; values before
// that are not used by any signal.
#include <cmath>
#include <cstddef>
#include <vector>

#include "fulcrum/model/market.h"

namespace fulcrum::features {

// Fixed-size ring of the last N values with a running sum.
class RollingWindow {
 public:
  explicit RollingWindow(size_t capacity);
  void push(double v);
  size_t size() const { return count_; }
  size_t capacity() const { return values_.size(); }
  bool full() const { return count_ == values_.size(); }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  // The value pushed longest ago that is still in the window.
  double oldest() const { return full() ? values_[next_] : values_[0]; }

 private:
  std::vector<double> values_;
  size_t next_ = 0;
  size_t count_ = 0;
  double sum_ = 0;
  size_t pushes_since_resum_ = 0;
};

class Sma {
 public:
  explicit Sma(size_t period) : window_(period) {}
  double update(double v) { window_.push(v); return window_.mean(); }
  bool ready() const { return window_.full(); }
  double value() const { return window_.mean(); }
 private:
  RollingWindow window_;
};

// Seeded with the SMA of the first `period` values, then α = 2 / (period + 1).
class Ema {
 public:
  explicit Ema(size_t period);
  double update(double v);
  bool ready() const { return count_ >= period_; }
  double value() const { return value_; }
 private:
  size_t period_;
  double alpha_;
  size_t count_ = 0;
  double value_ = 0;
};

// Wilder's smoothing: first value the mean of `period` inputs, then (prev·(n−1) + x) / n.
class WilderAverage {
 public:
  explicit WilderAverage(size_t period) : period_(period) {}
  double update(double v);
  bool ready() const { return count_ >= period_; }
  double value() const { return value_; }
 private:
  size_t period_;
  size_t count_ = 0;
  double value_ = 0;
};

class Rsi {  // Wilder RSI on closes
 public:
  explicit Rsi(size_t period = 14) : gains_(period), losses_(period) {}
  double update(double close);
  bool ready() const { return gains_.ready(); }
  double value() const { return value_; }
 private:
  WilderAverage gains_, losses_;
  bool has_prev_ = false;
  double prev_close_ = 0;
  double value_ = 50;
};

double true_range(double high, double low, double prev_close);

class Atr {  // Wilder ATR
 public:
  explicit Atr(size_t period = 14) : avg_(period) {}
  double update(double high, double low, double close);
  bool ready() const { return avg_.ready(); }
  double value() const { return avg_.value(); }
 private:
  WilderAverage avg_;
  bool has_prev_ = false;
  double prev_close_ = 0;
};

// Wilder ADX: +DM/−DM/TR smoothed by Wilder sums, DX averaged by Wilder.
class Adx {
 public:
  explicit Adx(size_t period = 14) : period_(period), dx_avg_(period) {}
  double update(double high, double low, double close);
  bool ready() const { return dx_avg_.ready(); }
  double value() const { return dx_avg_.value(); }
  double plus_di() const { return plus_di_; }
  double minus_di() const { return minus_di_; }
 private:
  size_t period_;
  WilderAverage dx_avg_;
  size_t seeded_ = 0;
  bool has_prev_ = false;
  double prev_high_ = 0, prev_low_ = 0, prev_close_ = 0;
  double tr_sum_ = 0, plus_sum_ = 0, minus_sum_ = 0;
  double plus_di_ = 0, minus_di_ = 0;
};

// EWMA variance of log returns, σ per bar (RiskMetrics λ).
class EwmaVolatility {
 public:
  explicit EwmaVolatility(double lambda = 0.94) : lambda_(lambda) {}
  double update(double close);
  bool ready() const { return count_ >= 2; }
  double value() const { return std::sqrt(variance_); }
 private:
  double lambda_;
  size_t count_ = 0;
  double prev_close_ = 0;
  double variance_ = 0;
};

// Bar volume over the mean of the previous `period` bars (the current bar excluded).
class VolumeRatio {
 public:
  explicit VolumeRatio(size_t period = 20) : window_(period) {}
  double update(double volume);
  bool ready() const { return ready_; }
  double value() const { return value_; }
 private:
  RollingWindow window_;
  bool ready_ = false;
  double value_ = 0;
};

// VPIN over equal-volume buckets. Buy volume is taker-buy volume when the data has it,
// otherwise bulk volume classification: V · Φ(ΔP / σ_ΔP).
// The buyer-initiated part of a bar's volume when the data has no taker-buy volume: bulk
// volume classification (Easley, López de Prado and O'Hara, 2012), buy = volume · Φ(Δp / σ)
// with σ an EWMA of the close-to-close changes. One rule for VPIN and for the exchange double,
// which must send a kline's V when its history lacks it.
class BulkVolumeClassifier {
 public:
  explicit BulkVolumeClassifier(double sigma_lambda = 0.94) : sigma_lambda_(sigma_lambda) {}
  double buy_volume(double open, double close, double volume);
  // A bar whose split is known: its close is still the next change's reference.
  void observe_close(double close) {
    has_prev_ = true;
    prev_close_ = close;
  }

 private:
  double sigma_lambda_;
  double dp_variance_ = 0;
  size_t dp_count_ = 0;
  bool has_prev_ = false;
  double prev_close_ = 0;
};

// Each bar without a taker-buy volume gets the classifier's estimate, in order from the
// first bar; bars that have one keep it (and move the reference close on).
void classify_missing_taker_buys(std::vector<model::Bar>& bars, double sigma_lambda = 0.94);

class Vpin {
 public:
  Vpin(double bucket_volume, size_t buckets = 50, double sigma_lambda = 0.94);
  // Returns the signed volume (buy − sell) attributed to this bar.
  double update(double open, double close, double volume, const double* taker_buy_volume);
  bool ready() const { return imbalances_.full(); }
  double value() const;
  double bucket_volume() const { return bucket_volume_; }
 private:
  void add_flow(double buy, double sell);
  double bucket_volume_;
  RollingWindow imbalances_;
  double bucket_buy_ = 0, bucket_sell_ = 0;
  BulkVolumeClassifier bulk_;
};

inline double standard_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Shape of one candle.
inline double upper_wick(double open, double high, double close) { return high - (open > close ? open : close); }
inline double upper_wick_to_close(double open, double high, double close) { return close > 0 ? upper_wick(open, high, close) / close : 0; }
inline double upper_wick_to_body(double open, double high, double close) {
  const double body = std::fabs(close - open);
  return body > 0 ? upper_wick(open, high, close) / body : (upper_wick(open, high, close) > 0 ? 1e9 : 0);
}

// Top-of-book measures.
struct BookMeasures {
  double spread = 0;
  double spread_bps = 0;
  double depth_notional = 0;  // bid and ask size at the top, in quote currency
  double imbalance = 0;       // OBI: (bid_qty − ask_qty) / (bid_qty + ask_qty), in [−1, 1]
};
BookMeasures book_measures(double bid, double bid_qty, double ask, double ask_qty);

}  // namespace fulcrum::features
