#include <gtest/gtest.h>

#include "fulcrum/strategy/stages.h"
#include "test_support.h"

using namespace fulcrum;

// A live start's history (v1::Header::warmup) moves the features and is never traded, even
// inside the trading window; the same bar live is.
TEST(SignalStage, WarmUpInstantsUpdateFeaturesAndAreNeverTraded) {
  strategy::SignalStage stage({"BTCUSDT"}, {}, 900'000, /*trading_from_ms=*/0);
  features::FeatureSnapshot f;
  f.ready = true;
  f.close = 100;
  f.time_ms = test::kT0;
  const std::vector<strategy::ClosedBar> closed{{0, f}};
  const auto warm = stage.on_instant(test::kT0, closed, /*warmup=*/true);
  EXPECT_FALSE(warm.trading);
  EXPECT_TRUE(warm.entries.empty());
  f.time_ms = test::kT0 + 900'000;
  const auto live = stage.on_instant(test::kT0 + 900'000, {{0, f}});
  EXPECT_TRUE(live.trading);
  ASSERT_EQ(live.entries.size(), 1u);
  EXPECT_EQ(live.entries[0].features.close, 100);
}
