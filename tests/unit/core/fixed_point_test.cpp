#include <gtest/gtest.h>

#include "fulcrum/core/fixed_point.h"
#include "test_support.h"

using namespace fulcrum::core;

TEST(FixedPoint, ParsesPlainDecimalsExactly) {
  EXPECT_EQ(Price::parse("92759.3")->raw, 9'275'930'000'000);
  EXPECT_EQ(Price::parse("-0.00000001")->raw, -1);
  EXPECT_EQ(Qty::parse("547.689")->raw, 54'768'900'000);
  EXPECT_EQ(Price::parse("7")->raw, 700'000'000);
  EXPECT_EQ(Price::parse(" 1.5 ")->raw, 150'000'000);
}

TEST(FixedPoint, ParsesExponentNotationAsExchangesPrintIt) {
  EXPECT_EQ(Rate::parse("9.47e-6")->raw, 9'470'000);  // 0.00000947 at 12 decimals
  EXPECT_EQ(Rate::parse("1E-4")->raw, 100'000'000);
  EXPECT_EQ(Price::parse("1.5e3")->raw, 150'000'000'000);
  EXPECT_EQ(Rate::parse("-2.5e-5")->raw, -25'000'000);
}

TEST(FixedPoint, RoundsHalfAwayBeyondItsPrecision) {
  EXPECT_EQ(Price::parse("0.000000015")->raw, 2);
  EXPECT_EQ(Price::parse("0.000000014")->raw, 1);
  EXPECT_EQ(Price::parse("-0.000000015")->raw, -2);
}

TEST(FixedPoint, RejectsWhatIsNotANumber) {
  for (const char* bad : {"", "abc", "1.2.3", "1,5", "--1", "1e", "1e-", "nan", "1e99"}) EXPECT_FALSE(Price::parse(bad).has_value()) << bad;
  EXPECT_FALSE(Price::parse("999999999999999").has_value()) << "overflow at 8 decimals";
}

TEST(FixedPoint, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(Price::parse("92759.30")->str(), "92759.3");
  EXPECT_EQ(Money::from_raw(-150'000'000).str(), "-1.5");
  EXPECT_EQ(Money::from_raw(1).str(), "0.00000001");
}

TEST(FixedPoint, NotionalAndPnlAreExact) {
  // 0.123 BTC · 50 000.1 = 6 150.0123
  EXPECT_EQ(notional(*Price::parse("50000.1"), *Qty::parse("0.123")), *Money::parse("6150.0123"));
  EXPECT_EQ(pnl(*Qty::parse("-2"), Price::from_int(100), Price::from_int(90)), Money::from_int(20));
  EXPECT_EQ(apply_rate(Money::from_int(20'000), *Rate::parse("0.0005")), Money::from_int(10));
}

TEST(FixedPoint, GridsFloorAndRound) {
  const Qty step = *Qty::parse("0.001");
  EXPECT_EQ(floor_to(*Qty::parse("1.23456"), step), *Qty::parse("1.234"));
  EXPECT_EQ(floor_to(*Qty::parse("-1.2345"), step), *Qty::parse("-1.235"));
  EXPECT_EQ(round_to(*Price::parse("100.06"), *Price::parse("0.1")), *Price::parse("100.1"));
  EXPECT_TRUE(on_grid(*Qty::parse("1.234"), step));
  EXPECT_FALSE(on_grid(*Qty::parse("1.2345"), step));
}

TEST(FixedPoint, DivRoundIsHalfAwayFromZero) {
  EXPECT_EQ(div_round(5, 2), 3);
  EXPECT_EQ(div_round(-5, 2), -3);
  EXPECT_EQ(div_round(4, 3), 1);
  EXPECT_EQ(div_round(-4, 3), -1);
}
