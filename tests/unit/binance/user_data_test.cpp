#include "fulcrum/binance/user_data.h"

#include <gtest/gtest.h>

using namespace fulcrum;
using namespace fulcrum::binance;

namespace {
// The shape of Binance's documented ORDER_TRADE_UPDATE payload.
std::string trade(const char* client_id, int64_t trade_id, const char* qty, const char* side = "BUY", const char* x = "TRADE") {
  return std::string(R"({"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT","c":")") + client_id + R"(","S":")" + side +
         R"(","o":"MARKET","f":"GTC","q":"0.010","p":"0","ap":"60000.1","sp":"0","x":")" + x + R"(","X":"FILLED","i":8886774,"l":")" + qty +
         R"(","z":"0.010","L":"60000.1","N":"USDT","n":"0.24","T":1568879465650,"t":)" + std::to_string(trade_id) +
         R"(,"b":"0","a":"0","m":false,"R":false,"wt":"CONTRACT_PRICE","ot":"MARKET","ps":"BOTH","cp":false,"rp":"-1.5"}})";
}
}  // namespace

TEST(UserData, FillsAreTakenOnceAndTheExchangesOwnOrdersAreNamed) {
  std::string error;
  FillBook book;
  auto ev = parse_user_event(trade("fixed-1", 7, "0.004"), error);
  ASSERT_TRUE(ev) << error;
  const auto& u = std::get<OrderUpdate>(*ev);
  EXPECT_EQ(u.realized_pnl.raw, core::Money::parse("-1.5")->raw);
  EXPECT_TRUE(book.take(u));
  EXPECT_FALSE(book.take(u));  // a repeat after a reconnect
  EXPECT_TRUE(book.take(std::get<OrderUpdate>(*parse_user_event(trade("fixed-1", 8, "0.006"), error))));
  EXPECT_FALSE(book.take(std::get<OrderUpdate>(*parse_user_event(trade("fixed-1", 0, "0", "BUY", "NEW"), error))));  // not a fill
  EXPECT_EQ(book.fills(), 2u);
  EXPECT_EQ(book.repeats(), 1u);
  EXPECT_EQ(book.positions().at("BTCUSDT").raw, core::Qty::parse("0.010")->raw);
  EXPECT_EQ(std::get<OrderUpdate>(*parse_user_event(trade("autoclose-1723161256", 9, "0.01", "SELL"), error)).origin, OrderUpdate::Origin::kLiquidation);
  EXPECT_EQ(std::get<OrderUpdate>(*parse_user_event(trade("adl_autoclose", 10, "0.01", "SELL"), error)).origin, OrderUpdate::Origin::kAdl);
}

TEST(UserData, AccountUpdatesExpiryAndMalformedEvents) {
  std::string error;
  const auto a = parse_user_event(
      R"({"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"}],"P":[{"s":"BTCUSDT","pa":"-0.020","ep":"60000","cr":"200","up":"0","mt":"isolated","iw":"0","ps":"BOTH"}]}})",
      error);
  ASSERT_TRUE(a) << error;
  const auto& acct = std::get<AccountUpdate>(*a);
  EXPECT_EQ(acct.reason, "FUNDING_FEE");
  EXPECT_EQ(acct.positions.at("BTCUSDT").raw, core::Qty::parse("-0.02")->raw);
  EXPECT_EQ(acct.wallet_balances.at("USDT").raw, core::Money::parse("122624.12345678")->raw);
  EXPECT_EQ(acct.balance_changes.at("USDT").raw, core::Money::parse("50.12345678")->raw) << "bc: the funding payment itself";
  EXPECT_EQ(acct.transaction_time_ms, 1564745798938);
  EXPECT_TRUE(std::holds_alternative<ListenKeyExpired>(*parse_user_event(R"({"e":"listenKeyExpired","E":1576653824250,"listenKey":"x"})", error)));
  EXPECT_FALSE(parse_user_event(R"({"e":"MARGIN_CALL","E":1})", error));
  EXPECT_TRUE(error.empty());  // a kind not used: skipped, not an error
  EXPECT_FALSE(parse_user_event(R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"BTCUSDT"}})", error));
  EXPECT_EQ(error, "field 'c' missing or not a string");
  ListenKeyKeeper keeper(30 * 60'000);
  keeper.created(1'000);
  EXPECT_FALSE(keeper.keepalive_due(1'000 + 29 * 60'000));
  EXPECT_TRUE(keeper.keepalive_due(1'000 + 30 * 60'000));
  keeper.kept_alive(1'000 + 30 * 60'000);
  EXPECT_FALSE(keeper.keepalive_due(1'000 + 31 * 60'000));
}
