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

// Binance USDⓈ-M's documented weights ("Weight" on each endpoint's page): the table the
// client budgets with and the double accounts with.
TEST(RequestWeight, BinancesDocumentedWeights) {
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(request_weight("GET", "/fapi/v1/time", {}), 1);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/exchangeInfo", {}), 1);
  EXPECT_EQ(request_weight("POST", "/fapi/v1/order", P{{"symbol", "BTCUSDT"}}), 0) << "orders count against ORDERS, not the IP weight";
  EXPECT_EQ(request_weight("DELETE", "/fapi/v1/order", P{{"symbol", "BTCUSDT"}}), 1) << "Cancel Order: Weight 1";
  EXPECT_TRUE(is_new_order("POST", "/fapi/v1/algoOrder"));
  EXPECT_FALSE(is_new_order("DELETE", "/fapi/v1/order")) << "a cancel is no new order";
  EXPECT_EQ(request_weight("GET", "/fapi/v1/order", P{{"symbol", "BTCUSDT"}}), 1) << "a query is not an order";
  EXPECT_EQ(request_weight("GET", "/fapi/v1/depth", P{{"symbol", "BTCUSDT"}, {"limit", "50"}}), 2);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/depth", P{{"symbol", "BTCUSDT"}, {"limit", "100"}}), 5);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/depth", P{{"symbol", "BTCUSDT"}}), 10) << "the default limit is 500";
  EXPECT_EQ(request_weight("GET", "/fapi/v1/depth", P{{"symbol", "BTCUSDT"}, {"limit", "1000"}}), 20);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/klines", P{{"limit", "99"}}), 1);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/klines", P{{"limit", "1500"}}), 10);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/openOrders", P{{"symbol", "BTCUSDT"}}), 1);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/openOrders", {}), 40) << "every symbol at once";
  EXPECT_EQ(request_weight("GET", "/fapi/v2/positionRisk", {}), 5);
  EXPECT_EQ(request_weight("GET", "/fapi/v2/balance", {}), 5);
  EXPECT_EQ(request_weight("GET", "/fapi/v1/income", {}), 30);
  EXPECT_EQ(request_weight("POST", "/fapi/v1/countdownCancelAll", {}), 10);
}

// The exchange's side, as the double keeps it: over the minute's weight a 429 with the
// seconds to the next minute, escalating to a 418 ban for a client that keeps on; orders by
// their own 10 s count.
TEST(WeightBook, AnswersOverTheLimitWith429ThenBansAClientThatKeepsOn) {
  WeightBook book({100, 3, 1200}, 2, 120'000);
  const int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % 60'000 + 15'000;  // 15 s into a minute
  for (int i = 0; i < 20; ++i) ASSERT_EQ(book.admit(t0 + i, 5, false).status, 200) << i;
  const auto over = book.admit(t0 + 20, 5, false);
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(over.retry_after_s, 45) << "to the minute's end";
  EXPECT_EQ(over.used_weight, 100) << "a refused request adds nothing";
  EXPECT_NE(over.body.find("\"code\":-1003"), std::string::npos);
  EXPECT_EQ(book.admit(t0 + 21, 0, true).status, 200) << "an order weighs 0 on the IP limit";
  EXPECT_EQ(book.admit(t0 + 22, 1, false).status, 429);
  // A third 429 in the minute with bans_after_429s = 2: banned for 120 s, whatever is asked.
  const auto ban = book.admit(t0 + 23, 1, false);
  EXPECT_EQ(ban.status, 429);
  const auto banned = book.admit(t0 + 24, 0, true);
  EXPECT_EQ(banned.status, 418);
  EXPECT_EQ(banned.retry_after_s, 120);
  EXPECT_EQ(book.admit(t0 + 60'000, 1, false).status, 418) << "a new minute does not lift a ban";
  EXPECT_EQ(book.admit(t0 + 23 + 120'000, 1, false).status, 200) << "the ban ends";
  EXPECT_EQ(book.throttled(), 3u);
  // Orders: 3 per 10 s.
  const int64_t t1 = t0 + 200'000 - (t0 + 200'000) % 10'000;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(book.admit(t1 + i, 0, true).status, 200);
  const auto orders = book.admit(t1 + 3, 0, true);
  EXPECT_EQ(orders.status, 429);
  EXPECT_NE(orders.body.find("\"code\":-1015"), std::string::npos);
  EXPECT_EQ(orders.retry_after_s, 10);
  EXPECT_EQ(orders.orders_10s, 3);
  EXPECT_EQ(book.admit(t1 + 10'000, 0, true).status, 200) << "the next 10 s";
}

// The client's limiter fed the exchange's own headers never meets a 429: it waits for the
// next window instead, and every minute stays within the budget.
TEST(WeightBook, AClientThatFollowsTheHeadersIsNeverThrottled) {
  const RateLimits limits{60, 5, 1200};
  WeightBook exchange(limits);
  RateLimiter client(limits);
  int64_t now = 1'700'000'000'000 - 1'700'000'000'000 % 60'000;
  const int64_t start = now;
  std::map<int64_t, int64_t> weight_by_minute;
  int waits = 0;
  for (int i = 0; i < 200; ++i) {
    const bool order = i % 4 == 0;
    const int64_t weight = order ? 0 : request_weight("GET", "/fapi/v2/positionRisk", {});
    int64_t wait_ms = 0;
    while (client.check(now, weight, order, wait_ms) == RateLimiter::Verdict::kWait) now += wait_ms, ++waits;
    const auto a = exchange.admit(now, weight, order);
    ASSERT_EQ(a.status, 200) << "request " << i << " at +" << (now - start) << " ms";
    std::map<std::string, std::string> headers{{"x-mbx-used-weight-1m", std::to_string(a.used_weight)}};
    if (order) headers.insert({{"x-mbx-order-count-10s", std::to_string(a.orders_10s)}, {"x-mbx-order-count-1m", std::to_string(a.orders_1m)}});
    client.on_response(now, a.status, headers);
    weight_by_minute[now / 60'000] += weight;
    now += 50;
  }
  EXPECT_GT(waits, 0) << "the budget was reached, or the test proves nothing";
  for (const auto& [minute, w] : weight_by_minute) EXPECT_LE(w, limits.weight_per_minute) << "minute " << minute;
  EXPECT_EQ(exchange.throttled(), 0u);
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
