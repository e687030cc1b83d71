// The paper venue against hand-computed scenarios: fills along the bar path, fees,
// attached stops, trailing stops, funding at mark, liquidation by Binance's formula.
#include <gtest/gtest.h>

#include "fulcrum/risk/margin.h"
#include "fulcrum/venue/paper_venue.h"
#include "test_support.h"

using namespace fulcrum;
using core::Money;
using core::Price;
using core::Qty;
using core::Rate;
using test::bar;
using test::k5m;
using test::kT0;

namespace {


venue::VenueConfig zero_cost() {
  venue::VenueConfig c;
  c.slippage = Rate{};
  return c;
}


venue::PaperVenue make_venue(venue::VenueConfig cfg = zero_cost(), double deposit = 10'000) {
  venue::PaperVenue v(cfg, {test::spec("BTCUSDT")}, Money::from_double(deposit), kT0);
  v.on_bar(0, bar(kT0, 50'000, 50'000, 50'000, 50'000));  // a first price
  return v;
}

}  // namespace

TEST(PaperVenue, MarketOrderFillsAtNextOpenAndChargesTakerFee) {
  auto v = make_venue();
  ASSERT_TRUE(v.submit(test::market_order("a", model::Side::kBuy, "0.1"), kT0 + k5m).accepted());
  EXPECT_TRUE(v.position(0).qty.is_zero()) << "nothing fills before the next bar";
  v.on_bar(0, bar(kT0 + k5m, 50'100, 50'200, 50'000, 50'150));
  ASSERT_EQ(v.fills().size(), 1u);
  EXPECT_EQ(v.fills()[0].price, Price::from_int(50'100));
  // 0.1 · 50 100 · 0.05 % = 2.505
  EXPECT_EQ(v.fills()[0].fee, Money::from_double(2.505));
  EXPECT_EQ(v.wallet_balance(), Money::from_double(10'000 - 2.505));
  EXPECT_EQ(v.position(0).isolated_margin, Money::from_double(501.0));  // 5 010 / 10x
}

TEST(PaperVenue, SlippageIsAdverseAndOnTheTick) {
  venue::VenueConfig cfg = zero_cost();
  cfg.slippage = Rate::from_double(0.001);  // 10 bps
  auto v = make_venue(cfg);
  ASSERT_TRUE(v.submit(test::market_order("a", model::Side::kBuy, "0.01"), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000.05, 50'100, 49'900, 50'000));
  // 50 000.05 · 1.001 = 50 050.05005 → ceiling on the 0.1 tick = 50 050.1
  EXPECT_EQ(v.fills()[0].price, *Price::parse("50050.1"));
}

TEST(PaperVenue, AttachedStopClosesTheEntryWithinTheSameBar) {
  auto v = make_venue();
  auto req = test::market_order("e", model::Side::kBuy, "0.1");
  req.attached_stop_price = Price::from_int(49'000);
  ASSERT_TRUE(v.submit(req, kT0).accepted());
  // Down bar: open 50 000 → high 50 100 → low 48 800 → close 48 900.
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'100, 48'800, 48'900));
  ASSERT_EQ(v.fills().size(), 2u);
  EXPECT_EQ(v.fills()[1].price, Price::from_int(49'000));
  EXPECT_TRUE(v.position(0).qty.is_zero());
  ASSERT_EQ(v.closed_trades().size(), 1u);
  EXPECT_FALSE(v.closed_trades()[0].liquidated);
  EXPECT_EQ(v.closed_trades()[0].realized_pnl, Money::from_int(-100));
}

TEST(PaperVenue, AttachedStopFiresOnALaterBar) {
  auto v = make_venue();
  auto req = test::market_order("e", model::Side::kBuy, "0.1");
  req.attached_stop_price = Price::from_int(49'000);
  ASSERT_TRUE(v.submit(req, kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'200, 49'900, 50'100));
  ASSERT_FALSE(v.position(0).qty.is_zero());
  v.on_bar(0, bar(kT0 + 2 * k5m, 50'100, 50'100, 48'000, 48'500));
  EXPECT_TRUE(v.position(0).qty.is_zero());
  EXPECT_EQ(v.fills().back().price, Price::from_int(49'000));
}

TEST(PaperVenue, RestingLimitFillsAtItsPriceAsMaker) {
  auto v = make_venue();
  auto req = test::market_order("l", model::Side::kBuy, "0.2");
  req.type = model::OrderType::kLimit;
  req.limit_price = Price::from_int(49'500);
  ASSERT_TRUE(v.submit(req, kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'100, 49'600, 49'800));
  EXPECT_TRUE(v.fills().empty());
  v.on_bar(0, bar(kT0 + 2 * k5m, 49'800, 49'900, 49'400, 49'450));
  ASSERT_EQ(v.fills().size(), 1u);
  EXPECT_EQ(v.fills()[0].price, Price::from_int(49'500));
  EXPECT_EQ(v.fills()[0].liquidity, model::Liquidity::kMaker);
  EXPECT_EQ(v.fills()[0].fee, Money::from_double(49'500 * 0.2 * 0.0002));
}

TEST(PaperVenue, TrailingStopArmsAtActivationAndTriggersOnTheCallback) {
  auto v = make_venue();
  auto req = test::market_order("t", model::Side::kBuy, "0.1");
  req.attached_trailing_activation = Price::from_int(51'000);
  req.attached_trailing_callback = Rate::from_double(0.01);
  ASSERT_TRUE(v.submit(req, kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'500, 49'900, 50'400));  // not armed yet
  v.on_bar(0, bar(kT0 + 2 * k5m, 50'400, 52'000, 50'300, 51'900));  // armed at 51 000 → extreme 52 000
  EXPECT_FALSE(v.position(0).qty.is_zero());
  v.on_bar(0, bar(kT0 + 3 * k5m, 51'900, 51'950, 51'300, 51'400));  // trigger 52 000 · 0.99 = 51 480
  ASSERT_TRUE(v.position(0).qty.is_zero());
  EXPECT_EQ(v.fills().back().price, Price::from_int(51'480));
  EXPECT_EQ(v.closed_trades()[0].realized_pnl, Money::from_int(148));  // (51 480 − 50 000) · 0.1
}

TEST(PaperVenue, ReduceOnlyPartialCloseAndRejectionsNameTheRule) {
  auto v = make_venue();
  ASSERT_TRUE(v.submit(test::market_order("o", model::Side::kBuy, "0.3"), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  auto close = test::market_order("c", model::Side::kSell, "0.1");
  close.reduce_only = true;
  ASSERT_TRUE(v.submit(close, kT0).accepted());
  v.on_bar(0, bar(kT0 + 2 * k5m, 51'000, 51'000, 51'000, 51'000));
  EXPECT_EQ(v.position(0).qty, *Qty::parse("0.2"));
  EXPECT_EQ(v.fills().back().realized_pnl, Money::from_int(100));

  EXPECT_EQ(v.submit(test::market_order("o", model::Side::kBuy, "0.1"), kT0).reason, venue::RejectReason::kDuplicateClientOrderId);
  EXPECT_EQ(v.submit(test::market_order("s", model::Side::kBuy, "0.0005"), kT0).reason, venue::RejectReason::kQuantityNotOnStep);
  EXPECT_EQ(v.submit(test::market_order("n", model::Side::kBuy, "0.0001"), kT0).reason, venue::RejectReason::kQuantityNotOnStep);
  auto tiny = test::market_order("m", model::Side::kBuy, "0.001");
  venue::PaperVenue strict(zero_cost(), {test::spec("BTCUSDT", "0.1", "0.001", 100)}, Money::from_int(10'000), kT0);
  strict.on_bar(0, bar(kT0, 50'000, 50'000, 50'000, 50'000));
  EXPECT_EQ(strict.submit(tiny, kT0).reason, venue::RejectReason::kBelowMinNotional);  // 50 < 100
  auto lim = test::market_order("p", model::Side::kBuy, "0.1");
  lim.type = model::OrderType::kLimit;
  lim.limit_price = *Price::parse("49999.95");
  EXPECT_EQ(v.submit(lim, kT0).reason, venue::RejectReason::kPriceNotOnTick);
  auto huge = test::market_order("h", model::Side::kBuy, "10", 20);  // 500 000 of notional on ~9 500 of margin
  EXPECT_EQ(v.submit(huge, kT0).reason, venue::RejectReason::kInsufficientMargin);
  auto lev = test::market_order("x", model::Side::kBuy, "0.1", 126);
  EXPECT_EQ(v.submit(lev, kT0).reason, venue::RejectReason::kLeverageAboveBracket);
  auto ro = test::market_order("r", model::Side::kBuy, "0.1");
  ro.reduce_only = true;  // a buy cannot reduce a long
  EXPECT_EQ(v.submit(ro, kT0).reason, venue::RejectReason::kReduceOnlyWithoutPosition);
  auto other = test::market_order("u", model::Side::kBuy, "0.1");
  other.symbol = "ETHUSDT";
  EXPECT_EQ(v.submit(other, kT0).reason, venue::RejectReason::kUnknownSymbol);
}

TEST(PaperVenue, FundingIsChargedAtMarkAndLongsPayWhenPositive) {
  auto v = make_venue();
  ASSERT_TRUE(v.submit(test::market_order("f", model::Side::kBuy, "2", 20), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  model::Bar mark = bar(kT0 + k5m, 50'010, 50'020, 50'000, 50'012.5, 0, 3'600'000);
  mark.open_time_ms = kT0;  // an hourly mark bar whose close is the mark at the event
  v.on_mark_bar(0, mark);
  const Money before = v.wallet_balance();
  v.on_funding(0, {kT0 + 3'600'000, 8, *Rate::parse("0.0001")});
  // 2 · 50 012.5 · 0.0001 = 10.0025 paid by the long
  EXPECT_EQ(v.wallet_balance() - before, -*Money::parse("10.0025"));
  EXPECT_EQ(v.ledger().entries().back().kind, venue::LedgerKind::kFunding);
  v.on_funding(0, {kT0 + 2 * 3'600'000, 8, *Rate::parse("-0.0002")});
  EXPECT_EQ(v.ledger().entries().back().amount, *Money::parse("20.005"));
}

TEST(PaperVenue, IsolatedLiquidationAtBinancesPriceWithTheFeeCappedByMargin) {
  venue::VenueConfig cfg = zero_cost();
  cfg.taker_fee = Rate{};
  auto v = make_venue(cfg);
  ASSERT_TRUE(v.submit(test::market_order("L", model::Side::kBuy, "1", 20), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  // WB = 2 500 → Binance LP 47 690.763… (see margin_test), on the 0.1 tick: 47 690.8.
  const auto lp = v.liquidation_price(0);
  ASSERT_TRUE(lp.has_value());
  EXPECT_NEAR(lp->to_double(), 47'500.0 / 0.996, 1e-7);
  v.on_bar(0, bar(kT0 + 2 * k5m, 50'000, 50'000, 47'000, 47'200));
  ASSERT_TRUE(v.position(0).qty.is_zero());
  EXPECT_EQ(v.liquidations(), 1u);
  const auto& f = v.fills().back();
  EXPECT_EQ(f.liquidity, model::Liquidity::kLiquidation);
  EXPECT_EQ(f.price, *Price::parse("47690.8"));
  // Loss 2 309.2 leaves 190.8 of margin; 1.25 % of 47 690.8 (596.135) is capped to it.
  EXPECT_EQ(f.realized_pnl, -*Money::parse("2309.2"));
  EXPECT_EQ(f.fee, *Money::parse("190.8"));
  EXPECT_EQ(v.wallet_balance(), Money::from_int(10'000 - 2'500)) << "an isolated position loses its margin, no more";
  EXPECT_TRUE(v.closed_trades()[0].liquidated);
}

TEST(PaperVenue, CrossLiquidationUsesTheWholeWallet) {
  venue::VenueConfig cfg = zero_cost();
  cfg.taker_fee = Rate{};
  cfg.margin_mode = model::MarginMode::kCross;
  auto v = make_venue(cfg, 3'000);
  ASSERT_TRUE(v.submit(test::market_order("C", model::Side::kBuy, "1", 20), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  // Cross wallet 3 000: (3 000 − 50 000) / (0.004 − 1) = 47 188.75…
  ASSERT_TRUE(v.liquidation_price(0).has_value());
  EXPECT_NEAR(v.liquidation_price(0)->to_double(), 47'000.0 / 0.996, 1e-7);
  v.on_bar(0, bar(kT0 + 2 * k5m, 50'000, 50'000, 47'500, 47'600));
  EXPECT_FALSE(v.position(0).qty.is_zero()) << "isolated at 2 500 would be gone; cross survives";
  v.on_bar(0, bar(kT0 + 3 * k5m, 47'600, 47'600, 47'000, 47'100));
  EXPECT_TRUE(v.position(0).qty.is_zero());
  EXPECT_EQ(v.fills().back().price, *Price::parse("47188.8"));
}

TEST(PaperVenue, LedgerConservesMoneyThroughARandomSession) {
  auto v = make_venue(venue::VenueConfig{});
  uint64_t seed = 12345;
  auto next = [&] { return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  double price = 50'000;
  for (int i = 0; i < 2000; ++i) {
    const double o = price, c = std::max(1000.0, price * (1 + (static_cast<double>(next() % 2001) - 1000) / 50'000.0));
    const double h = std::max(o, c) * 1.002, l = std::min(o, c) * 0.998;
    v.on_bar(0, bar(kT0 + (i + 1) * k5m, o, h, l, c));
    price = c;
    if (i % 97 == 0) v.on_funding(0, {kT0 + (i + 1) * k5m, 8, Rate::from_double((static_cast<double>(next() % 21) - 10) * 1e-5)});
    if (v.position(0).qty.is_zero() && !v.has_open_orders(0) && next() % 4 == 0) {
      auto r = test::market_order("o" + std::to_string(i), next() % 2 ? model::Side::kBuy : model::Side::kSell, "0.05", 20);
      r.attached_stop_price = Price::from_double(r.side == model::Side::kBuy ? c * 0.98 : c * 1.02);
      r.attached_trailing_callback = Rate::from_double(0.01);
      v.submit(r, kT0 + (i + 1) * k5m);
    }
  }
  if (!v.position(0).qty.is_zero()) {
    auto close = test::market_order("close", v.position(0).qty.raw > 0 ? model::Side::kSell : model::Side::kBuy, "0.05");
    close.reduce_only = true;
    ASSERT_TRUE(v.submit(close, kT0 + 2001 * k5m).accepted());
    v.on_bar(0, bar(kT0 + 2001 * k5m, price, price, price, price));
  }
  ASSERT_TRUE(v.position(0).qty.is_zero());
  Money sum;
  for (const auto& e : v.ledger().entries()) sum += e.amount;
  EXPECT_EQ(sum, v.wallet_balance());
  Money trades_net;
  for (const auto& t : v.closed_trades()) trades_net += t.net_pnl();
  EXPECT_EQ(Money::from_int(10'000) + trades_net, v.wallet_balance()) << "every cash movement belongs to a trade";
  EXPECT_GT(v.closed_trades().size(), 20u);
}
