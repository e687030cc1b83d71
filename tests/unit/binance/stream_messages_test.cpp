#include "fulcrum/binance/stream_messages.h"

#include <gtest/gtest.h>

using namespace fulcrum;
using namespace fulcrum::binance;

// Payloads in the shapes Binance's USDⓈ-M stream docs give.
TEST(StreamMessages, ParsesEveryKindFulcrumSubscribes) {
  auto r = parse_stream_message(R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}})");
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto& m = std::get<MarkPriceMsg>(*r.message);
  EXPECT_EQ(m.mark.str(), core::Price::parse("11794.15")->str());
  EXPECT_EQ(m.funding_rate.raw, core::Rate::parse("0.00038167")->raw);
  EXPECT_EQ(m.next_funding_time_ms, 1562306400000);

  r = parse_stream_message(R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":123456789,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":true}})");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(std::get<TradeMsg>(*r.message).trade.buyer_is_maker);

  r = parse_stream_message(R"({"e":"kline","E":1638747660000,"s":"BTCUSDT","k":{"t":1638747660000,"T":1638747719999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":true,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}})");
  ASSERT_TRUE(r.error.empty()) << r.error;  // a bare payload (ws mode) too
  const auto& k = std::get<KlineMsg>(*r.message);
  EXPECT_TRUE(k.closed);
  EXPECT_EQ(k.bar.interval_ms, 60'000);
  EXPECT_EQ(k.bar.close_time_ms(), 1638747720000);
  EXPECT_EQ(k.bar.taker_buy_volume->raw, core::Qty::parse("500")->raw);

  r = parse_stream_message(R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(std::get<BookTickerMsg>(*r.message).update_id, 400900217);

  r = parse_stream_message(R"({"e":"forceOrder","E":1568014460893,"o":{}})");
  EXPECT_TRUE(r.error.empty());
  EXPECT_FALSE(r.message);  // known to be skipped, not an error
  EXPECT_EQ(r.kind, "forceOrder");
}

TEST(StreamMessages, MalformedMessagesNameTheField) {
  const auto err = [](const char* json) { return parse_stream_message(json).error; };
  EXPECT_NE(err("{").find("JSON"), std::string::npos);
  EXPECT_NE(err(R"({"data":{"e":"bookTicker","u":1,"E":2,"s":"X","b":"nan","B":"1","a":"1","A":"1"}})").find("field 'b' is not a decimal"), std::string::npos);
  EXPECT_NE(err(R"({"data":{"e":"markPriceUpdate","E":1,"s":"X","p":"1","i":"1","r":"0.1"}})").find("field 'T'"), std::string::npos);
  EXPECT_NE(err(R"({"data":{"e":"depthUpdate","E":1,"T":1,"s":"X","U":5,"u":4,"pu":3,"b":[],"a":[]}})").find("'U' is after 'u'"), std::string::npos);
  EXPECT_NE(err(R"({"data":{"e":"depthUpdate","E":1,"T":1,"s":"X","U":1,"u":4,"pu":0,"b":[["1"]],"a":[]}})").find("[price, qty]"), std::string::npos);
  EXPECT_NE(err(R"({"data":{"e":"depthUpdate","E":1,"T":1,"s":"X","U":1,"u":4,"pu":0,"b":[["1","-2"]],"a":[]}})").find("negative"), std::string::npos);
  EXPECT_NE(err(R"({"e":"kline","E":1,"s":"X","k":{"t":0,"T":59999,"i":"7q","o":"1","c":"1","h":"1","l":"1","v":"1","x":true,"V":"1"}})").find("interval"), std::string::npos);
  EXPECT_NE(err(R"({"e":"kline","E":1,"s":"X","k":{"t":0,"T":5,"i":"1m","o":"1","c":"1","h":"1","l":"1","v":"1","x":true,"V":"1"}})").find("'T'"), std::string::npos);
  std::string error;
  EXPECT_FALSE(parse_depth_snapshot(R"({"lastUpdateId":1,"E":1,"T":1,"bids":[["1","1"]]})", error));
  EXPECT_NE(error.find("asks"), std::string::npos);
}

TEST(StreamMessages, Intervals) {
  EXPECT_EQ(interval_ms("5m"), 300'000);
  EXPECT_EQ(interval_ms("1h"), 3'600'000);
  EXPECT_EQ(interval_ms("1d"), 86'400'000);
  EXPECT_EQ(interval_ms("m"), 0);
  EXPECT_EQ(interval_ms("99999999999m"), 0);
}
