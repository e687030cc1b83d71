#include <gtest/gtest.h>

#include <map>

#include "fulcrum/marketdata/aggregation.h"
#include "fulcrum/marketdata/readers.h"
#include "test_support.h"

using namespace fulcrum;

TEST(BarAggregator, FiveMinuteToFifteenAndHourOnRealDataMatchesABatchGrouping) {
  const auto s = marketdata::read_klines(test::sample_dir() + "/klines-5m/BTCUSDT.csv.gz");
  for (core::TimestampMs target : {15 * core::kMsPerMinute, core::kMsPerHour}) {
    std::vector<model::Bar> out;
    marketdata::BarAggregator agg(target, [&](const model::Bar& b, bool partial) {
      EXPECT_FALSE(partial);
      out.push_back(b);
    });
    for (const auto& b : s.bars) agg.on_bar(b);
    // The oracle: group by bucket start, then fold.
    std::map<core::TimestampMs, std::vector<const model::Bar*>> groups;
    for (const auto& b : s.bars) groups[b.open_time_ms - b.open_time_ms % target].push_back(&b);
    ASSERT_EQ(out.size(), groups.size());
    size_t i = 0;
    for (const auto& [start, members] : groups) {
      const auto& a = out[i++];
      EXPECT_EQ(a.open_time_ms, start);
      EXPECT_EQ(a.open, members.front()->open);
      EXPECT_EQ(a.close, members.back()->close);
      core::Price hi = members.front()->high, lo = members.front()->low;
      core::Qty vol;
      for (auto* m : members) hi = std::max(hi, m->high), lo = std::min(lo, m->low), vol += m->volume;
      EXPECT_EQ(a.high, hi);
      EXPECT_EQ(a.low, lo);
      EXPECT_EQ(a.volume, vol);
    }
  }
}

TEST(BarAggregator, AGapMakesAPartialBucketAndInventsNothing) {
  std::vector<std::pair<model::Bar, bool>> out;
  marketdata::BarAggregator agg(15 * core::kMsPerMinute, [&](const model::Bar& b, bool partial) { out.emplace_back(b, partial); });
  agg.on_bar(test::bar(0, 10, 11, 9, 10.5));
  agg.on_bar(test::bar(300'000, 10.5, 12, 10, 11));
  // 600 000 is missing; the next bar opens a new bucket.
  agg.on_bar(test::bar(900'000, 11, 11.5, 10.8, 11.2));
  agg.flush();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].second);
  EXPECT_EQ(out[0].first.close, core::Price::from_double(11));
  EXPECT_EQ(out[0].first.volume, core::Qty::from_int(200));
  EXPECT_TRUE(out[1].second) << "flushed before its last sub-bar";
  EXPECT_EQ(agg.partial_buckets(), 2u);
}
