#include "fulcrum/binance/double_exchange.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/order_requests.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;

namespace {
constexpr int64_t kNow = 1'700'000'000'000;
const char* kKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const char* kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

struct Rig {
  DoubleExchange ex{kKey, kSecret, {test::spec("BTCUSDT")}, core::Money::from_int(10'000)};
  Rig() { ex.set_book_top("BTCUSDT", *core::Price::parse("60000"), *core::Price::parse("60000.1")); }
  DoubleResponse send(const RestRequest& r, int64_t now = kNow, const char* secret = kSecret, std::string key = kKey) {
    return ex.handle({r.method, r.path, r.params.signed_with(secret), "", std::move(key), now});
  }
};
int code_of(const DoubleResponse& r) { return parse_exchange_error(r.body) ? parse_exchange_error(r.body)->code : 0; }
model::OrderRequest market(const char* id, model::Side side, const char* qty, bool reduce = false) {
  model::OrderRequest o;
  o.client_order_id = id;
  o.symbol = "BTCUSDT";
  o.side = side;
  o.quantity = *core::Qty::parse(qty);
  o.reduce_only = reduce;
  o.leverage_x = 10;
  return o;
}
RestRequest plan(const model::OrderRequest& o, int64_t ts = kNow) { return std::get<RestRequest>(plan_new_order(o, test::spec("BTCUSDT"), {ts, 5000})); }
}  // namespace

TEST(DoubleExchange, AuthenticatesAsTheExchangeDoes) {
  Rig rig;
  const auto req = plan(market("a-1", model::Side::kBuy, "0.01"));
  EXPECT_EQ(code_of(rig.send(req, kNow, kSecret, "")), -2014);
  EXPECT_EQ(code_of(rig.send(req, kNow, kSecret, "someone-else")), -2015);
  EXPECT_EQ(code_of(rig.send(req, kNow, "wrong-secret")), -1022);
  EXPECT_EQ(code_of(rig.send(req, kNow + 5001)), -1021);  // older than recvWindow
  EXPECT_EQ(code_of(rig.send(req, kNow - 1001)), -1021);  // more than 1 s ahead of the server
  auto tampered = req;
  const auto signed_query = req.params.signed_with(kSecret);
  auto r = rig.ex.handle({"POST", "/fapi/v1/order", signed_query.substr(0, signed_query.find("quantity=")) + "quantity=1" +
                                                         signed_query.substr(signed_query.find("&", signed_query.find("quantity="))),
                          "", kKey, kNow});
  EXPECT_EQ(code_of(r), -1022) << "a changed parameter must break the signature";
  EXPECT_EQ(rig.ex.orders_accepted(), 0u);
  r = rig.send(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"status\":\"FILLED\""), std::string::npos);
  EXPECT_NE(r.body.find("\"avgPrice\":\"60000.1\""), std::string::npos);  // a buy lifts the ask
}

// An Ed25519 account: the double holds its public key only, and takes a request signed by
// its private key, not one signed by another key or by an HMAC secret.
TEST(DoubleExchange, AnEd25519AccountTakesOnlyItsOwnKeysSignatures) {
  Rig rig;
  const auto [private_pem, public_pem] = make_ed25519_key_pair();
  rig.ex.use_ed25519(VerifyingKey::from_pem(public_pem));
  const auto req = plan(market("e-1", model::Side::kBuy, "0.01"));
  const auto send = [&](const SigningKey& key) { return rig.ex.handle({req.method, req.path, req.params.signed_with(key), "", kKey, kNow}); };
  EXPECT_EQ(code_of(send(SigningKey::from_secret(kSecret))), -1022) << "the HMAC secret no longer signs";
  EXPECT_EQ(code_of(send(SigningKey::from_secret(make_ed25519_key_pair().first))), -1022) << "another Ed25519 key";
  EXPECT_EQ(rig.ex.orders_accepted(), 0u);
  const auto r = send(SigningKey::from_secret(private_pem));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"status\":\"FILLED\""), std::string::npos);
  EXPECT_EQ(rig.ex.orders_accepted(), 1u);
}

TEST(DoubleExchange, OrderChecksAndTheirCodes) {
  Rig rig;
  auto stop = market("s-1", model::Side::kSell, "0.01", true);
  stop.type = model::OrderType::kStopMarket;
  stop.stop_price = *core::Price::parse("59000");
  auto to_order = std::get<RestRequest>(plan_new_order(stop, test::spec("BTCUSDT"), {kNow, 5000}));
  to_order.path = "/fapi/v1/order";  // the wrong endpoint for a conditional order
  EXPECT_EQ(code_of(rig.send(to_order)), -4120);
  EXPECT_EQ(code_of(rig.send(plan(market("r-1", model::Side::kSell, "0.01", true)))), -2022);  // nothing to reduce
  EXPECT_EQ(rig.send(plan(market("b-1", model::Side::kBuy, "0.01"))).status, 200);
  EXPECT_EQ(code_of(rig.send(plan(market("big", model::Side::kBuy, "100")))), -2019);  // 6 M notional at 20x on 10 k
  RestRequest lev = plan_set_leverage("BTCUSDT", 126, {kNow, 5000});
  EXPECT_EQ(code_of(rig.send(lev)), -4028);
  EXPECT_EQ(code_of(rig.send(plan_margin_type("BTCUSDT", false, {kNow, 5000}))), -4046);  // cross already
  EXPECT_EQ(code_of(rig.send(plan_margin_type("BTCUSDT", true, {kNow, 5000}))), -4048);   // a position is open
  EXPECT_EQ(rig.send(plan(market("c-1", model::Side::kSell, "0.01", true))).status, 200);  // now it reduces
  EXPECT_EQ(rig.send(plan_margin_type("BTCUSDT", true, {kNow, 5000})).status, 200);
  EXPECT_EQ(rig.send(plan(market("b-2", model::Side::kBuy, "0.01"))).status, 200);
  EXPECT_EQ(code_of(rig.send(plan_set_leverage("BTCUSDT", 5, {kNow, 5000}))), -4161);  // lowering, isolated, open
  EXPECT_EQ(rig.send(plan_set_leverage("BTCUSDT", 50, {kNow, 5000})).status, 200);      // raising is allowed
  EXPECT_EQ(code_of(rig.send(plan_query_order("BTCUSDT", "nope", false, {kNow, 5000}))), -2013);
  const auto q = rig.send(plan_query_order("BTCUSDT", "b-1", false, {kNow, 5000}));
  EXPECT_NE(q.body.find("\"clientOrderId\":\"b-1\""), std::string::npos);
}

TEST(DoubleExchange, AClosedOrdersIdCanBeReusedWhichIsWhyABlindResendTradesTwice) {
  Rig rig;
  rig.ex.withhold_answer_to_order(1);
  const auto req = plan(market("once", model::Side::kBuy, "0.01"));
  EXPECT_TRUE(rig.send(req).withhold);  // taken, but the client never hears
  EXPECT_EQ(rig.send(plan(market("once", model::Side::kBuy, "0.01"), kNow + 10)).status, 200);  // the blind re-send: accepted again
  EXPECT_EQ(rig.ex.ids_placed_twice(), std::vector<std::string>{"once"});
  EXPECT_NE(rig.ex.position_json().find("\"positionAmt\":\"0.02\""), std::string::npos);  // double the position
}

TEST(DoubleExchange, TheDeadManSwitchCancelsTheSymbolsOpenOrdersUnlessRenewed) {
  Rig rig;
  auto rest = market("resting", model::Side::kBuy, "0.01");
  rest.type = model::OrderType::kLimit;
  rest.limit_price = *core::Price::parse("59000");  // below the ask: it rests
  ASSERT_EQ(rig.send(plan(rest)).status, 200);
  const auto open_count = [&](int64_t now) {
    const auto body = rig.send(RestRequest{"GET", "/fapi/v1/openOrders", [&] {
                                             QueryString q;
                                             q.add("timestamp", std::to_string(now));
                                             return q;
                                           }(),
                                           "", false},
                               now)
                          .body;
    size_t n = 0;
    for (size_t at = 0; (at = body.find("\"clientOrderId\"", at)) != std::string::npos; ++at) ++n;
    return n;
  };
  ASSERT_EQ(rig.send(plan_countdown_cancel_all("BTCUSDT", 1000, {kNow, 5000})).status, 200);
  EXPECT_EQ(open_count(kNow + 500), 1u);
  // Renewed at +800: the deadline moves to +1800.
  ASSERT_EQ(rig.send(plan_countdown_cancel_all("BTCUSDT", 1000, {kNow + 800, 5000}), kNow + 800).status, 200);
  EXPECT_EQ(open_count(kNow + 1500), 1u);
  rig.ex.take_user_events();
  EXPECT_EQ(open_count(kNow + 1900), 0u) << "not renewed: cancelled";
  const auto events = rig.ex.take_user_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("\"X\":\"CANCELED\""), std::string::npos);
  EXPECT_NE(events[0].find("\"c\":\"resting\""), std::string::npos);
}
