#include "fulcrum/features/indicators.h"

#include <algorithm>
#include <stdexcept>

namespace fulcrum::features {

RollingWindow::RollingWindow(size_t capacity) : values_(capacity, 0.0) {
  if (capacity == 0) throw std::invalid_argument("RollingWindow: capacity must be positive");
}

void RollingWindow::push(double v) {
  if (count_ == values_.size()) sum_ -= values_[next_];
  else ++count_;
  values_[next_] = v;
  sum_ += v;
  next_ = (next_ + 1) % values_.size();
  // A running sum drifts; re-adding once per window keeps the error at one window's worth.
  if (++pushes_since_resum_ >= values_.size()) {
    pushes_since_resum_ = 0;
    sum_ = 0;
    for (size_t i = 0; i < count_; ++i) sum_ += values_[i];
  }
}

Ema::Ema(size_t period) : period_(period), alpha_(2.0 / (static_cast<double>(period) + 1.0)) {
  if (period == 0) throw std::invalid_argument("Ema: period must be positive");
}

double Ema::update(double v) {
  ++count_;
  if (count_ <= period_) {
    value_ += (v - value_) / static_cast<double>(count_);  // running mean while seeding
  } else {
    value_ += alpha_ * (v - value_);
  }
  return value_;
}

double WilderAverage::update(double v) {
  ++count_;
  if (count_ <= period_) value_ += (v - value_) / static_cast<double>(count_);
  else value_ = (value_ * static_cast<double>(period_ - 1) + v) / static_cast<double>(period_);
  return value_;
}

double Rsi::update(double close) {
  if (!has_prev_) {
    has_prev_ = true;
    prev_close_ = close;
    return value_;
  }
  const double change = close - prev_close_;
  prev_close_ = close;
  const double g = gains_.update(change > 0 ? change : 0);
  const double l = losses_.update(change < 0 ? -change : 0);
  value_ = l == 0 ? (g == 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
  return value_;
}

double true_range(double high, double low, double prev_close) {
  return std::max({high - low, std::fabs(high - prev_close), std::fabs(low - prev_close)});
}

double Atr::update(double high, double low, double close) {
  const double tr = has_prev_ ? true_range(high, low, prev_close_) : high - low;
  has_prev_ = true;
  prev_close_ = close;
  return avg_.update(tr);
}

double Adx::update(double high, double low, double close) {
  if (!has_prev_) {
    has_prev_ = true;
    prev_high_ = high, prev_low_ = low, prev_close_ = close;
    return 0;
  }
  const double up = high - prev_high_;
  const double down = prev_low_ - low;
  const double plus_dm = (up > down && up > 0) ? up : 0;
  const double minus_dm = (down > up && down > 0) ? down : 0;
  const double tr = true_range(high, low, prev_close_);
  prev_high_ = high, prev_low_ = low, prev_close_ = close;
  const double n = static_cast<double>(period_);
  if (seeded_ < period_) {
    tr_sum_ += tr, plus_sum_ += plus_dm, minus_sum_ += minus_dm;
    if (++seeded_ < period_) return 0;
  } else {
    tr_sum_ = tr_sum_ - tr_sum_ / n + tr;
    plus_sum_ = plus_sum_ - plus_sum_ / n + plus_dm;
    minus_sum_ = minus_sum_ - minus_sum_ / n + minus_dm;
  }
  plus_di_ = tr_sum_ > 0 ? 100 * plus_sum_ / tr_sum_ : 0;
  minus_di_ = tr_sum_ > 0 ? 100 * minus_sum_ / tr_sum_ : 0;
  const double di_sum = plus_di_ + minus_di_;
  const double dx = di_sum > 0 ? 100 * std::fabs(plus_di_ - minus_di_) / di_sum : 0;
  return dx_avg_.update(dx);
}

double EwmaVolatility::update(double close) {
  if (count_++ == 0 || prev_close_ <= 0 || close <= 0) {
    prev_close_ = close;
    return value();
  }
  const double r = std::log(close / prev_close_);
  prev_close_ = close;
  variance_ = count_ == 2 ? r * r : lambda_ * variance_ + (1 - lambda_) * r * r;
  return value();
}

double VolumeRatio::update(double volume) {
  ready_ = window_.full();
  const double mean = window_.mean();
  value_ = mean > 0 ? volume / mean : 0;
  window_.push(volume);
  return value_;
}

Vpin::Vpin(double bucket_volume, size_t buckets, double sigma_lambda)
    : bucket_volume_(bucket_volume), imbalances_(buckets), bulk_(sigma_lambda) {
  if (!(bucket_volume > 0)) throw std::invalid_argument("Vpin: bucket volume must be positive");
}

void Vpin::add_flow(double buy, double sell) {
  double total = buy + sell;
  while (total > 0) {
    const double room = bucket_volume_ - (bucket_buy_ + bucket_sell_);
    const double take = std::min(room, total);
    const double buy_share = buy / (buy + sell);
    bucket_buy_ += take * buy_share;
    bucket_sell_ += take * (1 - buy_share);
    buy -= take * buy_share;
    sell -= take * (1 - buy_share);
    total -= take;
    if (bucket_buy_ + bucket_sell_ >= bucket_volume_ * (1 - 1e-12)) {
      imbalances_.push(std::fabs(bucket_buy_ - bucket_sell_));
      bucket_buy_ = bucket_sell_ = 0;
    }
  }
}

double BulkVolumeClassifier::buy_volume(double open, double close, double volume) {
  const double dp = has_prev_ ? close - prev_close_ : close - open;
  if (dp_count_++ == 0) dp_variance_ = dp * dp;
  else dp_variance_ = sigma_lambda_ * dp_variance_ + (1 - sigma_lambda_) * dp * dp;
  const double sigma = std::sqrt(dp_variance_);
  observe_close(close);
  return volume * (sigma > 0 ? standard_normal_cdf(dp / sigma) : 0.5);
}

void classify_missing_taker_buys(std::vector<model::Bar>& bars, double sigma_lambda) {
  BulkVolumeClassifier bulk(sigma_lambda);
  for (auto& b : bars) {
    if (b.taker_buy_volume) {
      bulk.observe_close(b.close.to_double());
      continue;
    }
    const double buy = bulk.buy_volume(b.open.to_double(), b.close.to_double(), b.volume.to_double());
    b.taker_buy_volume = core::Qty::from_raw(std::clamp(core::Qty::from_double(buy).raw, int64_t{0}, b.volume.raw));
  }
}

double Vpin::update(double open, double close, double volume, const double* taker_buy_volume) {
  double buy = 0;
  if (taker_buy_volume) {
    buy = std::clamp(*taker_buy_volume, 0.0, volume);
    bulk_.observe_close(close);
  } else {
    buy = bulk_.buy_volume(open, close, volume);
  }
  const double sell = volume - buy;
  if (volume > 0) add_flow(buy, sell);
  return buy - sell;
}

double Vpin::value() const {
  return imbalances_.size() ? imbalances_.sum() / (static_cast<double>(imbalances_.size()) * bucket_volume_) : 0;
}

BookMeasures book_measures(double bid, double bid_qty, double ask, double ask_qty) {
  BookMeasures m;
  m.spread = ask - bid;
  const double mid = (ask + bid) / 2;
  m.spread_bps = mid > 0 ? m.spread / mid * 1e4 : 0;
  m.depth_notional = bid * bid_qty + ask * ask_qty;
  const double q = bid_qty + ask_qty;
  m.imbalance = q > 0 ? (bid_qty - ask_qty) / q : 0;
  return m;
}

}  // namespace fulcrum::features
