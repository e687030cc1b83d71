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

namespace {

constexpr core::TimestampMs kT0 = 1'735'689'600'000;  // 2025-01-01
constexpr core::TimestampMs k5m = 300'000;

venue::VenueConfig zero_cost() {
  venue::VenueConfig c;
  c.slippage = Rate{};
  return c;
}

model::OrderRequest market(const std::string& id, model::Side side, const char* qty, int lev = 10) {
  model::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "BTCUSDT";
  r.side = side;
  r.quantity = *Qty::parse(qty);
  r.leverage_x = lev;
  return r;
}

venue::PaperVenue make_venue(venue::VenueConfig cfg = zero_cost(), double deposit = 10'000) {
  venue::PaperVenue v(cfg, {test::spec("BTCUSDT")}, Money::from_double(deposit), kT0);
  v.on_bar(0, bar(kT0, 50'000, 50'000, 50'000, 50'000));  // a first price
  return v;
}

}  // namespace

TEST(PaperVenue, MarketOrderFillsAtNextOpenAndChargesTakerFee) {
  auto v = make_venue();
  ASSERT_TRUE(v.submit(market("a", model::Side::kBuy, "0.1"), kT0 + k5m).accepted());
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
  ASSERT_TRUE(v.submit(market("a", model::Side::kBuy, "0.01"), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000.05, 50'100, 49'900, 50'000));
  // 50 000.05 · 1.001 = 50 050.05005 → ceiling on the 0.1 tick = 50 050.1
  EXPECT_EQ(v.fills()[0].price, *Price::parse("50050.1"));
}

TEST(PaperVenue, AttachedStopClosesTheEntryWithinTheSameBar) {
  auto v = make_venue();
  auto req = market("e", model::Side::kBuy, "0.1");
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
  auto req = market("e", model::Side::kBuy, "0.1");
  req.attached_stop_price = Price::from_int(49'000);
  ASSERT_TRUE(v.submit(req, kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'200, 49'900, 50'100));
  ASSERT_FALSE(v.position(0).qty.is_zero());
  v.on_bar(0, bar(kT0 + 2 * k5m, 50'100, 50'100, 48'000, 48'500));
  EXPECT_TRUE(v.position(0).qty.is_zero());
  EXPECT_EQ(v.fills().back().price, Price::from_int(49'000));
}
