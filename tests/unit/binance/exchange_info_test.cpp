#include "fulcrum/binance/exchange_info.h"

#include <gtest/gtest.h>

#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;

TEST(ExchangeInfo, ParsesBinancesFiltersAndSkipsTheOnesItDoesNotUse) {
  // Trimmed from Binance's documented exchangeInfo answer (the shape; values as the docs show).
  const std::string doc = R"({"timezone":"UTC","serverTime":1565613908500,"rateLimits":[],"symbols":[{"symbol":"BTCUSDT","pair":"BTCUSDT",
    "contractType":"PERPETUAL","status":"TRADING","filters":[
    {"filterType":"PRICE_FILTER","maxPrice":"4529764","minPrice":"556.80","tickSize":"0.10"},
    {"filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001","stepSize":"0.001"},
    {"filterType":"MARKET_LOT_SIZE","maxQty":"120","minQty":"0.001","stepSize":"0.001"},
    {"filterType":"MAX_NUM_ORDERS","limit":200},
    {"filterType":"MIN_NOTIONAL","notional":"100"},
    {"filterType":"PERCENT_PRICE","multiplierUp":"1.0500","multiplierDown":"0.9500","multiplierDecimal":"4"}]}]})";
  std::string error;
  const auto info = parse_exchange_info(doc, error);
  ASSERT_TRUE(info) << error;
  ASSERT_EQ(info->size(), 1u);
  const auto& f = (*info)[0];
  EXPECT_EQ(f.status, "TRADING");
  EXPECT_EQ(f.tick_size, *core::Price::parse("0.1"));
  EXPECT_EQ(f.step_size, *core::Qty::parse("0.001"));
  EXPECT_EQ(f.max_qty, *core::Qty::parse("1000"));
  EXPECT_EQ(f.max_market_qty, *core::Qty::parse("120"));
  EXPECT_EQ(f.min_notional, *core::Money::parse("100"));

  // The config said 5 USDT and 10 000 000 max: the exchange's values win, each difference named.
  std::vector<std::string> differences;
  const auto spec = with_exchange_filters(test::spec("BTCUSDT", "0.1", "0.001", 5), f, differences);
  EXPECT_EQ(spec.min_notional, *core::Money::parse("100"));
  EXPECT_EQ(spec.max_market_qty, *core::Qty::parse("120"));
  EXPECT_EQ(spec.tick_size, *core::Price::parse("0.1"));
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_EQ(differences[0], "BTCUSDT max_qty: config 10000000, exchange 1000");
}

TEST(ExchangeInfo, TheDoublesAnswerReadsBackAsItsSpecs) {
  const auto specs = std::vector<model::InstrumentSpec>{test::spec("BTCUSDT"), test::spec("DOGEUSDT", "0.00001", "1", 5)};
  std::string error;
  const auto info = parse_exchange_info(exchange_info_json(specs), error);
  ASSERT_TRUE(info) << error;
  ASSERT_EQ(info->size(), 2u);
  for (size_t i = 0; i < specs.size(); ++i) {
    std::vector<std::string> differences;
    with_exchange_filters(specs[i], (*info)[i], differences);
    EXPECT_TRUE(differences.empty()) << differences.front();
  }
}

TEST(ExchangeInfo, AMalformedAnswerIsNamed) {
  std::string error;
  EXPECT_FALSE(parse_exchange_info(R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","filters":[{"filterType":"PRICE_FILTER","tickSize":"x"}]}]})", error));
  EXPECT_NE(error.find("BTCUSDT PRICE_FILTER"), std::string::npos) << error;
  EXPECT_FALSE(parse_exchange_info(R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","filters":[]}]})", error));
  EXPECT_NE(error.find("tickSize"), std::string::npos) << error;
  EXPECT_FALSE(parse_exchange_info("[]", error));
}

// The account's brackets: the double serves Binance's shape, which reads back as the shipped
// table (Binance's own 2024-10-24 answer), and the router takes the exchange's where they differ.
TEST(ExchangeInfo, LeverageBracketsReadBackAndTheAccountsReplaceTheConfigs) {
  auto btc = test::spec("BTCUSDT");
  btc.brackets.clear();  // none in config: Binance's table for the symbol
  const auto served = model::parse_binance_bracket_json(leverage_bracket_json({btc}), "double");
  ASSERT_EQ(served.count("BTCUSDT"), 1u);
  const auto& shipped = model::binance_usdm_brackets().at("BTCUSDT");
  ASSERT_EQ(served.at("BTCUSDT").size(), shipped.size());
  for (size_t i = 0; i < shipped.size(); ++i) {
    EXPECT_EQ(served.at("BTCUSDT")[i].notional_cap, shipped[i].notional_cap) << i;
    EXPECT_EQ(served.at("BTCUSDT")[i].maintenance_rate, shipped[i].maintenance_rate) << i;
    EXPECT_EQ(served.at("BTCUSDT")[i].maintenance_amount, shipped[i].maintenance_amount) << i;
    EXPECT_EQ(served.at("BTCUSDT")[i].max_leverage_x, shipped[i].max_leverage_x) << i;
  }
  std::vector<std::string> differences;
  EXPECT_EQ(with_exchange_brackets(btc, served, differences).brackets.size(), shipped.size());
  EXPECT_TRUE(differences.empty()) << differences.front();
  // An account capped lower: one tier, 20x, 1 % maintenance.
  std::map<std::string, std::vector<model::MarginBracket>> capped{
      {"BTCUSDT", {{core::Money{}, core::Money::from_int(1'000'000), 20, *core::Rate::parse("0.01"), core::Money{}}}}};
  const auto taken = with_exchange_brackets(btc, capped, differences);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_NE(differences[0].find("exchange 1 tiers (first max 20x)"), std::string::npos) << differences[0];
  ASSERT_EQ(taken.brackets.size(), 1u);
  EXPECT_EQ(taken.brackets[0].max_leverage_x, 20);
  EXPECT_THROW(with_exchange_brackets(test::spec("ETHUSDT"), capped, differences), std::runtime_error);
}
