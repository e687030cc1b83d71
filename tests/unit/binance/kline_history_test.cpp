#include "fulcrum/binance/kline_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/marketdata/readers.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;

namespace {

// Binance's documented klines semantics over a real series, written independently of the
// client: `now` is the index of the bar still open; rows open at or before endTime, the
// last `limit` of them (no startTime is used by the client).
struct FakeKlines {
  std::vector<model::Bar> bars;
  size_t now = 0;
  std::vector<std::string> targets;
  std::vector<int> weights;
  PublicAnswer operator()(const std::string& target, int weight) {
    targets.push_back(target);
    weights.push_back(weight);
    std::map<std::string, std::string> q;
    for (size_t at = target.find('?') + 1; at < target.size();) {
      const auto amp = std::min(target.find('&', at), target.size());
      const auto kv = target.substr(at, amp - at);
      q[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
      at = amp + 1;
    }
    const auto limit = static_cast<size_t>(std::stoll(q.at("limit")));
    if (limit > kKlinesMaxLimit) return {400, R"({"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."})"};
    std::vector<model::Bar> rows;
    for (size_t i = 0; i <= now && i < bars.size(); ++i)
      if (!q.count("endTime") || bars[i].open_time_ms <= std::stoll(q.at("endTime"))) rows.push_back(bars[i]);
    if (rows.size() > limit) rows.erase(rows.begin(), rows.end() - static_cast<std::ptrdiff_t>(limit));
    return {200, klines_json(rows)};
  }
};

std::vector<model::Bar> sample_bars() {
  auto series = marketdata::read_klines(test::sample_dir() + "/klines-5m/BTCUSDT.csv.gz");
  return series.bars;
}

}  // namespace

TEST(KlineRows, ParseWhatTheDoubleWritesBackExactly) {
  const auto bars = sample_bars();
  ASSERT_GT(bars.size(), 100u);
  const std::vector<model::Bar> some(bars.begin(), bars.begin() + 50);
  std::string error;
  const auto back = parse_klines(klines_json(some), "5m", error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->size(), some.size());
  for (size_t i = 0; i < some.size(); ++i) {
    EXPECT_EQ((*back)[i].open_time_ms, some[i].open_time_ms);
    EXPECT_EQ((*back)[i].interval_ms, 300'000);
    EXPECT_EQ((*back)[i].open, some[i].open);
    EXPECT_EQ((*back)[i].high, some[i].high);
    EXPECT_EQ((*back)[i].low, some[i].low);
    EXPECT_EQ((*back)[i].close, some[i].close);
    EXPECT_EQ((*back)[i].volume, some[i].volume);
  }
}

TEST(KlineRows, BinanceDocumentedExampleParses) {
  // The example row of Binance's "Kline/Candlestick Data" page (1m interval implied by times).
  const std::string doc =
      R"([[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499040059999,"2434.19055334",308,"1756.87402397","28.46694368","17928899.62484339"]])";
  std::string error;
  const auto rows = parse_klines(doc, "1m", error);
  ASSERT_TRUE(rows) << error;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].open_time_ms, 1499040000000);
  EXPECT_EQ((*rows)[0].high.str(), "0.8");
  EXPECT_EQ((*rows)[0].volume.str(), "148976.11427815");
  ASSERT_TRUE((*rows)[0].taker_buy_volume);
  EXPECT_EQ((*rows)[0].taker_buy_volume->str(), "1756.87402397");
}

TEST(KlineRows, AMalformedRowIsNamedNeverZero) {
  const auto row = [](const std::string& open, const std::string& high, int64_t close_ms) {
    return "[1499040000000,\"" + open + "\",\"" + high + "\",\"1\",\"1.5\",\"10\"," + std::to_string(close_ms) + ",\"0\",3,\"4\",\"0\",\"0\"]";
  };
  const std::string good = row("1", "2", 1499040059999);
  std::string error;
  EXPECT_FALSE(parse_klines("[" + good + "," + row("abc", "2", 1499040059999) + "]", "1m", error));
  EXPECT_NE(error.find("row 2"), std::string::npos) << error;
  EXPECT_NE(error.find("'open'"), std::string::npos) << error;
  EXPECT_FALSE(parse_klines("[" + row("1", "2", 1499040299999) + "]", "1m", error));  // a 5m bar's closeTime
  EXPECT_NE(error.find("closeTime"), std::string::npos) << error;
  EXPECT_FALSE(parse_klines("[" + good + "," + good + "]", "1m", error));  // not after the row before
  EXPECT_NE(error.find("row 2, openTime"), std::string::npos) << error;
  EXPECT_FALSE(parse_klines("[" + row("1", "0.5", 1499040059999) + "]", "1m", error));  // high below low
  EXPECT_FALSE(parse_klines("[[1499040000000,\"1\"]]", "1m", error));
  EXPECT_NE(error.find("2 columns"), std::string::npos) << error;
  EXPECT_FALSE(parse_klines(R"({"code":-1121,"msg":"Invalid symbol."})", "1m", error));
  EXPECT_FALSE(parse_klines("[" + good + "]", "7x", error));
  EXPECT_FALSE(parse_klines("[" + good.substr(0, 20), "1m", error));
  const auto empty = parse_klines("[]", "1m", error);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(KlineHistory, PagesBackAndLeavesTheOpenBarOut) {
  FakeKlines fake;
  fake.bars = sample_bars();
  ASSERT_GT(fake.bars.size(), 4000u);
  fake.now = 4000;  // bar 4000 is still open
  std::string error;
  const auto got = read_closed_klines(std::ref(fake), "BTCUSDT", "5m", 3200, error);
  ASSERT_TRUE(got) << error;
  ASSERT_EQ(got->size(), 3200u);
  // Exactly the 3 200 bars before the open one, in order.
  for (size_t i = 0; i < got->size(); ++i) {
    ASSERT_EQ((*got)[i].open_time_ms, fake.bars[800 + i].open_time_ms) << i;
    ASSERT_EQ((*got)[i].close, fake.bars[800 + i].close) << i;
  }
  // 3 201 rows asked for (one open): pages of 1 500, 1 500 and 201, at the documented weights.
  ASSERT_EQ(fake.targets.size(), 3u);
  EXPECT_EQ(fake.targets[0], "/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=1500");
  EXPECT_EQ(fake.targets[1], "/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=1500&endTime=" + std::to_string(fake.bars[2501].open_time_ms - 1));
  EXPECT_EQ(fake.targets[2], "/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=201&endTime=" + std::to_string(fake.bars[1001].open_time_ms - 1));
  EXPECT_EQ(fake.weights, (std::vector<int>{10, 10, 2}));
}

TEST(KlineHistory, AYoungSymbolGivesWhatItHas) {
  FakeKlines fake;
  fake.bars = sample_bars();
  fake.now = 30;
  std::string error;
  const auto got = read_closed_klines(std::ref(fake), "BTCUSDT", "5m", 500, error);
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(got->size(), 30u);
  EXPECT_EQ(fake.targets.size(), 1u);  // a short first page: the listing starts there
  EXPECT_EQ(got->back().open_time_ms, fake.bars[29].open_time_ms);
}

TEST(KlineHistory, AFailedPageIsNamed) {
  FakeKlines fake;
  fake.bars = sample_bars();
  fake.now = 3000;
  int calls = 0;
  const PublicGet flaky = [&](const std::string& target, int weight) -> PublicAnswer {
    if (++calls == 2) return {429, R"({"code":-1003,"msg":"Too many requests."})"};
    return fake(target, weight);
  };
  std::string error;
  EXPECT_FALSE(read_closed_klines(flaky, "BTCUSDT", "5m", 2000, error));
  EXPECT_NE(error.find("BTCUSDT page 2: HTTP 429"), std::string::npos) << error;
  const PublicGet dead = [](const std::string&, int) -> PublicAnswer { throw std::runtime_error("connect to localhost:1 refused"); };
  EXPECT_FALSE(read_closed_klines(dead, "ETHUSDT", "5m", 10, error));
  EXPECT_NE(error.find("ETHUSDT page 1: connect to localhost:1 refused"), std::string::npos) << error;
}

TEST(KlineHistory, RequestWeightsAreBinances) {
  EXPECT_EQ(kline_request_weight(1), 1);
  EXPECT_EQ(kline_request_weight(99), 1);
  EXPECT_EQ(kline_request_weight(100), 2);
  EXPECT_EQ(kline_request_weight(499), 2);
  EXPECT_EQ(kline_request_weight(500), 5);
  EXPECT_EQ(kline_request_weight(1000), 5);
  EXPECT_EQ(kline_request_weight(1001), 10);
  EXPECT_EQ(kline_request_weight(1500), 10);
}
