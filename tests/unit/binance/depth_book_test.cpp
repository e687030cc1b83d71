#include "fulcrum/binance/depth_book.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/marketdata/file_source.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;

namespace {
DepthLevel lv(const char* p, const char* q) { return {*core::Price::parse(p), *core::Qty::parse(q)}; }
DepthDiff diff(int64_t U, int64_t u, int64_t pu, std::vector<DepthLevel> bids, std::vector<DepthLevel> asks = {}) {
  DepthDiff d;
  d.symbol = "BTCUSDT";
  d.first_update_id = U;
  d.final_update_id = u;
  d.previous_final_id = pu;
  d.bids = std::move(bids);
  d.asks = std::move(asks);
  return d;
}
DepthSnapshot snapshot(int64_t id) {
  DepthSnapshot s;
  s.last_update_id = id;
  s.bids = {lv("100.0", "1"), lv("99.9", "2")};
  s.asks = {lv("100.1", "3"), lv("100.2", "4")};
  return s;
}
}  // namespace

TEST(DepthBook, FollowsTheDocumentedProcedure) {
  DepthBook book;
  EXPECT_EQ(book.on_diff(diff(90, 95, 89, {lv("100.0", "7")})), DepthBook::DiffResult::kBuffered);    // before the snapshot: u < 100, stale
  EXPECT_EQ(book.on_diff(diff(96, 102, 95, {lv("99.9", "0")})), DepthBook::DiffResult::kBuffered);    // bridges 100
  EXPECT_EQ(book.on_diff(diff(103, 104, 102, {}, {lv("100.1", "5")})), DepthBook::DiffResult::kBuffered);
  ASSERT_TRUE(book.on_snapshot(snapshot(100)));
  EXPECT_TRUE(book.synced());
  EXPECT_EQ(book.last_update_id(), 104);
  EXPECT_EQ(book.bids().size(), 1u);  // 99.9 removed by the bridging diff; the stale 7 never applied
  EXPECT_EQ(book.bids().begin()->second, core::Qty::parse("1")->raw);
  EXPECT_EQ(book.asks().begin()->second, core::Qty::parse("5")->raw);
  EXPECT_EQ(book.on_diff(diff(105, 106, 104, {lv("98.0", "0")})), DepthBook::DiffResult::kApplied);  // removing an absent level is normal
  // pu that does not continue the chain: out of sync, cleared, and counted.
  EXPECT_EQ(book.on_diff(diff(108, 110, 107, {lv("100.0", "9")})), DepthBook::DiffResult::kGap);
  EXPECT_FALSE(book.synced());
  EXPECT_EQ(book.resyncs_needed(), 1u);
  DepthLevel b, a;
  EXPECT_FALSE(book.best(b, a));
  // A snapshot no buffered diff bridges (the stream moved on past it) is refused too.
  EXPECT_EQ(book.on_diff(diff(120, 125, 119, {})), DepthBook::DiffResult::kBuffered);
  EXPECT_FALSE(book.on_snapshot(snapshot(110)));
  EXPECT_EQ(book.resyncs_needed(), 2u);
  ASSERT_TRUE(book.on_snapshot(snapshot(130)));  // newer than everything buffered: synced, waiting for its bridge
  EXPECT_EQ(book.on_diff(diff(126, 129, 125, {})), DepthBook::DiffResult::kStale);
  EXPECT_EQ(book.on_diff(diff(129, 133, 129, {lv("100.0", "2")})), DepthBook::DiffResult::kApplied);
  ASSERT_TRUE(book.best(b, a));
  EXPECT_EQ(b.qty.raw, core::Qty::parse("2")->raw);
}

TEST(DepthBook, ASnapshotAtADiffsEndIsBridgedByTheDiffThatNamesItAsPu) {
  DepthBook book;
  ASSERT_TRUE(book.on_snapshot(snapshot(100)));
  EXPECT_EQ(book.on_diff(diff(101, 105, 100, {lv("100.0", "4")})), DepthBook::DiffResult::kApplied);
  DepthBook other;
  ASSERT_TRUE(other.on_snapshot(snapshot(100)));
  EXPECT_EQ(other.on_diff(diff(101, 105, 99, {})), DepthBook::DiffResult::kGap);  // neither spans nor continues it
}

TEST(DepthBook, TheBufferIsBounded) {
  DepthBook book(3);
  for (int i = 0; i < 10; ++i) book.on_diff(diff(i * 10, i * 10 + 9, i * 10 - 1, {}));
  EXPECT_EQ(book.buffered(), 3u);
}

// The real capture (depth@0ms diffs, one REST snapshot, bookTicker): the book kept by
// DepthBook equals, at every bookTicker, a reference book kept here by separate code (its
// own JSON parser, double prices, a plain replay of the documented rules), level for level
// over the top 20. Where the book stands at exactly the bookTicker's update id, its best
// bid and ask are the exchange's own bookTicker.
TEST(DepthBook, TheRealCaptureMatchesAnIndependentReferenceAtEveryBookTicker) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto file = marketdata::read_data_file(test::shared_data_dir() + "/binance-um/ws/btcusdt_20240808.gz");
  std::istringstream lines(file.bytes);
  DepthBook book;
  std::map<double, double, std::greater<>> ref_bids;
  std::map<double, double> ref_asks;
  int64_t ref_last = -1;
  bool ref_synced = false;
  std::vector<nlohmann::json> ref_buffer;
  const auto ref_apply = [&](const nlohmann::json& d) {
    for (const auto& [side, target] : {std::pair{"b", 0}, std::pair{"a", 1}})
      for (const auto& l : d[side]) {
        const double p = std::stod(l[0].get<std::string>()), q = std::stod(l[1].get<std::string>());
        if (target == 0) (q == 0 ? (void)ref_bids.erase(p) : (void)(ref_bids[p] = q));
        else (q == 0 ? (void)ref_asks.erase(p) : (void)(ref_asks[p] = q));
      }
    ref_last = d["u"].get<int64_t>();
  };
  bool bridged = false;
  const auto ref_diff = [&](const nlohmann::json& d) {
    if (!ref_synced) return ref_buffer.push_back(d);
    const int64_t U = d["U"], u = d["u"], pu = d["pu"];
    if (!bridged) {
      if (u < ref_last) return;
      ASSERT_TRUE(U <= ref_last && ref_last <= u) << "the capture's first diff after the snapshot does not bridge it";
      bridged = true;
    } else {
      ASSERT_EQ(pu, ref_last) << "the capture itself has a gap";
    }
    ref_apply(d);
  };
  std::string line;
  size_t compared = 0, exact_ticker = 0, diffs = 0;
  while (std::getline(lines, line)) {
    const auto json_text = line.substr(line.find(' ') + 1);
    const auto j = nlohmann::json::parse(json_text);
    if (j.contains("lastUpdateId")) {
      std::string error;
      const auto snap = parse_depth_snapshot(json_text, error);
      ASSERT_TRUE(snap) << error;
      ASSERT_TRUE(book.on_snapshot(*snap));
      for (const auto& l : j["bids"]) ref_bids[std::stod(l[0].get<std::string>())] = std::stod(l[1].get<std::string>());
      for (const auto& l : j["asks"]) ref_asks[std::stod(l[0].get<std::string>())] = std::stod(l[1].get<std::string>());
      ref_last = j["lastUpdateId"];
      ref_synced = true;
      for (const auto& d : std::exchange(ref_buffer, {})) ref_diff(d);
      continue;
    }
    const auto parsed = parse_stream_message(json_text);
    ASSERT_TRUE(parsed.error.empty()) << parsed.error << " in " << json_text.substr(0, 200);
    const auto& data = j["data"];
    if (data["e"] == "depthUpdate") {
      ++diffs;
      const auto r = book.on_diff(std::get<DepthDiff>(*parsed.message));
      ASSERT_NE(r, DepthBook::DiffResult::kGap);
      ref_diff(data);
      continue;
    }
    if (data["e"] != "bookTicker" || !book.synced() || !bridged) continue;
    ASSERT_EQ(book.last_update_id(), ref_last);
    auto b = book.bids().begin();
    auto rb = ref_bids.begin();
    for (int i = 0; i < 20 && rb != ref_bids.end(); ++i, ++b, ++rb) {
      ASSERT_NE(b, book.bids().end());
      ASSERT_NEAR(core::Price::from_raw(b->first).to_double(), rb->first, 1e-9) << "bid level " << i;
      ASSERT_NEAR(core::Qty::from_raw(b->second).to_double(), rb->second, 1e-9) << "bid level " << i;
    }
    auto a = book.asks().begin();
    auto ra = ref_asks.begin();
    for (int i = 0; i < 20 && ra != ref_asks.end(); ++i, ++a, ++ra) {
      ASSERT_NE(a, book.asks().end());
      ASSERT_NEAR(core::Price::from_raw(a->first).to_double(), ra->first, 1e-9) << "ask level " << i;
      ASSERT_NEAR(core::Qty::from_raw(a->second).to_double(), ra->second, 1e-9) << "ask level " << i;
    }
    ++compared;
    const auto& top = std::get<BookTickerMsg>(*parsed.message);
    if (top.update_id == book.last_update_id()) {
      DepthLevel bid, ask;
      ASSERT_TRUE(book.best(bid, ask));
      EXPECT_EQ(bid.price.raw, top.top.bid.raw) << "u " << top.update_id;
      EXPECT_EQ(ask.price.raw, top.top.ask.raw) << "u " << top.update_id;
      EXPECT_EQ(bid.qty.raw, top.top.bid_qty.raw) << "u " << top.update_id;
      EXPECT_EQ(ask.qty.raw, top.top.ask_qty.raw) << "u " << top.update_id;
      ++exact_ticker;
    }
  }
  EXPECT_GT(diffs, 1000u);
  EXPECT_GT(compared, 10'000u) << "too few bookTicker updates compared to prove anything";
  EXPECT_EQ(book.resyncs_needed(), 0u);
  EXPECT_GT(exact_ticker, 50u) << "too few bookTickers at a diff's own update id to check against the exchange's top";
  std::cout << "  " << diffs << " diffs, " << compared << " bookTicker updates compared over the top 20 levels; " << exact_ticker
            << " at the ticker's own update id, best bid/ask equal to it\n";
}
