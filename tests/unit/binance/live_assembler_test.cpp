#include "fulcrum/binance/live_assembler.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/capture_script.h"
#include "fulcrum/marketdata/file_source.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;
using Kind = LiveEvent::Kind;

namespace {
std::string book_ticker(int64_t t, const char* bid) {
  static int64_t update_id = 0;  // increasing, as the exchange's are
  return std::string(R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":)") + std::to_string(++update_id) + R"(,"E":)" + std::to_string(t) +
         R"(,"T":1,"s":"BTCUSDT","b":")" + bid +
         R"(","B":"1","a":"100000","A":"1"}})";
}
std::string mark(int64_t t, const char* rate, int64_t next) {
  return std::string(R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":)") + std::to_string(t) +
         R"(,"s":"BTCUSDT","p":"60000.5","i":"60000","P":"60000","r":")" + rate + R"(","T":)" + std::to_string(next) + "}}";
}
}  // namespace

TEST(LiveAssembler, InstantsAreTheRunningMaximumOfExchangeTime) {
  LiveAssembler a({"BTCUSDT"}, "5m");
  std::vector<LiveEvent> out;
  EXPECT_EQ(a.on_message(book_ticker(1000, "1"), 1, out), "");
  EXPECT_EQ(a.on_message(book_ticker(1000, "2"), 2, out), "");
  EXPECT_EQ(a.on_message(book_ticker(999, "3"), 3, out), "");  // steps back: joins instant 1000
  EXPECT_EQ(a.on_message(book_ticker(1005, "4"), 4, out), "");
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[2].instant_ms, 1000);
  EXPECT_EQ(out[3].kind, Kind::kInstantEnd);
  EXPECT_EQ(out[3].instant_ms, 1000);
  EXPECT_EQ(out[4].instant_ms, 1005);
  EXPECT_EQ(a.dropped_out_of_order(), 1u);
  out.clear();
  a.flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instant_ms, 1005);
  a.flush(out);
  EXPECT_EQ(out.size(), 1u);  // nothing open: no second end
  out.clear();
  a.on_message(book_ticker(1005, "5"), 5, out);  // after a flush, the same time opens the next millisecond
  EXPECT_EQ(out[0].instant_ms, 1006);
}

TEST(LiveAssembler, FundingIsTheRateThatStoodWhenTheFundingTimePassed) {
  LiveAssembler a({"BTCUSDT"}, "5m");
  std::vector<LiveEvent> out;
  a.on_message(mark(28'799'000, "0.00010000", 28'800'000), 1, out);
  a.on_message(mark(28'800'000, "0.00020000", 57'600'000), 2, out);
  const auto it = std::find_if(out.begin(), out.end(), [](const auto& e) { return e.kind == Kind::kFunding; });
  ASSERT_NE(it, out.end());
  EXPECT_EQ(it->funding.funding_time_ms, 28'800'000);
  EXPECT_EQ(it->funding.rate.raw, core::Rate::parse("0.0001")->raw);
  EXPECT_EQ(it->funding.interval_hours, 8);
  const auto marks = std::count_if(out.begin(), out.end(), [](const auto& e) { return e.kind == Kind::kMarkBar; });
  EXPECT_EQ(marks, 2);
  EXPECT_EQ(out.back().bar.close_time_ms(), 28'800'000);
}

TEST(LiveAssembler, RefusesWhatItCannotTrade) {
  LiveAssembler a({"BTCUSDT"}, "5m");
  std::vector<LiveEvent> out;
  EXPECT_NE(a.on_message(R"({"data":{"e":"bookTicker","u":1,"E":1,"T":1,"s":"ETHUSDT","b":"1","B":"1","a":"1","A":"1"}})", 1, out).find("ETHUSDT"), std::string::npos);
  EXPECT_NE(a.on_message("garbage", 1, out), "");
  EXPECT_TRUE(out.empty());
}

// The exchange double's script of the real capture, through the assembler: every book top,
// trade, closed bar and mark comes out once (also when every frame arrives twice); the book
// syncs from the snapshot and stays in sync; a withheld diff is caught and asks for a new
// snapshot.
TEST(LiveAssembler, TheRealCaptureThroughTheDoublesScript) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto file = marketdata::read_data_file(test::shared_data_dir() + "/binance-um/ws/btcusdt_20240808.gz");
  const auto script = build_capture_script(file.bytes, 0.0001);
  EXPECT_EQ(script.malformed, 0u);
  EXPECT_GT(script.composed, 1000u);
  for (const auto& [withhold, twice] : {std::pair{false, false}, std::pair{true, false}, std::pair{false, true}}) {
    LiveAssembler a({"BTCUSDT"}, "1m");
    std::vector<LiveEvent> out;
    std::map<std::string, size_t> sent;
    size_t diffs = 0;
    bool withheld = false;
    DepthBook reference;  // the double's own book, as it serves snapshots
    for (const auto& d : script.diffs_before_snapshot) reference.on_diff(d);
    ASSERT_TRUE(reference.on_snapshot(script.snapshot));
    for (const auto& ev : script.events) {
      if (ev.diff) {
        reference.on_diff(*ev.diff);
        if (withhold && ++diffs == 500) {
          withheld = true;
          continue;
        }
      }
      if (ev.stream == "btcusdt@trade") continue;  // market-data takes aggTrade
      ++sent[ev.stream.substr(ev.stream.find('@') + 1)];
      const auto name = ev.stream == "btcusdt@depth" ? "btcusdt@depth@100ms" : ev.stream == "btcusdt@markPrice" ? "btcusdt@markPrice@1s" : ev.stream;
      for (int copy = 0; copy < (twice ? 2 : 1); ++copy)
        ASSERT_EQ(a.on_message(envelope(name, ev.data), ev.offset_ns, out), "") << ev.data.substr(0, 200);
      for (const auto& s : a.take_snapshot_requests()) {
        ASSERT_EQ(s, "BTCUSDT");
        DepthSnapshot snap;
        snap.last_update_id = reference.last_update_id();
        for (const auto& [p, q] : reference.bids()) snap.bids.push_back({core::Price::from_raw(p), core::Qty::from_raw(q)});
        for (const auto& [p, q] : reference.asks()) snap.asks.push_back({core::Price::from_raw(p), core::Qty::from_raw(q)});
        a.on_snapshot(s, snap);
      }
    }
    a.flush(out);
    const auto count = [&](Kind k) { return static_cast<size_t>(std::count_if(out.begin(), out.end(), [&](const auto& e) { return e.kind == k; })); };
    EXPECT_EQ(count(Kind::kBookTop), sent["bookTicker"]);
    EXPECT_EQ(count(Kind::kTrade), sent["aggTrade"]);
    EXPECT_EQ(count(Kind::kBar), sent["kline_1m"]);
    EXPECT_EQ(count(Kind::kMarkBar), sent["markPrice"]);
    EXPECT_GE(sent["kline_1m"], 5u);
    int64_t last_end = -1;
    for (const auto& e : out) {
      if (e.kind != Kind::kInstantEnd) {
        EXPECT_GT(e.instant_ms, last_end) << "an event after its instant ended";
        continue;
      }
      EXPECT_GT(e.instant_ms, last_end);
      last_end = e.instant_ms;
    }
    ASSERT_NE(a.book("BTCUSDT"), nullptr);
    EXPECT_TRUE(a.book("BTCUSDT")->synced());
    EXPECT_EQ(a.book("BTCUSDT")->last_update_id(), reference.last_update_id());
    EXPECT_EQ(a.book("BTCUSDT")->bids(), reference.bids());
    EXPECT_EQ(a.book("BTCUSDT")->asks(), reference.asks());
    EXPECT_EQ(a.resyncs(), withhold ? 1u : 0u);
    EXPECT_EQ(withheld, withhold);
    EXPECT_EQ(a.duplicates() > 0, twice);
  }
}

namespace {
std::string kline(const char* symbol, int64_t open_ms, int64_t event_ms, const char* close) {
  const std::string lower = std::string(symbol) == "BTCUSDT" ? "btcusdt" : "ethusdt";
  return R"({"stream":")" + lower + R"(@kline_5m","data":{"e":"kline","E":)" + std::to_string(event_ms) + R"(,"s":")" + symbol + R"(","k":{"t":)" +
         std::to_string(open_ms) + R"(,"T":)" + std::to_string(open_ms + 299'999) + R"(,"s":")" + symbol + R"(","i":"5m","o":"1","c":")" + close +
         R"(","h":"3","l":"0.5","v":"10","x":true,"V":"4"}}})";
}
}  // namespace

TEST(LiveAssembler, WarmUpComesFirstByCloseTimeMarkedAndTheStreamsCopyIsDropped) {
  using test::k5m;
  using test::kT0;
  LiveAssembler a({"BTCUSDT", "ETHUSDT"}, "5m");
  std::map<std::string, std::vector<model::Bar>> history{{"BTCUSDT", {test::bar(kT0, 1, 2, 1, 2), test::bar(kT0 + k5m, 2, 3, 2, 3)}},
                                                         {"ETHUSDT", {test::bar(kT0 + k5m, 5, 6, 5, 6)}}};
  std::vector<LiveEvent> out;
  ASSERT_EQ(a.warm_up(history, out), "");
  ASSERT_EQ(out.size(), 5u);
  const std::vector<std::pair<Kind, int64_t>> want{{Kind::kBar, kT0 + k5m}, {Kind::kInstantEnd, kT0 + k5m}, {Kind::kBar, kT0 + 2 * k5m},
                                                   {Kind::kBar, kT0 + 2 * k5m}, {Kind::kInstantEnd, kT0 + 2 * k5m}};
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].kind, want[i].first) << i;
    EXPECT_EQ(out[i].instant_ms, want[i].second) << i;
    EXPECT_TRUE(out[i].warmup) << i;
  }
  EXPECT_EQ(out[2].symbol, "BTCUSDT");  // the symbol order within an instant is the config's
  EXPECT_EQ(out[3].symbol, "ETHUSDT");
  EXPECT_NE(a.warm_up(history, out), "");  // once only
  out.clear();
  // The stream's copy of the last warm-up bar (it closed while history was asked for) is a
  // duplicate; the next bar is live; a bar after a skipped one is a gap, counted and named.
  EXPECT_EQ(a.on_message(kline("BTCUSDT", kT0 + k5m, kT0 + 2 * k5m + 50, "3"), 1, out), "");
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(a.duplicates(), 1u);
  EXPECT_EQ(a.on_message(kline("BTCUSDT", kT0 + 2 * k5m, kT0 + 3 * k5m + 40, "4"), 2, out), "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::kBar);
  EXPECT_FALSE(out[0].warmup);
  EXPECT_EQ(out[0].instant_ms, kT0 + 3 * k5m + 40);
  EXPECT_TRUE(a.take_bar_gaps().empty());
  EXPECT_EQ(a.on_message(kline("ETHUSDT", kT0 + 3 * k5m, kT0 + 4 * k5m + 40, "7"), 3, out), "");
  const auto gaps = a.take_bar_gaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].symbol, "ETHUSDT");
  EXPECT_EQ(gaps[0].first_missing_open_ms, kT0 + 2 * k5m);
  EXPECT_EQ(gaps[0].missing, 1);
  EXPECT_EQ(a.bar_gaps(), 1u);
  EXPECT_TRUE(a.take_bar_gaps().empty());
}

TEST(LiveAssembler, WarmUpRefusesWhatIsNotHistoryOfThisRun) {
  using test::k5m;
  using test::kT0;
  std::vector<LiveEvent> out;
  {
    LiveAssembler a({"BTCUSDT"}, "5m");
    EXPECT_NE(a.warm_up({{"SOLUSDT", {test::bar(kT0, 1, 2, 1, 2)}}}, out).find("SOLUSDT"), std::string::npos);
    EXPECT_NE(a.warm_up({{"BTCUSDT", {test::bar(kT0, 1, 2, 1, 2, 100, 60'000)}}}, out).find("not a 5m bar"), std::string::npos);
    EXPECT_NE(a.warm_up({{"BTCUSDT", {test::bar(kT0 + k5m, 1, 2, 1, 2), test::bar(kT0, 1, 2, 1, 2)}}}, out).find("not after"), std::string::npos);
    EXPECT_TRUE(out.empty());
  }
  LiveAssembler late({"BTCUSDT"}, "5m");
  late.on_message(book_ticker(kT0, "1"), 1, out);
  EXPECT_NE(late.warm_up({{"BTCUSDT", {test::bar(kT0 - k5m, 1, 2, 1, 2)}}}, out).find("before the first stream message"), std::string::npos);
}

// A live start in the middle of the real capture: the double's REST history at that point
// (its klines answer, the open minute left out) and then its kline stream give every minute
// the stream composes once, in order, none missing; the closed REST bars are the stream's.
TEST(LiveAssembler, WarmUpJoinsTheRealCapturesKlineStreamWithoutAGap) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto file = marketdata::read_data_file(test::shared_data_dir() + "/binance-um/ws/btcusdt_20240808.gz");
  const auto script = build_capture_script(file.bytes, 0.0001);
  std::vector<model::Bar> streamed;  // every kline the script sends, parsed independently of the history
  for (const auto& ev : script.events)
    if (ev.stream == "btcusdt@kline_1m") {
      const auto parsed = parse_stream_message(ev.data);
      ASSERT_TRUE(parsed.message);
      streamed.push_back(std::get<KlineMsg>(*parsed.message).bar);
    }
  ASSERT_GE(streamed.size(), 5u);
  for (const double start_s : {30.0, 200.0, 300.0}) {
    size_t k = 0;
    while (k < script.events.size() && script.events[k].offset_ns < static_cast<int64_t>(start_s * 1e9)) ++k;
    auto history = minute_bars_so_far(script, k);
    ASSERT_FALSE(history.empty());
    history.pop_back();  // still open
    for (size_t i = 0; i < history.size(); ++i) {
      EXPECT_EQ(history[i].open_time_ms, streamed[i].open_time_ms);
      EXPECT_EQ(history[i].open, streamed[i].open);
      EXPECT_EQ(history[i].high, streamed[i].high);
      EXPECT_EQ(history[i].low, streamed[i].low);
      EXPECT_EQ(history[i].close, streamed[i].close);
      EXPECT_EQ(history[i].volume, streamed[i].volume);
      EXPECT_EQ(history[i].taker_buy_volume, streamed[i].taker_buy_volume);
    }
    LiveAssembler a({"BTCUSDT"}, "1m");
    std::vector<LiveEvent> out;
    ASSERT_EQ(a.warm_up({{"BTCUSDT", history}}, out), "");
    for (size_t i = k; i < script.events.size(); ++i)
      if (script.events[i].stream == "btcusdt@kline_1m") {
        ASSERT_EQ(a.on_message(envelope("btcusdt@kline_1m", script.events[i].data), 1, out), "");
      }
    std::vector<model::Bar> published;
    size_t warm = 0;
    for (const auto& e : out)
      if (e.kind == Kind::kBar) {
        published.push_back(e.bar);
        warm += e.warmup;
      }
    EXPECT_EQ(warm, history.size()) << start_s;
    ASSERT_EQ(published.size(), streamed.size()) << "starting " << start_s << " s in";
    for (size_t i = 0; i < published.size(); ++i) {
      EXPECT_EQ(published[i].open_time_ms, streamed[i].open_time_ms);
      EXPECT_EQ(published[i].close, streamed[i].close);
    }
    EXPECT_EQ(a.bar_gaps(), 0u);
  }
}
