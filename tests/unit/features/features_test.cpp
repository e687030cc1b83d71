// Every incremental feature against an independent batch computation on real candles.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/marketdata/aggregation.h"
#include "fulcrum/marketdata/readers.h"
#include "test_support.h"

using namespace fulcrum;

namespace {

struct Series {
  std::vector<double> o, h, l, c, v;
};

Series real_15m(const std::string& symbol) {
  const auto s = marketdata::read_klines(test::sample_dir() + "/klines-5m/" + symbol + ".csv.gz");
  Series out;
  marketdata::BarAggregator agg(15 * core::kMsPerMinute, [&](const model::Bar& b, bool) {
    out.o.push_back(b.open.to_double());
    out.h.push_back(b.high.to_double());
    out.l.push_back(b.low.to_double());
    out.c.push_back(b.close.to_double());
    out.v.push_back(b.volume.to_double());
  });
  for (const auto& b : s.bars) agg.on_bar(b);
  return out;
}

// Batch oracles, written straight from the textbook definitions over whole arrays.
std::vector<double> batch_sma(const std::vector<double>& x, size_t n) {
  std::vector<double> out(x.size(), NAN);
  for (size_t i = n - 1; i < x.size(); ++i) out[i] = std::accumulate(x.begin() + static_cast<long>(i + 1 - n), x.begin() + static_cast<long>(i + 1), 0.0) / static_cast<double>(n);
  return out;
}
std::vector<double> batch_ema(const std::vector<double>& x, size_t n) {
  std::vector<double> out(x.size(), NAN);
  const double a = 2.0 / (static_cast<double>(n) + 1);
  double e = std::accumulate(x.begin(), x.begin() + static_cast<long>(n), 0.0) / static_cast<double>(n);
  out[n - 1] = e;
  for (size_t i = n; i < x.size(); ++i) out[i] = e = a * x[i] + (1 - a) * e;
  return out;
}
// Wilder: seed with the mean of the first n inputs, then (prev·(n−1) + x)/n.
std::vector<double> batch_wilder(const std::vector<double>& x, size_t n) {
  std::vector<double> out(x.size(), NAN);
  double avg = std::accumulate(x.begin(), x.begin() + static_cast<long>(n), 0.0) / static_cast<double>(n);
  out[n - 1] = avg;
  for (size_t i = n; i < x.size(); ++i) out[i] = avg = (avg * static_cast<double>(n - 1) + x[i]) / static_cast<double>(n);
  return out;
}
std::vector<double> batch_tr(const Series& s) {
  std::vector<double> tr(s.c.size());
  tr[0] = s.h[0] - s.l[0];
  for (size_t i = 1; i < tr.size(); ++i) tr[i] = std::max({s.h[i] - s.l[i], std::fabs(s.h[i] - s.c[i - 1]), std::fabs(s.l[i] - s.c[i - 1])});
  return tr;
}
std::vector<double> batch_rsi(const std::vector<double>& c, size_t n) {
  std::vector<double> gains, losses;
  for (size_t i = 1; i < c.size(); ++i) {
    gains.push_back(std::max(0.0, c[i] - c[i - 1]));
    losses.push_back(std::max(0.0, c[i - 1] - c[i]));
  }
  const auto g = batch_wilder(gains, n), l = batch_wilder(losses, n);
  std::vector<double> out(c.size(), NAN);
  for (size_t i = n - 1; i < g.size(); ++i) out[i + 1] = l[i] == 0 ? 100 : 100 - 100 / (1 + g[i] / l[i]);
  return out;
}
std::vector<double> batch_adx(const Series& s, size_t n) {
  const size_t m = s.c.size();
  std::vector<double> tr(m), pdm(m), mdm(m);
  for (size_t i = 1; i < m; ++i) {
    const double up = s.h[i] - s.h[i - 1], down = s.l[i - 1] - s.l[i];
    pdm[i] = up > down && up > 0 ? up : 0;
    mdm[i] = down > up && down > 0 ? down : 0;
    tr[i] = std::max({s.h[i] - s.l[i], std::fabs(s.h[i] - s.c[i - 1]), std::fabs(s.l[i] - s.c[i - 1])});
  }
  // Wilder sums over bars 1..n, then S − S/n + x.
  double str = 0, sp = 0, sm = 0;
  std::vector<double> dx;
  std::vector<size_t> dx_index;
  for (size_t i = 1; i < m; ++i) {
    if (i <= n) {
      str += tr[i], sp += pdm[i], sm += mdm[i];
      if (i < n) continue;
    } else {
      str = str - str / static_cast<double>(n) + tr[i];
      sp = sp - sp / static_cast<double>(n) + pdm[i];
      sm = sm - sm / static_cast<double>(n) + mdm[i];
    }
    const double pdi = 100 * sp / str, mdi = 100 * sm / str;
    dx.push_back(pdi + mdi > 0 ? 100 * std::fabs(pdi - mdi) / (pdi + mdi) : 0);
    dx_index.push_back(i);
  }
  const auto adx = batch_wilder(dx, n);
  std::vector<double> out(m, NAN);
  for (size_t k = n - 1; k < dx.size(); ++k) out[dx_index[k]] = adx[k];
  return out;
}

void expect_close(double incremental, double batch, double rel, const char* what, size_t i) {
  if (std::isnan(batch)) return;
  EXPECT_NEAR(incremental, batch, rel * std::max(1.0, std::fabs(batch))) << what << " at bar " << i;
}

}  // namespace

TEST(Features, IncrementalIndicatorsMatchBatchOraclesOnRealData) {
  for (const char* symbol : {"BTCUSDT", "DOGEUSDT"}) {
    const auto s = real_15m(symbol);
    ASSERT_GT(s.c.size(), 8000u);
    const auto sma = batch_sma(s.c, 20);
    const auto ema = batch_ema(s.c, 20);
    const auto rsi = batch_rsi(s.c, 14);
    const auto atr = batch_wilder(batch_tr(s), 14);
    const auto adx = batch_adx(s, 14);
    features::Sma f_sma(20);
    features::Ema f_ema(20);
    features::Rsi f_rsi(14);
    features::Atr f_atr(14);
    features::Adx f_adx(14);
    size_t checked = 0;
    for (size_t i = 0; i < s.c.size(); ++i) {
      const double v_sma = f_sma.update(s.c[i]);
      const double v_ema = f_ema.update(s.c[i]);
      const double v_rsi = f_rsi.update(s.c[i]);
      const double v_atr = f_atr.update(s.h[i], s.l[i], s.c[i]);
      const double v_adx = f_adx.update(s.h[i], s.l[i], s.c[i]);
      expect_close(v_sma, sma[i], 1e-9, "SMA", i);
      expect_close(v_ema, ema[i], 1e-9, "EMA", i);
      expect_close(v_rsi, rsi[i], 1e-7, "RSI", i);
      expect_close(v_atr, atr[i], 1e-9, "ATR", i);
      expect_close(v_adx, adx[i], 1e-7, "ADX", i);
      if (!std::isnan(adx[i])) ++checked;
      if (::testing::Test::HasFailure()) return;
    }
    EXPECT_GT(checked, 8000u) << symbol;
    EXPECT_TRUE(f_rsi.ready() && f_adx.ready() && f_atr.ready());
  }
}

TEST(Features, EwmaVolatilityVolumeRatioAndWicksMatchDefinitions) {
  const auto s = real_15m("ETHUSDT");
  features::EwmaVolatility vol(0.94);
  features::VolumeRatio vr(20);
  double var = 0;
  for (size_t i = 0; i < s.c.size(); ++i) {
    const double got = vol.update(s.c[i]);
    if (i >= 1) {
      const double r = std::log(s.c[i] / s.c[i - 1]);
      var = i == 1 ? r * r : 0.94 * var + 0.06 * r * r;
      ASSERT_NEAR(got, std::sqrt(var), 1e-12) << i;
    }
    const double ratio = vr.update(s.v[i]);
    if (i >= 20) {
      double mean = 0;
      for (size_t k = i - 20; k < i; ++k) mean += s.v[k];
      mean /= 20;
      ASSERT_NEAR(ratio, s.v[i] / mean, 1e-9 * std::max(1.0, ratio)) << i;
    }
  }
  // Upper wick of a hand-made candle: open 100, high 110, close 104 → wick 6.
  EXPECT_DOUBLE_EQ(features::upper_wick_to_close(100, 110, 104), 6.0 / 104);
  EXPECT_DOUBLE_EQ(features::upper_wick_to_body(100, 110, 104), 6.0 / 4);
}

TEST(Features, VpinFromTakerVolumeEqualsTheBucketDefinition) {
  // Bars whose volume fills exactly one bucket each: VPIN = mean |buy − sell| / V.
  features::Vpin vpin(100, 3);
  const double buys[] = {70, 20, 50, 90};
  for (double b : buys) vpin.update(1, 1, 100, &b);
  // Last three buckets: |90−10|, |50−50|, |20−80| → (80 + 0 + 60) / 300.
  EXPECT_NEAR(vpin.value(), 140.0 / 300, 1e-12);
  EXPECT_TRUE(vpin.ready());
}

TEST(Features, VpinBulkClassificationSplitsByNormalCdf) {
  features::Vpin vpin(1e9, 2);  // one huge bucket: we only read signed volume here
  vpin.update(100, 100, 10, nullptr);
  // Second bar: ΔP = +2, σ after one observation of 0 then 2² → EWMA 0.94·0 + 0.06·4.
  const double sv = vpin.update(100, 102, 10, nullptr);
  const double sigma = std::sqrt(0.06 * 4);
  const double buy = 10 * features::standard_normal_cdf(2 / sigma);
  EXPECT_NEAR(sv, buy - (10 - buy), 1e-9);
}

TEST(Features, BookMeasuresOnATopOfBook) {
  const auto m = features::book_measures(61'800.2, 2.507, 61'800.3, 2.510);  // a real bookTicker
  EXPECT_NEAR(m.spread, 0.1, 1e-9);
  EXPECT_NEAR(m.spread_bps, 0.1 / 61'800.25 * 1e4, 1e-9);
  EXPECT_NEAR(m.imbalance, (2.507 - 2.510) / (2.507 + 2.510), 1e-12);
  EXPECT_NEAR(m.depth_notional, 61'800.2 * 2.507 + 61'800.3 * 2.510, 1e-6);
}

TEST(Features, FeatureSetAtrRatioAndDailyChange) {
  features::FeatureConfig cfg;
  cfg.atr_mean_window_bars = 50;
  cfg.atr_mean_min_bars = 10;
  cfg.change_window_bars = 4;
  features::FeatureSet fs(cfg);
  features::Atr atr(cfg.atr_period);
  std::vector<double> atrs, closes;
  const auto s = real_15m("SOLUSDT");
  for (size_t i = 0; i < 400; ++i) {
    model::Bar b = test::bar(static_cast<int64_t>(i) * 900'000, s.o[i], s.h[i], s.l[i], s.c[i], s.v[i], 900'000);
    const auto& snap = fs.update(b);
    const double a = atr.update(b.high.to_double(), b.low.to_double(), b.close.to_double());
    closes.push_back(b.close.to_double());
    if (atr.ready()) atrs.push_back(a);
    if (atrs.size() >= 10) {
      const size_t n = std::min<size_t>(atrs.size(), 50);
      const double mean = std::accumulate(atrs.end() - static_cast<long>(n), atrs.end(), 0.0) / static_cast<double>(n);
      ASSERT_NEAR(snap.atr_ratio, a / mean, 1e-9) << i;
    }
    if (closes.size() >= 5) {
      ASSERT_NEAR(snap.change_24h, closes.back() / closes[closes.size() - 5] - 1, 1e-12) << i;
    }
  }
}

// What a live start asks for: after bars_to_warm bars every feature the strategy reads is
// seeded, whatever the config; with the defaults the ATR ratio's first mean is what it waits
// for, so half as many leave it unseeded.
TEST(Features, BarsToWarmSeedEverythingTheStrategyReads) {
  const auto s = real_15m("SOLUSDT");
  features::FeatureConfig small;
  small.ema_slow_period = 30;
  small.atr_mean_min_bars = 10;
  small.change_window_bars = 40;
  features::FeatureConfig vpin_long;
  vpin_long.vpin_warmup_bars = 150;
  for (const auto& cfg : {features::FeatureConfig{}, small, vpin_long}) {
    const size_t n = features::bars_to_warm(cfg);
    ASSERT_LT(n, s.c.size());
    features::FeatureSet fs(cfg);
    features::FeatureSnapshot snap;
    for (size_t i = 0; i < n; ++i) snap = fs.update(test::bar(static_cast<int64_t>(i) * 900'000, s.o[i], s.h[i], s.l[i], s.c[i], s.v[i], 900'000));
    EXPECT_TRUE(snap.ready) << n;
    EXPECT_GT(snap.atr_ratio, 0) << n;
    EXPECT_NE(snap.change_24h, 0) << n;
    EXPECT_NEAR(snap.change_24h, s.c[n - 1] / s.c[n - 1 - cfg.change_window_bars] - 1, 1e-12);
  }
  features::FeatureSet early(features::FeatureConfig{});
  features::FeatureSnapshot snap;
  for (size_t i = 0; i < features::bars_to_warm({}) / 2; ++i)
    snap = early.update(test::bar(static_cast<int64_t>(i) * 900'000, s.o[i], s.h[i], s.l[i], s.c[i], s.v[i], 900'000));
  EXPECT_EQ(snap.atr_ratio, 0);
}
