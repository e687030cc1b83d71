#include "fulcrum/binance/order_requests.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/leverage_plan.h"
#include "fulcrum/binance/reconcile.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;

namespace {
const RequestClock kClock{1591702613943, 5000};
model::OrderRequest order(model::OrderType type, const char* qty) {
  model::OrderRequest o;
  o.client_order_id = "fixed-BTCUSDT-7";
  o.symbol = "BTCUSDT";
  o.side = model::Side::kBuy;
  o.type = type;
  o.quantity = *core::Qty::parse(qty);
  o.leverage_x = 10;
  return o;
}
RestRequest ok(const std::variant<RestRequest, ExchangeError>& v) {
  if (const auto* e = std::get_if<ExchangeError>(&v)) ADD_FAILURE() << e->code << " " << e->msg;
  return std::get<RestRequest>(v);
}
}  // namespace

TEST(OrderRequests, PlainOrdersGoToOrderWithTheirIdAndResultResponses) {
  const auto spec = test::spec("BTCUSDT");  // tick 0.1, step 0.001, min notional 5
  auto limit = order(model::OrderType::kLimit, "0.002");
  limit.limit_price = *core::Price::parse("60000.5");
  const auto r = ok(plan_new_order(limit, spec, kClock));
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/fapi/v1/order");
  EXPECT_FALSE(r.algo);
  EXPECT_EQ(r.params.str(),
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=60000.5&quantity=0.002&newClientOrderId=fixed-BTCUSDT-7&newOrderRespType=RESULT"
            "&recvWindow=5000&timestamp=1591702613943");
  auto market = order(model::OrderType::kMarket, "0.001");
  market.reduce_only = true;
  EXPECT_NE(ok(plan_new_order(market, spec, kClock)).params.str().find("type=MARKET&quantity=0.001&reduceOnly=true"), std::string::npos);
}

TEST(OrderRequests, ConditionalOrdersGoToTheAlgoEndpoint) {
  const auto spec = test::spec("BTCUSDT");
  auto entry = order(model::OrderType::kMarket, "0.002");
  entry.attached_stop_price = *core::Price::parse("58000");
  const auto stop = ok(plan_attached_stop(entry, spec, kClock));
  EXPECT_EQ(stop.path, "/fapi/v1/algoOrder");
  EXPECT_TRUE(stop.algo);
  EXPECT_EQ(stop.exchange_client_id, "fixed-BTCUSDT-7.sl");
  EXPECT_EQ(stop.params.str(),
            "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=58000&workingType=MARK_PRICE&quantity=0.002&reduceOnly=true"
            "&clientAlgoId=fixed-BTCUSDT-7.sl&newOrderRespType=RESULT&recvWindow=5000&timestamp=1591702613943");
  auto trail = order(model::OrderType::kTrailingStop, "0.002");
  trail.side = model::Side::kSell;
  trail.reduce_only = true;
  trail.callback_rate = *core::Rate::parse("0.015");
  EXPECT_NE(ok(plan_new_order(trail, spec, kClock)).params.str().find("type=TRAILING_STOP_MARKET&callbackRate=1.5"), std::string::npos);
  trail.callback_rate = *core::Rate::parse("0.2");
  EXPECT_EQ(std::get<ExchangeError>(plan_new_order(trail, spec, kClock)).code, -2007);
}

TEST(OrderRequests, TheExchangesFilterRefusalsComeFirstWithItsCodes) {
  const auto spec = test::spec("BTCUSDT");
  EXPECT_EQ(std::get<ExchangeError>(plan_new_order(order(model::OrderType::kMarket, "0.0015"), spec, kClock)).code, -1111);
  auto limit = order(model::OrderType::kLimit, "0.002");
  limit.limit_price = *core::Price::parse("60000.55");
  EXPECT_EQ(std::get<ExchangeError>(plan_new_order(limit, spec, kClock)).code, -1111);
  const auto tiny = plan_new_order(order(model::OrderType::kMarket, "0.001"), spec, kClock, *core::Price::parse("4000"));
  ASSERT_TRUE(std::holds_alternative<ExchangeError>(tiny));
  EXPECT_EQ(std::get<ExchangeError>(tiny).code, -4164);  // 0.001 × 4000 = 4 < 5
  auto tiny_close = order(model::OrderType::kMarket, "0.001");
  tiny_close.reduce_only = true;  // exempt, as on Binance
  EXPECT_TRUE(std::holds_alternative<RestRequest>(plan_new_order(tiny_close, spec, kClock, *core::Price::parse("4000"))));
  auto spec_small = spec;
  spec_small.max_market_qty = *core::Qty::parse("1");
  EXPECT_EQ(std::get<ExchangeError>(plan_new_order(order(model::OrderType::kMarket, "2"), spec_small, kClock)).code, -4005);
}

TEST(OrderRequests, QueriesAndControlCalls) {
  EXPECT_EQ(plan_query_order("BTCUSDT", "fixed-BTCUSDT-7", false, kClock).params.str(),
            "symbol=BTCUSDT&origClientOrderId=fixed-BTCUSDT-7&recvWindow=5000&timestamp=1591702613943");
  const auto cancel = plan_cancel_order("BTCUSDT", "fixed-BTCUSDT-7.sl", true, kClock);
  EXPECT_EQ(cancel.method, "DELETE");
  EXPECT_EQ(cancel.path, "/fapi/v1/algoOrder");
  EXPECT_NE(cancel.params.str().find("clientAlgoId=fixed-BTCUSDT-7.sl"), std::string::npos);
  EXPECT_EQ(plan_set_leverage("BTCUSDT", 20, kClock).params.str(), "symbol=BTCUSDT&leverage=20&recvWindow=5000&timestamp=1591702613943");
  EXPECT_EQ(plan_margin_type("BTCUSDT", true, kClock).path, "/fapi/v1/marginType");
  EXPECT_NE(plan_countdown_cancel_all("BTCUSDT", 120000, kClock).params.str().find("countdownTime=120000"), std::string::npos);
}

TEST(OrderRequests, OutcomesOfAnAnswer) {
  const auto err = parse_exchange_error(R"({"code":-2019,"msg":"Margin is insufficient."})");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, -2019);
  EXPECT_FALSE(parse_exchange_error(R"({"code":200,"msg":"success"})"));
  EXPECT_FALSE(parse_exchange_error("<html>"));
  EXPECT_EQ(classify(200, std::nullopt), SendOutcome::kAccepted);
  EXPECT_EQ(classify(400, err), SendOutcome::kRejected);
  EXPECT_EQ(classify(503, std::nullopt), SendOutcome::kUnknown);
  EXPECT_EQ(classify(0, std::nullopt), SendOutcome::kUnknown);
  EXPECT_EQ(classify(408, ExchangeError{-1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown."}),
            SendOutcome::kUnknown);
  EXPECT_EQ(classify(429, std::nullopt), SendOutcome::kThrottled);
  EXPECT_EQ(classify(418, std::nullopt), SendOutcome::kBanned);
}

TEST(LeveragePlan, SetWhileFlatNeverUnderAnOpenPosition) {
  auto entry = order(model::OrderType::kMarket, "0.002");
  auto p = plan_entry_leverage(entry, {20, {}});
  EXPECT_TRUE(p.set_leverage);
  EXPECT_EQ(p.leverage_x, 10);
  p = plan_entry_leverage(entry, {10, {}});
  EXPECT_FALSE(p.set_leverage);
  p = plan_entry_leverage(entry, {20, *core::Qty::parse("0.004")});  // long at 20x: add at 20x
  EXPECT_FALSE(p.set_leverage);
  EXPECT_FALSE(p.refuse);
  EXPECT_EQ(p.leverage_x, 20);
  EXPECT_NE(p.note.find("never changed under an open position"), std::string::npos);
  entry.side = model::Side::kSell;
  EXPECT_TRUE(plan_entry_leverage(entry, {20, *core::Qty::parse("0.004")}).refuse);  // against the position
  entry.reduce_only = true;
  EXPECT_FALSE(plan_entry_leverage(entry, {20, *core::Qty::parse("0.004")}).refuse);
  entry.reduce_only = false;
  entry.leverage_x = 126;
  EXPECT_TRUE(plan_entry_leverage(entry, {20, {}}).refuse);
}

TEST(Reconcile, EveryDifferenceIsNamed) {
  std::string error;
  const auto orders = parse_open_orders(
      R"([{"symbol":"BTCUSDT","clientOrderId":"a-1","origQty":"0.010","executedQty":"0.004","price":"60000"},{"symbol":"ETHUSDT","clientOrderId":"stray","origQty":"1","executedQty":"0"}])",
      false, error);
  ASSERT_TRUE(orders) << error;
  const auto algos = parse_open_orders(R"([{"symbol":"BTCUSDT","clientAlgoId":"a-1.sl","quantity":"0.006","algoStatus":"NEW"}])", true, error);
  ASSERT_TRUE(algos) << error;
  const auto positions = parse_positions(R"([{"symbol":"BTCUSDT","positionAmt":"0.006","positionSide":"BOTH"},{"symbol":"ETHUSDT","positionAmt":"0.000","positionSide":"BOTH"}])", error);
  ASSERT_TRUE(positions) << error;
  ExpectedBook journal;
  journal.orders["a-1"] = {"BTCUSDT", "a-1", *core::Qty::parse("0.006"), false, {}, false};
  journal.orders["a-1.sl"] = {"BTCUSDT", "a-1.sl", *core::Qty::parse("0.006"), true, {}, true};
  journal.positions["BTCUSDT"] = *core::Qty::parse("0.006");
  auto all = *orders;
  all.insert(all.end(), algos->begin(), algos->end());
  auto r = reconcile(journal, all, *positions);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0], "order stray (ETHUSDT) is open at the exchange but not in the journal");
  journal.orders["lost"] = {"BTCUSDT", "lost", *core::Qty::parse("1"), false, {}, false};
  journal.positions["BTCUSDT"] = *core::Qty::parse("0.008");
  all.pop_back();  // the stop is gone at the exchange
  r = reconcile(journal, all, *positions);
  EXPECT_EQ(r.differences.size(), 4u) << ::testing::PrintToString(r.differences);  // stray, the stop gone, lost, the position
  EXPECT_FALSE(r.clean());
  const auto with_leverage = parse_positions(R"([{"symbol":"BTCUSDT","positionAmt":"0.1","leverage":"20","positionSide":"BOTH"}])", error);
  ASSERT_TRUE(with_leverage) << error;
  EXPECT_EQ(with_leverage->at(0).leverage_x, 20);
  EXPECT_FALSE(parse_positions(R"([{"symbol":"BTCUSDT","positionAmt":"0.1","leverage":"500","positionSide":"BOTH"}])", error));
  EXPECT_EQ(error, "entry 0: field 'leverage' is not 1-125: '500'");
  EXPECT_FALSE(parse_positions(R"([{"symbol":"BTCUSDT","positionAmt":"0.1","positionSide":"LONG"}])", error));
  EXPECT_NE(error.find("hedge mode"), std::string::npos);
  EXPECT_FALSE(parse_open_orders(R"([{"symbol":"BTCUSDT","clientOrderId":"x","origQty":"abc","executedQty":"0"}])", false, error));
  EXPECT_EQ(error, "entry 0: field 'origQty' is not a decimal: 'abc'");
}
