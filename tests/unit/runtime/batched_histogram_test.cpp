// The order router's latency histograms are counted locally and handed to Prometheus in
// batches. What a scrape then shows must be what prometheus-cpp's own Observe would have
// shown for the same values, bucket by bucket, and nothing may show before the publish.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <prometheus/histogram.h>

#include "fulcrum/runtime/telemetry.h"

using fulcrum::runtime::BatchedHistogram;
using fulcrum::runtime::latency_buckets;

namespace {

void expect_same(const prometheus::Histogram& batched, const prometheus::Histogram& direct) {
  const auto a = batched.Collect().histogram, b = direct.Collect().histogram;
  EXPECT_EQ(a.sample_count, b.sample_count);
  if (std::isnan(b.sample_sum)) EXPECT_TRUE(std::isnan(a.sample_sum));
  else EXPECT_DOUBLE_EQ(a.sample_sum, b.sample_sum);
  ASSERT_EQ(a.bucket.size(), b.bucket.size());
  for (size_t i = 0; i < a.bucket.size(); ++i) EXPECT_EQ(a.bucket[i].cumulative_count, b.bucket[i].cumulative_count) << "bucket le=" << b.bucket[i].upper_bound;
}

}  // namespace

TEST(BatchedHistogram, PublishesExactlyWhatObserveWouldHave) {
  const auto& bounds = latency_buckets();
  prometheus::Histogram batched_series(bounds), direct(bounds);
  BatchedHistogram h(batched_series);
  // Every bound itself (Prometheus buckets are le: a value on a bound belongs to it), just
  // above each, below the first, past the last, zero and negative.
  std::vector<double> values{0.0, -1.0, 1e-9, 100.0, 1e9};
  for (double b : bounds) {
    values.push_back(b);
    values.push_back(std::nextafter(b, 1e300));
  }
  for (double v : values) {
    h.observe(v);
    direct.Observe(v);
  }
  EXPECT_EQ(batched_series.Collect().histogram.sample_count, 0u) << "visible before publish";
  EXPECT_TRUE(h.pending());
  h.publish();
  EXPECT_FALSE(h.pending());
  expect_same(batched_series, direct);

  // A second batch adds to the first; a publish with nothing new changes nothing.
  for (double v : {2.5e-5, 2.5e-5, 0.3}) {
    h.observe(v);
    direct.Observe(v);
  }
  h.publish();
  h.publish();
  expect_same(batched_series, direct);
}

TEST(BatchedHistogram, ANaNGoesWhereObservePutsIt) {
  const auto& bounds = latency_buckets();
  prometheus::Histogram batched_series(bounds), direct(bounds);
  BatchedHistogram h(batched_series);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h.observe(nan);
  direct.Observe(nan);
  h.observe(1e-3);
  direct.Observe(1e-3);
  h.publish();
  expect_same(batched_series, direct);
  // prometheus-cpp's lower_bound puts a NaN under the first bound (nothing compares less
  // than it); the batch must agree rather than "fix" it, or the two would drift apart.
  const auto got = batched_series.Collect().histogram;
  EXPECT_EQ(got.bucket.front().cumulative_count, 1u);
  EXPECT_EQ(got.bucket.back().cumulative_count, 2u);
}
