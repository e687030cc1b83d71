// The venue's cost models alone, each against a worked example, and one swapped into a
// PaperVenue to show the seam: the matching is unchanged, only the cost moves.
#include <gtest/gtest.h>

#include "fulcrum/venue/paper_venue.h"
#include "test_support.h"

using namespace fulcrum;
using core::Money;
using core::Price;
using core::Qty;
using core::Rate;
using model::Liquidity;
using model::OrderType;
using model::Side;

namespace {
model::OrderRequest order(Side side, OrderType type) {
  model::OrderRequest r;
  r.client_order_id = "o";
  r.symbol = "BTCUSDT";
  r.side = side;
  r.type = type;
  r.quantity = *Qty::parse("0.01");
  r.leverage_x = 5;
  return r;
}
}  // namespace

TEST(VenueModels, SlippageIsAdverseAndRoundedAgainstTheTrader) {
  const venue::SlippageFillModel fill(Rate::from_double(0.0002));
  const auto spec = test::spec("BTCUSDT", "0.1");
  // 100.00 · 1.0002 = 100.02 → up to the tick for a buy: 100.1; 99.98 → down for a sell: 99.9.
  EXPECT_EQ(fill.execution_price(order(Side::kBuy, OrderType::kMarket), *Price::parse("100.00"), spec), *Price::parse("100.1"));
  EXPECT_EQ(fill.execution_price(order(Side::kSell, OrderType::kStopMarket), *Price::parse("100.00"), spec), *Price::parse("99.9"));
  // On the tick already after slippage: no extra tick. 50 000 · 1.0002 = 50 010.0.
  EXPECT_EQ(fill.execution_price(order(Side::kBuy, OrderType::kTrailingStop), *Price::parse("50000"), spec), *Price::parse("50010"));
  // A limit fills where it was touched.
  EXPECT_EQ(fill.execution_price(order(Side::kBuy, OrderType::kLimit), *Price::parse("100.03"), spec), *Price::parse("100.03"));
}

TEST(VenueModels, MakerAndTakerFeesOnTheNotional) {
  const venue::MakerTakerFeeModel fees(Rate::from_double(0.0002), Rate::from_double(0.0005));
  // 0.5 BTC at 60 000 = 30 000 USDT: maker 2 bps = 6, taker 5 bps = 15.
  EXPECT_EQ(fees.fee(*Price::parse("60000"), *Qty::parse("0.5"), Liquidity::kMaker), *Money::parse("6"));
  EXPECT_EQ(fees.fee(*Price::parse("60000"), *Qty::parse("0.5"), Liquidity::kTaker), *Money::parse("15"));
}

TEST(VenueModels, FundingAtTheMarkLongsPayWhenTheRateIsPositive) {
  const venue::MarkPriceFundingModel funding;
  // 2 BTC at a mark of 50 000 = 100 000; 0.01 % of it is 10.
  EXPECT_EQ(funding.payment(*Qty::parse("2"), *Price::parse("50000"), *Rate::parse("0.0001")), *Money::parse("-10"));
  EXPECT_EQ(funding.payment(*Qty::parse("-2"), *Price::parse("50000"), *Rate::parse("0.0001")), *Money::parse("10"));
  EXPECT_EQ(funding.payment(*Qty::parse("2"), *Price::parse("50000"), *Rate::parse("-0.0003")), *Money::parse("30"));
}

TEST(VenueModels, BracketMarginsFollowBinancesTable) {
  const venue::BracketMarginModel margin;
  const auto spec = test::spec("BTCUSDT");
  // 2 BTC at 50 000 at 10x: 10 000 to open.
  EXPECT_EQ(margin.initial(*Price::parse("50000"), *Qty::parse("2"), 10), *Money::parse("10000"));
  // 100 000 notional sits in the 50k–250k bracket: 0.5 % − cum 50 (= 50 000 · (0.5 % − 0.4 %)) = 450.
  EXPECT_EQ(margin.maintenance(spec, *Price::parse("50000"), *Qty::parse("-2")), *Money::parse("450"));
}

TEST(VenueModels, TheClearanceFeeTakesWhatIsLeftNeverMore) {
  const venue::ClearanceFeeLiquidationModel liquidation(Rate::from_double(0.0125));
  // 0.2 BTC at 50 000 = 10 000: 1.25 % is 125.
  EXPECT_EQ(liquidation.clearance_fee(*Price::parse("50000"), *Qty::parse("0.2"), *Money::parse("500")), *Money::parse("125"));
  EXPECT_EQ(liquidation.clearance_fee(*Price::parse("50000"), *Qty::parse("0.2"), *Money::parse("50")), *Money::parse("50"));
  EXPECT_EQ(liquidation.clearance_fee(*Price::parse("50000"), *Qty::parse("0.2"), *Money::parse("-5")), Money{});
}

namespace {
class NoFees final : public venue::FeeModel {
 public:
  Money fee(Price, Qty, Liquidity) const override { return {}; }
};
}  // namespace

TEST(VenueModels, ASwappedFeeModelChangesTheCostNotTheMatching) {
  venue::VenueConfig cfg;
  auto models = venue::binance_models(cfg);
  models.fee = std::make_shared<NoFees>();
  const std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT")};
  venue::PaperVenue binance(cfg, specs, Money::from_double(10'000), test::kT0);
  venue::PaperVenue free(cfg, models, specs, Money::from_double(10'000), test::kT0);
  for (auto* v : {&binance, &free}) {
    v->on_bar(0, test::bar(test::kT0, 100'000, 100'100, 99'900, 100'000));
    auto open = order(Side::kBuy, OrderType::kMarket);
    open.quantity = *Qty::parse("0.01");
    const auto opened = v->submit(open, test::kT0 + test::k5m);
    ASSERT_TRUE(opened.accepted()) << opened.detail;
    v->on_bar(0, test::bar(test::kT0 + test::k5m, 100'000, 100'500, 99'500, 100'200));
    auto close = order(Side::kSell, OrderType::kMarket);
    close.client_order_id = "c";
    close.quantity = *Qty::parse("0.01");
    close.reduce_only = true;
    ASSERT_TRUE(v->submit(close, test::kT0 + 2 * test::k5m).accepted());
    v->on_bar(0, test::bar(test::kT0 + 2 * test::k5m, 100'200, 100'300, 100'100, 100'250));
  }
  ASSERT_EQ(binance.fills().size(), 2u);
  ASSERT_EQ(free.fills().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(free.fills()[i].price, binance.fills()[i].price) << "the matching moved";
    EXPECT_TRUE(free.fills()[i].fee.is_zero());
  }
  const Money fees = binance.fills()[0].fee + binance.fills()[1].fee;
  EXPECT_GT(fees, Money{});
  EXPECT_EQ(free.wallet_balance() - binance.wallet_balance(), fees);
}
