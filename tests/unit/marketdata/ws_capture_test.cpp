// The WebSocket capture parser on Binance's own messages, copied from the real capture.
#include <gtest/gtest.h>

#include "fulcrum/core/error.h"
#include "fulcrum/marketdata/ws_capture.h"
#include "test_support.h"

using namespace fulcrum;

TEST(WsCapture, BookTickerAndTradeFromRealLines) {
  std::string error, kind;
  const auto book = marketdata::parse_ws_line(
      R"(1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}})",
      error, kind);
  ASSERT_TRUE(book) << error;
  EXPECT_EQ(book->kind, marketdata::WsEvent::Kind::kBookTop);
  EXPECT_EQ(book->symbol, "BTCUSDT");
  EXPECT_EQ(book->received_ns, 1723161255088169167);
  EXPECT_EQ(book->event_time_ms, 1723161256313);
  EXPECT_EQ(book->book.bid, *core::Price::parse("61800.20"));
  EXPECT_EQ(book->book.ask_qty, *core::Qty::parse("2.510"));
  // Worked by hand: spread 0.1; mid 61800.25 → 0.1 / 61800.25 · 1e4 = 0.016181… bps;
  // OBI (2.507 − 2.510) / 5.017 = −0.000597967…
  const double bid = book->book.bid.to_double(), ask = book->book.ask.to_double();
  const double bid_qty = book->book.bid_qty.to_double(), ask_qty = book->book.ask_qty.to_double();
  EXPECT_NEAR(ask - bid, 0.1, 1e-9);
  EXPECT_NEAR((ask - bid) / ((ask + bid) / 2) * 1e4, 0.0161811, 1e-6);
  EXPECT_NEAR((bid_qty - ask_qty) / (bid_qty + ask_qty), -0.000597967, 1e-9);

  const auto trade = marketdata::parse_ws_line(
      R"(1723161255088176367 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}})",
      error, kind);
  ASSERT_TRUE(trade) << error;
  EXPECT_EQ(trade->kind, marketdata::WsEvent::Kind::kTrade);
  EXPECT_EQ(trade->trade.price, *core::Price::parse("61800.30"));
  EXPECT_EQ(trade->trade.quantity, *core::Qty::parse("0.006"));
  EXPECT_FALSE(trade->trade.buyer_is_maker) << "m=false: the buyer was the aggressor";

  EXPECT_FALSE(marketdata::parse_ws_line(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"b":[],"a":[]}})", error, kind));
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(kind, "depthUpdate");
}

TEST(WsCapture, MalformedLinesSayWhatIsWrong) {
  std::string error, kind;
  EXPECT_FALSE(marketdata::parse_ws_line("no-timestamp-here", error, kind));
  EXPECT_NE(error.find("<receive ns> <json>"), std::string::npos) << error;
  EXPECT_FALSE(marketdata::parse_ws_line("12x {}", error, kind));
  EXPECT_NE(error.find("receive time '12x'"), std::string::npos) << error;
  EXPECT_FALSE(marketdata::parse_ws_line("5 {\"data\": [1,2", error, kind));
  EXPECT_NE(error.find("'data' object"), std::string::npos) << error << " (simdjson on demand: a truncated document fails on access)";
  EXPECT_FALSE(marketdata::parse_ws_line(R"(5 {"stream":"x"})", error, kind));
  EXPECT_NE(error.find("'data' object"), std::string::npos) << error;
  EXPECT_FALSE(marketdata::parse_ws_line(R"(5 {"data":{"e":"bookTicker","s":"X","b":"1.0","B":"1","a":"abc","A":"1","E":1}})", error, kind));
  EXPECT_NE(error.find("field 'a' is not a decimal: 'abc'"), std::string::npos) << error;
  EXPECT_FALSE(marketdata::parse_ws_line(R"(5 {"data":{"e":"bookTicker","s":"X","b":"2.0","B":"1","a":"1.0","A":"1","E":1}})", error, kind));
  EXPECT_NE(error.find("crossed"), std::string::npos) << error;
  EXPECT_FALSE(marketdata::parse_ws_line(R"(5 {"data":{"e":"trade","T":1,"s":"X","p":"1.0","q":"1"}})", error, kind));
  EXPECT_NE(error.find("field 'm'"), std::string::npos) << error;
}

TEST(WsCapture, FileReportsBadLinesWithTheirLineNumbers) {
  const auto dir = test::temp_dir("ws_capture");
  const auto path = dir + "/cap.txt";
  test::write_text(path,
                   R"(1 {"data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":1,"p":"100.0","q":"0.5","m":true}})"
                   "\ngarbage line\n"
                   R"(2 {"data":{"e":"depthUpdate","E":2,"b":[],"a":[]}})"
                   "\n");
  const auto cap = marketdata::read_ws_capture(path);
  ASSERT_EQ(cap.events.size(), 1u);
  EXPECT_EQ(cap.depth_updates, 1u);
  ASSERT_EQ(cap.report.issues.size(), 1u);
  EXPECT_EQ(cap.report.issues[0].line, 2u);
  EXPECT_THROW(marketdata::read_ws_capture(path, marketdata::ValidationMode::kStrict), core::DataError);
  test::write_text(path, "");
  EXPECT_THROW(marketdata::read_ws_capture(path), core::DataError);
}

TEST(WsCapture, TheRealCaptureParsesCompletely) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto cap = marketdata::read_ws_capture(test::shared_data_dir() + "/binance-um/ws/btcusdt_20240808.gz");
  EXPECT_TRUE(cap.report.issues.empty()) << cap.report.summary();
  size_t books = 0, trades = 0;
  for (const auto& e : cap.events) (e.kind == marketdata::WsEvent::Kind::kBookTop ? books : trades)++;
  EXPECT_GT(books, 1000u);
  EXPECT_GT(trades, 1000u);
  EXPECT_GT(cap.depth_updates, 100u);
  EXPECT_GE(cap.depth_snapshots, 1u) << "the recorder's REST snapshot";
  EXPECT_EQ(books + trades + cap.depth_updates + cap.depth_snapshots + cap.other_messages, cap.report.rows_read);
}

TEST(WsCapture, FuzzFoundAnEmptyEventTypeIsAnErrorNotAnIgnoredKind) {
  // tests/fuzz/fuzz_ws_json, crash-74148ad8…: broken JSON after an empty "e" was returned
  // as neither an event, an error nor a kind, so a capture counted it as an ignored message.
  const std::string line =
      "1723161255454137566 {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":\"\":\"61800.172316125510\",\"B\":\"0.600\",\"a\":\"61804\","
      "\"X\":\"MA:1723161256RKET\",\"m\":t723}}\nrue}}\n";
  std::string error, kind;
  EXPECT_FALSE(marketdata::parse_ws_line(line, error, kind));
  EXPECT_EQ(error, "field 'e' (event type) is empty");
  EXPECT_TRUE(kind.empty());
}
