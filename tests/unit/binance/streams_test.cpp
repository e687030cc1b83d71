#include "fulcrum/binance/streams.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/backoff.h"
#include "fulcrum/binance/rate_limits.h"

using namespace fulcrum::binance;

TEST(Streams, EachStreamGoesToItsRoutedPath) {
  EXPECT_EQ(path_of("btcusdt@bookTicker"), StreamPath::kPublic);
  EXPECT_EQ(path_of("btcusdt@depth@100ms"), StreamPath::kPublic);
  EXPECT_EQ(path_of("btcusdt@depth20@100ms"), StreamPath::kPublic);
  EXPECT_EQ(path_of("btcusdt@trade"), StreamPath::kPublic);
  EXPECT_EQ(path_of("btcusdt@aggTrade"), StreamPath::kMarket);
  EXPECT_EQ(path_of("btcusdt@markPrice@1s"), StreamPath::kMarket);
  EXPECT_EQ(path_of("btcusdt@kline_5m"), StreamPath::kMarket);
  EXPECT_THROW(path_of("btcusdt@bookTickr"), std::invalid_argument);
  EXPECT_THROW(path_of("btcusdt"), std::invalid_argument);
}

TEST(Streams, ConnectionsSplitByPathAndAtTheLimit) {
  std::vector<std::string> streams;
  for (int i = 0; i < 206; ++i) {
    const auto s = symbol_streams("SYM" + std::to_string(i) + "USDT", "5m");
    streams.insert(streams.end(), s.begin(), s.end());
  }
  ASSERT_EQ(streams.size(), 1030u);  // 412 public, 618 market
  const auto plan = plan_connections(streams, 400);
  ASSERT_EQ(plan.size(), 2u + 2u);
  EXPECT_EQ(plan[0].path, StreamPath::kPublic);
  EXPECT_EQ(plan[0].streams.size(), 400u);
  EXPECT_EQ(plan[1].streams.size(), 12u);
  EXPECT_EQ(plan[2].path, StreamPath::kMarket);
  EXPECT_EQ(plan[2].streams.size(), 400u);
  EXPECT_EQ(plan[3].streams.size(), 218u);
  EXPECT_EQ(plan_connections(streams).size(), 2u);  // 1024 a connection: one per path
  const auto one = plan_connections(symbol_streams("BTCUSDT", "1m"));
  EXPECT_EQ(one[0].url("wss://fstream.binance.com/"), "wss://fstream.binance.com/public/stream?streams=btcusdt@bookTicker/btcusdt@depth@100ms");
  EXPECT_EQ(one[1].target(), "/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s/btcusdt@kline_1m");
}

TEST(Backoff, GrowsToItsCapWithJitterAndResets) {
  Backoff b(100, 5'000);
  EXPECT_EQ(b.ceiling_ms(), 100);
  EXPECT_EQ(b.next_ms(0.5), 50);
  EXPECT_EQ(b.ceiling_ms(), 200);
  EXPECT_EQ(b.next_ms(0.999), 199);
  for (int i = 0; i < 100; ++i) EXPECT_LE(b.next_ms(0.999999), 5'000);
  EXPECT_EQ(b.ceiling_ms(), 5'000);
  EXPECT_EQ(b.next_ms(0), 0);
  b.reset();
  EXPECT_EQ(b.ceiling_ms(), 100);
}

TEST(RateLimiter, FollowsTheExchangesCountersAndStopsOnABan) {
  RateLimiter rl({100, 5, 10});
  int64_t wait = 0;
  const int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % 60'000 + 1'000;  // 1 s into a minute
  EXPECT_EQ(rl.check(t0, 10, false, wait), RateLimiter::Verdict::kSend);
  rl.on_response(t0, 200, {{"x-mbx-used-weight-1m", "95"}, {"x-mbx-order-count-10s", "4"}, {"x-mbx-order-count-1m", "4"}});
  EXPECT_EQ(rl.check(t0 + 10, 10, false, wait), RateLimiter::Verdict::kWait);
  EXPECT_EQ(wait, 59'000 - 10);
  EXPECT_EQ(rl.check(t0 + 10, 5, true, wait), RateLimiter::Verdict::kSend);
  rl.on_response(t0 + 20, 200, {{"x-mbx-order-count-10s", "5"}});
  EXPECT_EQ(rl.check(t0 + 30, 1, true, wait), RateLimiter::Verdict::kWait);  // 10 s order count
  EXPECT_EQ(rl.check(t0 + 60'000, 10, true, wait), RateLimiter::Verdict::kSend);  // a new minute
  rl.on_response(t0 + 60'000, 429, {{"retry-after", "7"}});
  EXPECT_EQ(rl.check(t0 + 61'000, 1, false, wait), RateLimiter::Verdict::kWait);
  EXPECT_EQ(wait, 6'000);
  EXPECT_EQ(rl.throttled(), 1u);
  rl.on_response(t0 + 70'000, 418, {{"retry-after", "3600"}});
  EXPECT_EQ(rl.check(t0 + 80'000, 1, false, wait), RateLimiter::Verdict::kBanned);
  EXPECT_TRUE(rl.banned(t0 + 70'000 + 3'599'999));
  EXPECT_FALSE(rl.banned(t0 + 70'000 + 3'600'000));
  rl.on_response(t0, 200, {{"x-mbx-used-weight-1m", "-3"}, {"x-mbx-order-count-10s", "12abc"}});  // garbage ignored
  EXPECT_EQ(rl.used_weight(), 95);
}
