// The venue under hostile and extreme input: values that would wrap 64 bits are refused,
// a liquidation never pays the account, every accepted order ends in a recorded state,
// and random sessions at extreme magnitudes keep the ledger equal to the balance.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

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


model::OrderRequest order(const std::string& id, model::Side side, Qty qty, int lev, model::OrderType type = model::OrderType::kMarket) {
  model::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "BTCUSDT";
  r.side = side;
  r.type = type;
  r.quantity = qty;
  r.leverage_x = lev;
  return r;
}

// One BTCUSDT account with no slippage and no taker fee, priced at 50 000.
venue::PaperVenue frictionless_venue(int64_t deposit) {
  venue::VenueConfig cfg;
  cfg.slippage = Rate{};
  cfg.taker_fee = Rate{};
  venue::PaperVenue v(cfg, {test::spec("BTCUSDT")}, Money::from_int(deposit), kT0);
  v.on_bar(0, bar(kT0, 50'000, 50'000, 50'000, 50'000));
  return v;
}

Money ledger_sum(const venue::PaperVenue& v) {
  Money sum;
  for (const auto& e : v.ledger().entries()) sum += e.amount;
  return sum;
}

}  // namespace

TEST(VenueSafety, AForgedSellThatWouldWrapTheNotionalIsRefusedWithAReason) {
  // The reported case: a SELL of 1 801 797.046 BTC at ~100 000 is 1.8e11 USDT, beyond the
  // 9.2e10 a 64-bit 8-decimal Money holds. It used to wrap to 293 USDT and be filled.
  auto spec = test::spec("BTCUSDT");
  venue::PaperVenue capped({}, {spec}, Money::from_int(10'000), kT0);
  capped.on_bar(0, bar(kT0, 100'000, 100'000, 100'000, 100'000));
  const auto huge = *Qty::parse("1801797.046");
  const auto r1 = capped.submit(order("forged", model::Side::kSell, huge, 20), kT0);
  EXPECT_EQ(r1.reason, venue::RejectReason::kAboveMaxQuantity) << r1.detail;

  // Without the quantity cap, the arithmetic itself refuses.
  spec.max_market_qty = Qty::from_int(90'000'000'000);
  venue::PaperVenue uncapped({}, {spec}, Money::from_int(10'000), kT0);
  uncapped.on_bar(0, bar(kT0, 100'000, 100'000, 100'000, 100'000));
  const auto r2 = uncapped.submit(order("forged", model::Side::kSell, huge, 20), kT0);
  EXPECT_EQ(r2.reason, venue::RejectReason::kValueOutOfRange) << r2.detail;
  uncapped.on_bar(0, bar(kT0 + k5m, 100'000, 100'000, 100'000, 100'000));
  EXPECT_TRUE(uncapped.fills().empty());
  EXPECT_EQ(uncapped.wallet_balance(), Money::from_int(10'000));

  // A position beyond the last bracket's cap is refused too (BTC's table ends at 500 M).
  spec.max_market_qty = Qty::from_int(1'000'000);
  venue::PaperVenue bracketed({}, {spec}, Money::from_int(1'000'000'000), kT0);
  bracketed.on_bar(0, bar(kT0, 100'000, 100'000, 100'000, 100'000));
  EXPECT_EQ(bracketed.submit(order("big", model::Side::kBuy, Qty::from_int(6'000), 1), kT0).reason, venue::RejectReason::kAboveMaxNotional);
}

TEST(VenueSafety, CheckedArithmeticThrowsInsteadOfWrapping) {
  EXPECT_THROW(core::notional(*Price::parse("100000"), *Qty::parse("1801797.046")), core::ArithmeticOverflow);
  EXPECT_THROW(Money::from_raw(std::numeric_limits<int64_t>::max()) + Money::from_raw(1), core::ArithmeticOverflow);
  EXPECT_THROW(-Money::from_raw(std::numeric_limits<int64_t>::min()), core::ArithmeticOverflow);
  EXPECT_THROW(Money::from_double(std::nan("")), core::ArithmeticOverflow);
  EXPECT_THROW(Money::from_double(1e300), core::ArithmeticOverflow);
  EXPECT_THROW(Money::from_int(100'000'000'000'000), core::ArithmeticOverflow);
  // 9.0e10 still fits and is exact.
  EXPECT_EQ(core::notional(*Price::parse("50000"), *Qty::parse("1801797.046")), *Money::parse("90089852300"));
}

TEST(VenueSafety, ALiquidationNeverPaysTheAccount) {
  // Funding drains an isolated long's margin below zero, which puts Binance's liquidation
  // price above the entry. The liquidation then closes at a price that books a gain; the
  // clearance takes it, so the liquidation's realised PnL minus its fee is 0, never more.
  auto v = frictionless_venue(10'000);
  ASSERT_TRUE(v.submit(order("L", model::Side::kBuy, Qty::from_int(1), 20), kT0).accepted());
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  ASSERT_EQ(v.position(0).isolated_margin, Money::from_int(2'500));
  v.on_funding(0, {kT0 + 2 * k5m, 8, Rate::from_double(0.03)});  // the long pays 1 500
  v.on_funding(0, {kT0 + 3 * k5m, 8, Rate::from_double(0.03)});  // and 1 500 more: margin −500
  const auto lp = v.liquidation_price(0);
  ASSERT_TRUE(lp.has_value());
  EXPECT_GT(*lp, Price::from_int(50'000)) << "a negative margin puts the long's liquidation price above its entry";
  v.on_bar(0, bar(kT0 + 4 * k5m, 50'000, 50'010, 49'990, 50'000));
  ASSERT_TRUE(v.position(0).qty.is_zero());
  const auto& liq = v.fills().back();
  ASSERT_EQ(liq.liquidity, model::Liquidity::kLiquidation);
  EXPECT_GT(liq.realized_pnl, Money{});
  EXPECT_LE(liq.realized_pnl - liq.fee, Money{}) << "realised " << liq.realized_pnl.str() << " fee " << liq.fee.str();
  EXPECT_EQ(v.wallet_balance(), Money::from_int(10'000 - 3'000)) << "the account keeps only what funding left it";
  EXPECT_EQ(ledger_sum(v), v.wallet_balance());
}

TEST(VenueSafety, EveryAcceptedOrderEndsInARecordedState) {
  auto v = frictionless_venue(10'000);
  // Each needs 5 500 of margin: both pass at submit, only the first fits at the fill.
  ASSERT_TRUE(v.submit(order("a", model::Side::kBuy, *Qty::parse("1.1"), 10), kT0).accepted());
  ASSERT_TRUE(v.submit(order("b", model::Side::kBuy, *Qty::parse("1.1"), 10), kT0).accepted());
  auto stop = order("c", model::Side::kSell, *Qty::parse("0.5"), 10, model::OrderType::kStopMarket);
  stop.stop_price = Price::from_int(40'000);
  stop.reduce_only = true;
  v.on_bar(0, bar(kT0 + k5m, 50'000, 50'000, 50'000, 50'000));
  ASSERT_EQ(v.fills().size(), 1u);
  ASSERT_TRUE(v.submit(stop, kT0 + k5m).accepted());
  ASSERT_TRUE(v.cancel("c"));
  std::map<std::string, std::string> ends;
  for (const auto& o : v.order_outcomes()) ends[o.client_order_id] = std::string(venue::to_string(o.end)) + " " + o.reason;
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends["b"].rfind("REJECTED_AT_FILL INSUFFICIENT_MARGIN", 0), 0u) << ends["b"];
  EXPECT_EQ(ends["c"].rfind("CANCELLED", 0), 0u) << ends["c"];
}

// Random sessions at extreme magnitudes: prices from 1e-4 to 1e7, quantities from 1e-3
// to 1e9, deposits from 10 to 1e9, leverage 1–125, funding up to ±3 % with rare ±50 %.
// Whatever happens, the ledger equals the balance, nothing wraps (an overflow is a
// refusal, never a number) and no liquidation pays the account.
TEST(VenueSafety, PropertyRandomSessionsAtExtremeMagnitudes) {
  uint64_t seed = 0x5eed'f00d'1234ULL;
  auto next = [&] { return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 11; };
  auto uniform = [&] { return static_cast<double>(next() % 1'000'000) / 1e6; };
  size_t sessions_with_fills = 0, liquidations = 0, refused_out_of_range = 0, orders_seen = 0;
  for (int session = 0; session < 60; ++session) {
    venue::VenueConfig cfg;
    cfg.margin_mode = session % 3 == 0 ? model::MarginMode::kCross : model::MarginMode::kIsolated;
    auto spec = test::spec("BTCUSDT", "0.0001", "0.001");
    spec.max_qty = spec.max_market_qty = Qty::from_int(1'000'000'000);
    const double deposit = std::pow(10.0, 1 + 8 * uniform());
    venue::PaperVenue v(cfg, {spec}, Money::from_double(std::floor(deposit)), kT0);
    double price = std::pow(10.0, -4 + 11 * uniform());
    price = std::max(price, 0.01);
    v.on_bar(0, bar(kT0, price, price, price, price));
    for (int i = 1; i <= 400; ++i) {
      const core::TimestampMs t = kT0 + i * k5m;
      const double jump = next() % 50 == 0 ? (next() % 2 ? 3.0 : 1 / 3.0) : 1 + (uniform() - 0.5) * 0.1;
      const double close = std::max(0.01, price * jump);
      const double hi = std::max(price, close) * (1 + 0.02 * uniform()), lo = std::max(0.005, std::min(price, close) * (1 - 0.02 * uniform()));
      if (next() % 3 == 0) {
        const double qty = std::pow(10.0, -3 + 12 * uniform());
        const int lev = 1 + static_cast<int>(next() % 125);
        auto r = order("s" + std::to_string(session) + "-" + std::to_string(i), next() % 2 ? model::Side::kBuy : model::Side::kSell,
                       core::floor_to(Qty::from_double(qty), spec.step_size), lev);
        r.reduce_only = next() % 5 == 0;
        if (next() % 2) r.attached_stop_price = core::round_to(Price::from_double(r.side == model::Side::kBuy ? price * 0.9 : price * 1.1), spec.tick_size);
        const auto res = v.submit(r, t);
        ++orders_seen;
        if (res.reason == venue::RejectReason::kValueOutOfRange) ++refused_out_of_range;
      }
      const size_t fills_before = v.fills().size();
      ASSERT_NO_THROW(v.on_bar(0, bar(t, price, hi, lo, close))) << "session " << session << " bar " << i;
      if (i % 16 == 0) {
        const double rate = next() % 40 == 0 ? (uniform() - 0.5) : (uniform() - 0.5) * 0.06;
        ASSERT_NO_THROW(v.on_funding(0, {t, 8, Rate::from_double(rate)}));
      }
      // Conservation after every step, and the liquidation invariant on every new fill.
      ASSERT_EQ(ledger_sum(v), v.wallet_balance()) << "session " << session << " bar " << i;
      for (size_t f = fills_before; f < v.fills().size(); ++f) {
        const auto& fill = v.fills()[f];
        if (fill.liquidity != model::Liquidity::kLiquidation) continue;
        ++liquidations;
        EXPECT_LE(fill.realized_pnl - fill.fee, Money{}) << "session " << session << " bar " << i << " a liquidation paid the account";
        EXPECT_GE(fill.fee, Money{});
      }
      price = close;
    }
    if (!v.fills().empty()) ++sessions_with_fills;
  }
  // The property is only worth something if the sessions actually traded and liquidated.
  EXPECT_GT(sessions_with_fills, 20u);
  EXPECT_GT(liquidations, 5u);
  EXPECT_GT(orders_seen, 5'000u);
  std::printf("property: %zu orders, %zu sessions traded, %zu liquidations, %zu refused as out of range\n", orders_seen, sessions_with_fills,
              liquidations, refused_out_of_range);
}
