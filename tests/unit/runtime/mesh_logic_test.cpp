// The pure pieces the mesh's parity rests on: the leverage service's snapshot gateway must
// accept and refuse exactly what the venue does, and the wire codecs must carry every
// value bit-exact. Plus the scraping helpers the launcher and tests read metrics with.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "fulcrum/runtime/redis_client.h"
#include "fulcrum/runtime/scrape.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/transport/strategy_codec.h"
#include "test_support.h"

using namespace fulcrum;
using test::kT0;
using core::Money;
using core::Price;
using core::Qty;

namespace {

}  // namespace

TEST(SnapshotGateway, AcceptsAndRefusesExactlyWhatTheVenueDoes) {
  venue::VenueConfig cfg;
  const std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT")};
  venue::PaperVenue v(cfg, specs, Money::from_double(1000), kT0);
  v.on_bar(0, test::bar(kT0, 100'000, 100'500, 99'500, 100'000));
  // An open long, so reduce-only and bracket checks see a position.
  ASSERT_TRUE(v.submit(test::market_order("open", model::Side::kBuy, "0.05", 20), kT0 + 300'000).accepted());
  v.on_bar(0, test::bar(kT0 + 300'000, 100'000, 100'200, 99'800, 100'100));
  ASSERT_FALSE(v.position(0).qty.is_zero());

  const auto view = strategy::view_of(v, 50, kT0 + 600'000);
  const std::vector<model::OrderRequest> cases{
      test::market_order("ok", model::Side::kBuy, "0.001", 20),            // fits
      test::market_order("step", model::Side::kBuy, "0.0015", 20),         // off the 0.001 step
      test::market_order("tiny", model::Side::kBuy, "0.00001", 20),        // off step and under min notional
      test::market_order("lev", model::Side::kBuy, "0.001", 126),          // above any bracket
      test::market_order("big", model::Side::kBuy, "5", 20),               // far beyond the margin
      test::market_order("ro-ok", model::Side::kSell, "0.01", 20, true),   // reduces the long
      test::market_order("ro-bad", model::Side::kBuy, "0.01", 20, true),   // would add: refused
      test::market_order("zero", model::Side::kBuy, "0", 20),
  };
  for (const auto& req : cases) {
    strategy::SnapshotGateway gw(view, specs, cfg.taker_fee);
    venue::PaperVenue copy = v;  // each case on the same state
    const auto want = copy.submit(req, kT0 + 600'000);
    const auto got = gw.submit(req, kT0 + 600'000, "");
    EXPECT_EQ(got.reason, want.reason) << req.client_order_id << ": venue says " << want.detail << ", gateway says " << got.detail;
    EXPECT_EQ(got.detail, want.detail) << req.client_order_id;
    EXPECT_EQ(gw.has_open_orders(0), want.accepted() || view.has_open_orders[0]) << req.client_order_id;
    EXPECT_EQ(gw.take_commands().size(), want.accepted() ? 1u : 0u) << req.client_order_id;
  }
  // Break-even amendments go only to stops that rest at the venue.
  strategy::SnapshotGateway gw(view, specs, cfg.taker_fee);
  EXPECT_FALSE(gw.amend_stop("open.sl", Price::from_double(99'000))) << "the entry had no attached stop";
  EXPECT_EQ(gw.closed_trade_count(), v.closed_trades().size());
}

TEST(StrategyCodec, AccountViewSurvivesTheWireExactly) {
  venue::VenueConfig cfg;
  const std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT"), test::spec("ETHUSDT")};
  venue::PaperVenue v(cfg, specs, Money::from_double(1000), kT0);
  v.on_bar(0, test::bar(kT0, 100'000, 100'500, 99'500, 100'000));
  auto req = test::market_order("a", model::Side::kBuy, "0.05", 10);
  req.attached_stop_price = Price::from_double(98'000);
  ASSERT_TRUE(v.submit(req, kT0 + 300'000).accepted());
  v.on_bar(0, test::bar(kT0 + 300'000, 100'000, 100'200, 99'800, 100'100.3));
  const auto view = strategy::view_of(v, 50, kT0 + 600'000);
  ASSERT_EQ(view.resting_stop_ids, std::vector<std::string>{"a.sl"});

  v1::AccountSnapshot wire;
  transport::to_proto(view, wire);
  v1::AccountSnapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()));
  const auto back = transport::from_proto(parsed, specs.size());
  EXPECT_EQ(back.equity, view.equity);
  EXPECT_EQ(back.available_balance, view.available_balance);
  EXPECT_EQ(back.positions[0].qty, view.positions[0].qty);
  EXPECT_EQ(back.positions[0].entry_price, view.positions[0].entry_price);
  EXPECT_EQ(back.positions[0].isolated_margin, view.positions[0].isolated_margin);
  EXPECT_TRUE(back.positions[1].qty.is_zero());
  EXPECT_EQ(back.has_open_orders, view.has_open_orders);
  EXPECT_EQ(back.last_prices[0], view.last_prices[0]);
  EXPECT_FALSE(back.last_prices[1].has_value());
  EXPECT_EQ(back.resting_stop_ids, view.resting_stop_ids);
  EXPECT_DOUBLE_EQ(back.margin_ratio, view.margin_ratio);

  v1::AccountSnapshot bad = parsed;
  bad.mutable_positions(0)->set_symbol_index(7);
  EXPECT_THROW(transport::from_proto(bad, specs.size()), transport::WireError);
}

TEST(StrategyCodec, FeaturesAndSignalsAreBitExact) {
  strategy::InstantSignals in;
  in.time_ms = kT0;
  in.trading = true;
  in.reference_volatility = 0.1 + 0.2;  // not representable as a short decimal
  in.market_atr_ratio = std::nextafter(1.0, 2.0);
  strategy::InstantEntry e;
  e.symbol = 1;
  e.features.close = 1.0 / 3.0;
  e.features.rsi = 71.123456789012345;
  e.features.vpin = 5e-324;  // the smallest subnormal
  e.features.ready = true;
  signals::Signal sig;
  sig.symbol = "ETHUSDT";
  sig.side = model::Side::kSell;
  sig.reference_price = 3333.3333333333335;
  sig.stop_price = 3400.0000000000005;
  sig.score = 87.5;
  sig.confidence = 0.875;
  e.signal = sig;
  in.entries.push_back(e);
  const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT"};
  v1::InstantSignals wire;
  transport::to_proto(in, symbols, wire);
  v1::InstantSignals parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()));
  const auto back = transport::from_proto(parsed, symbols);
  auto same_bits = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  EXPECT_TRUE(same_bits(back.reference_volatility, in.reference_volatility));
  EXPECT_TRUE(same_bits(back.market_atr_ratio, in.market_atr_ratio));
  ASSERT_EQ(back.entries.size(), 1u);
  EXPECT_EQ(back.entries[0].symbol, 1u);
  EXPECT_TRUE(same_bits(back.entries[0].features.close, e.features.close));
  EXPECT_TRUE(same_bits(back.entries[0].features.rsi, e.features.rsi));
  EXPECT_TRUE(same_bits(back.entries[0].features.vpin, e.features.vpin));
  ASSERT_TRUE(back.entries[0].signal.has_value());
  EXPECT_EQ(back.entries[0].signal->symbol, "ETHUSDT");
  EXPECT_EQ(back.entries[0].signal->side, model::Side::kSell);
  EXPECT_TRUE(same_bits(back.entries[0].signal->stop_price, sig.stop_price));
  EXPECT_TRUE(same_bits(back.entries[0].signal->features.close, e.features.close)) << "the signal carries its features";

  parsed.mutable_entries(0)->mutable_signal()->set_side(v1::SIDE_UNSPECIFIED);
  EXPECT_THROW(transport::from_proto(parsed, symbols), transport::WireError);
}

TEST(Scrape, HistogramQuantileInterpolatesLikePrometheus) {
  // 100 observations: 50 in (0, 1], 40 in (1, 2], 10 in (2, 4]. Worked by hand:
  // p50 → rank 50, the top of the first bucket = 1; p90 → rank 90 = 2;
  // p95 → rank 95, 5 of the 10 into (2, 4] = 3.
  const auto samples = runtime::parse_prometheus_text(
      "# HELP x_seconds test\n# TYPE x_seconds histogram\n"
      "x_seconds_bucket{service=\"a\",le=\"1\"} 50\nx_seconds_bucket{service=\"a\",le=\"2\"} 90\n"
      "x_seconds_bucket{service=\"a\",le=\"4\"} 100\nx_seconds_bucket{service=\"a\",le=\"+Inf\"} 100\n"
      "x_seconds_count{service=\"a\"} 100\nx_seconds_sum{service=\"a\"} 123.5\nbroken line without value\n");
  EXPECT_DOUBLE_EQ(*runtime::histogram_quantile(samples, "x_seconds", 0.5), 1.0);
  EXPECT_DOUBLE_EQ(*runtime::histogram_quantile(samples, "x_seconds", 0.9), 2.0);
  EXPECT_DOUBLE_EQ(*runtime::histogram_quantile(samples, "x_seconds", 0.95), 3.0);
  EXPECT_DOUBLE_EQ(runtime::metric_sum(samples, "x_seconds_sum", {{"service", "a"}}), 123.5);
  EXPECT_DOUBLE_EQ(runtime::metric_sum(samples, "x_seconds_sum", {{"service", "b"}}), 0);
  EXPECT_FALSE(runtime::histogram_quantile(samples, "absent", 0.5).has_value());
}

TEST(RedisUrl, ParsesAndNamesWhatIsWrong) {
  const auto u = runtime::parse_redis_url("redis://10.0.0.5:6380/3");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 3);
  EXPECT_EQ(runtime::parse_redis_url("redis://localhost").port, 6379);
  auto message = [](const std::string& url) {
    try {
      runtime::parse_redis_url(url);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("http://x:1").find("must start with redis://"), std::string::npos);
  EXPECT_NE(message("redis://x:99999").find("port '99999'"), std::string::npos);
  EXPECT_NE(message("redis://x:1/db").find("database 'db'"), std::string::npos);
  EXPECT_NE(message("redis://:1").find("host is empty"), std::string::npos);
}

TEST(RedisClient, AnUnreachableServerIsAnAnswerNotAHang) {
  runtime::RedisClient c(runtime::parse_redis_url("redis://127.0.0.1:1"), std::chrono::milliseconds(200));
  EXPECT_FALSE(c.ping());
  EXPECT_NE(c.last_error().find("127.0.0.1:1"), std::string::npos) << c.last_error();
  EXPECT_FALSE(c.command({"GET", "k"}).has_value()) << "inside the backoff window: refused without dialling";
}
