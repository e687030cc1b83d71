// The exchange double's market from kline history: what it composes parses back, walks each
// bar's OHLC path in time, sends each real bar once at its close, keeps a book a client can
// follow by Binance's procedure, and settles funding as the file's events pass; through the
// real client (LiveAssembler) the bundled sample comes out as the file's own bars and funding.
#include "fulcrum/binance/history_market.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "fulcrum/binance/live_assembler.h"
#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/binance/stream_writers.h"
#include "fulcrum/features/indicators.h"
#include "fulcrum/marketdata/dataset.h"
#include "test_support.h"

using namespace fulcrum;
using namespace fulcrum::binance;
using core::Price;
using core::Qty;
using core::Rate;
using test::k5m;
using test::kT0;

namespace {

template <class T>
T parsed_as(const std::string& json) {
  const auto r = parse_stream_message(json);
  EXPECT_EQ(r.error, "") << json;
  EXPECT_TRUE(r.message && std::holds_alternative<T>(*r.message)) << json;
  return r.message && std::holds_alternative<T>(*r.message) ? std::get<T>(*r.message) : T{};
}

}  // namespace

TEST(StreamWriters, EachPayloadParsesBackToWhatWasWritten) {
  const BookTickerMsg top{"BTCUSDT", 42, {kT0, *Price::parse("60000.1"), *Price::parse("60000.2"), *Qty::parse("1.5"), *Qty::parse("0.25")}};
  const auto t = parsed_as<BookTickerMsg>(book_ticker_json(top, kT0 - 1));
  EXPECT_EQ(t.update_id, 42);
  EXPECT_EQ(t.top.bid, top.top.bid);
  EXPECT_EQ(t.top.ask_qty, top.top.ask_qty);
  EXPECT_EQ(t.top.event_time_ms, kT0);

  const TradeMsg trade{"ETHUSDT", kT0 + 5, 7, {kT0 + 4, *Price::parse("3000.5"), *Qty::parse("0.003"), true}};
  const auto tr = parsed_as<TradeMsg>(agg_trade_json(trade));
  EXPECT_EQ(tr.id, 7);
  EXPECT_EQ(tr.trade.price, trade.trade.price);
  EXPECT_EQ(tr.trade.quantity, trade.trade.quantity);
  EXPECT_EQ(tr.trade.trade_time_ms, kT0 + 4);
  EXPECT_TRUE(tr.trade.buyer_is_maker);

  const MarkPriceMsg mark{"BTCUSDT", kT0, *Price::parse("60001"), *Price::parse("60002"), *Rate::parse("-0.00012345"), kT0 + 28'800'000};
  const auto json = mark_price_json(mark);
  EXPECT_NE(json.find("\"r\":\"-0.00012345\""), std::string::npos) << "Binance writes the rate with 8 decimals: " << json;
  const auto m = parsed_as<MarkPriceMsg>(json);
  EXPECT_EQ(m.mark, mark.mark);
  EXPECT_EQ(m.index, mark.index);
  EXPECT_EQ(m.funding_rate, mark.funding_rate);
  EXPECT_EQ(m.next_funding_time_ms, mark.next_funding_time_ms);

  KlineMsg k{"BTCUSDT", kT0 + k5m, "5m", true, test::bar(kT0, 100, 110, 95, 105, 12.5)};
  k.bar.taker_buy_volume = *Qty::parse("6.25");
  const auto kl = parsed_as<KlineMsg>(kline_json(k, 3));
  EXPECT_TRUE(kl.closed);
  EXPECT_EQ(kl.bar.open_time_ms, kT0);
  EXPECT_EQ(kl.bar.interval_ms, k5m);
  EXPECT_EQ(kl.bar.high, k.bar.high);
  EXPECT_EQ(kl.bar.low, k.bar.low);
  EXPECT_EQ(kl.bar.volume, k.bar.volume);
  EXPECT_EQ(kl.bar.taker_buy_volume, k.bar.taker_buy_volume);

  DepthDiff d{"BTCUSDT", kT0, kT0 - 2, 11, 12, 10, {{*Price::parse("99.9"), Qty{}}, {*Price::parse("100"), *Qty::parse("2")}}, {{*Price::parse("100.1"), *Qty::parse("3")}}};
  const auto dd = parsed_as<DepthDiff>(depth_diff_json(d));
  EXPECT_EQ(dd.first_update_id, 11);
  EXPECT_EQ(dd.final_update_id, 12);
  EXPECT_EQ(dd.previous_final_id, 10);
  ASSERT_EQ(dd.bids.size(), 2u);
  EXPECT_TRUE(dd.bids[0].qty.is_zero());
  EXPECT_EQ(dd.asks.at(0).qty, *Qty::parse("3"));
}

// One symbol by hand: a bar of history, two contiguous bars, a gap, one more bar; a funding
// event in the middle and a mark candle that closed before the start.
TEST(HistoryMarket, WalksEachBarsPathAndClosesEachBarOnce) {
  SymbolHistory h{"BTCUSDT", *Price::parse("0.1"), {}, {}, {}};
  h.bars = {test::bar(kT0, 98, 101, 97, 100, 8), test::bar(kT0 + k5m, 100, 110, 95, 105, 8), test::bar(kT0 + 2 * k5m, 105, 108, 90, 92, 8),
            test::bar(kT0 + 4 * k5m, 93, 94, 91, 94, 8)};
  for (auto& b : h.bars) b.taker_buy_volume = *Qty::parse("3");
  h.mark_bars = {test::bar(kT0 - 3'600'000, 99, 99, 99, 99, 0, 3'600'000)};
  h.funding = {{kT0 - 1, 8, *Rate::parse("0.5")}, {kT0 + 2 * k5m, 8, *Rate::parse("0.0003")}, {kT0 + 28'800'000, 8, *Rate::parse("-0.0001")}};
  HistoryMarket market({h}, kT0 + 1);  // between bars: the replay starts at the next bar's open
  EXPECT_EQ(market.interval(), "5m");
  EXPECT_EQ(market.start_ms(), kT0 + k5m);

  auto so_far = market.bars_so_far("BTCUSDT");
  ASSERT_EQ(so_far.size(), 2u) << "the bar of history, then the bar just opened";
  EXPECT_EQ(so_far[0].close, h.bars[0].close);
  EXPECT_EQ(so_far[1].open_time_ms, kT0 + k5m);
  EXPECT_EQ(so_far[1].high, h.bars[1].open);
  EXPECT_TRUE(so_far[1].volume.is_zero());

  DepthBook book;
  ASSERT_TRUE(book.on_snapshot(market.book_start("BTCUSDT")));
  std::vector<int64_t> times;
  std::vector<std::string> prices;
  std::vector<bool> sells;
  std::vector<KlineMsg> closes;
  std::vector<int64_t> close_times;
  std::vector<FundingSettlement> settled;
  std::vector<MarkPriceMsg> marks;
  int steps = 0;
  while (!market.done()) {
    const auto due = market.next_time_ms();
    const auto step = market.take();
    ++steps;
    EXPECT_EQ(step.time_ms, due);
    EXPECT_EQ(market.now_ms(), due);
    times.push_back(step.time_ms);
    for (const auto& f : step.settlements) settled.push_back(f);
    for (const auto& e : step.events) {
      EXPECT_EQ(e.event_time_ms, step.time_ms);
      EXPECT_EQ(e.offset_ns, (step.time_ms - market.start_ms()) * 1'000'000);
      if (e.diff) {
        ASSERT_EQ(book.on_diff(*e.diff), DepthBook::DiffResult::kApplied) << e.data;
        EXPECT_EQ(parsed_as<DepthDiff>(e.data).final_update_id, e.diff->final_update_id);
      } else if (e.stream == "btcusdt@bookTicker") {
        // The top it announces is the book its diffs made: a client's book agrees with it.
        const auto top = parsed_as<BookTickerMsg>(e.data);
        DepthLevel bid, ask;
        ASSERT_TRUE(book.best(bid, ask));
        EXPECT_EQ(bid.price, top.top.bid);
        EXPECT_EQ(ask.price, top.top.ask);
        EXPECT_EQ(ask.price - bid.price, *Price::parse("0.1"));
        EXPECT_EQ(book.bids().size(), 1u);
        EXPECT_EQ(book.asks().size(), 1u);
        EXPECT_EQ(top.update_id, book.last_update_id());
      } else if (e.stream == "btcusdt@aggTrade") {
        const auto t = parsed_as<TradeMsg>(e.data);
        prices.push_back(t.trade.price.str());
        sells.push_back(t.trade.buyer_is_maker);
      } else if (e.stream == "btcusdt@kline_5m") {
        closes.push_back(parsed_as<KlineMsg>(e.data));
        close_times.push_back(e.event_time_ms);
      } else if (e.stream == "btcusdt@markPrice") {
        marks.push_back(parsed_as<MarkPriceMsg>(e.data));
      }
    }
    if (steps == 2) {
      so_far = market.bars_so_far("BTCUSDT");
      ASSERT_EQ(so_far.size(), 2u);
      EXPECT_EQ(so_far[1].open, h.bars[1].open);
      EXPECT_EQ(so_far[1].low, h.bars[1].low) << "the open bar's path so far: open, then its low";
      EXPECT_EQ(so_far[1].high, h.bars[1].open);
      EXPECT_EQ(so_far[1].close, h.bars[1].low);
    }
  }
  const int64_t q = k5m / 4;
  const int64_t t1 = kT0 + k5m, t2 = kT0 + 2 * k5m, t4 = kT0 + 4 * k5m;
  EXPECT_EQ(times, (std::vector<int64_t>{t1, t1 + q, t1 + 2 * q, t1 + 3 * q, t2, t2 + q, t2 + 2 * q, t2 + 3 * q, t2 + k5m, t4, t4 + q, t4 + 2 * q, t4 + 3 * q, t4 + k5m}));
  // Rising bars go open, low, high, close; the falling one open, high, low, close.
  auto p = [](const char* s) { return Price::parse(s)->str(); };
  EXPECT_EQ(prices, (std::vector<std::string>{p("100"), p("95"), p("110"), p("105"), p("105"), p("108"), p("90"), p("92"), p("93"), p("91"), p("94"), p("94")}));
  EXPECT_EQ(sells, (std::vector<bool>{false, true, false, true, false, false, true, false, false, true, false, false}));
  // Each streamed bar exactly once, at its close, with the file's values.
  ASSERT_EQ(closes.size(), 3u);
  EXPECT_EQ(close_times, (std::vector<int64_t>{t2, t2 + k5m, t4 + k5m}));
  for (size_t i = 0; i < 3; ++i) {
    const auto& want = h.bars[i + 1];
    EXPECT_TRUE(closes[i].closed);
    EXPECT_EQ(closes[i].bar.open_time_ms, want.open_time_ms);
    EXPECT_EQ(closes[i].bar.open, want.open);
    EXPECT_EQ(closes[i].bar.high, want.high);
    EXPECT_EQ(closes[i].bar.low, want.low);
    EXPECT_EQ(closes[i].bar.close, want.close);
    EXPECT_EQ(closes[i].bar.volume, want.volume);
  }
  EXPECT_EQ(market.bars_so_far("BTCUSDT").size(), h.bars.size()) << "at the end every bar is closed and none is open";
  // The funding event at t2 settles once, in the step at its time, at the mark then (the
  // candle that closed before the start); the one before the start is history.
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].funding_time_ms, t2);
  EXPECT_EQ(settled[0].rate, *Rate::parse("0.0003"));
  EXPECT_EQ(settled[0].mark, *Price::parse("99"));
  EXPECT_EQ(market.settlements(), 1u);
  ASSERT_EQ(marks.size(), 12u);
  for (size_t i = 0; i < marks.size(); ++i) {
    EXPECT_EQ(marks[i].mark, *Price::parse("99"));
    EXPECT_EQ(marks[i].next_funding_time_ms, i < 4 ? t2 : kT0 + 28'800'000) << i;
    EXPECT_EQ(marks[i].funding_rate, i < 4 ? *Rate::parse("0.0003") : *Rate::parse("-0.0001")) << i;
  }
}

TEST(HistoryMarket, RefusesWhatItCannotReplay) {
  SymbolHistory h{"BTCUSDT", *Price::parse("0.1"), {test::bar(kT0, 1, 1, 1, 1), test::bar(kT0 + k5m, 1, 1, 1, 1, 1, 60'000)}, {}, {}};
  EXPECT_THROW(HistoryMarket({h}, kT0), std::invalid_argument) << "no taker-buy volume";
  for (auto& b : h.bars) b.taker_buy_volume = Qty{};
  EXPECT_THROW(HistoryMarket({h}, kT0), std::invalid_argument) << "mixed intervals";
  h.bars.pop_back();
  EXPECT_THROW(HistoryMarket({h}, kT0 + k5m), std::invalid_argument) << "no bar at or after the start";
  h.tick = Price{};
  EXPECT_THROW(HistoryMarket({h}, kT0), std::invalid_argument);
  EXPECT_THROW(HistoryMarket({}, kT0), std::invalid_argument);
  h.tick = *Price::parse("0.1");
  h.bars = {test::bar(kT0 + k5m, 1, 1, 1, 1), test::bar(kT0, 1, 1, 1, 1)};
  for (auto& b : h.bars) b.taker_buy_volume = Qty{};
  EXPECT_THROW(HistoryMarket({h}, kT0), std::invalid_argument) << "bars out of order";
}

// The bundled sample through the real client: warm-up from the double's klines, then two
// days of streams for two symbols. Out come the file's own bars (none missing, none twice),
// the file's funding events at their rates, and a book in sync with the double's.
TEST(HistoryMarket, TheBundledSampleThroughTheLiveClient) {
  marketdata::DataSources src;
  src.klines = test::sample_dir() + "/klines-5m";
  src.mark_price = test::sample_dir() + "/markprice-1h";
  src.funding = test::sample_dir() + "/funding";
  src.symbols = {"BTCUSDT", "ETHUSDT"};
  const auto loaded = marketdata::load_data(src, [](const std::string& s) { return test::spec(s, s == "BTCUSDT" ? "0.1" : "0.01"); });
  ASSERT_EQ(loaded.symbols.size(), 2u);
  std::vector<SymbolHistory> symbols;
  for (const auto& d : loaded.symbols) {
    ASSERT_FALSE(d.bars.front().taker_buy_volume) << "the sample's 6-column files have no taker-buy volume: the double composes it";
    symbols.push_back({d.spec.symbol, d.spec.tick_size, d.bars, d.mark_bars, d.funding});
    features::classify_missing_taker_buys(symbols.back().bars);
  }
  const int64_t start = kT0 + 5 * 86'400'000, end = start + 2 * 86'400'000;
  HistoryMarket market(symbols, start);
  ASSERT_EQ(market.start_ms(), start);

  LiveAssembler client({"BTCUSDT", "ETHUSDT"}, "5m");
  std::vector<LiveEvent> out;
  std::map<std::string, std::vector<model::Bar>> warm;
  for (const auto& s : market.symbols()) {
    auto rows = market.bars_so_far(s);
    rows.pop_back();  // the bar still open, as read_closed_klines leaves it out
    warm[s] = rows;
  }
  ASSERT_EQ(client.warm_up(warm, out), "");
  std::map<std::string, DepthBook> double_books;
  for (const auto& s : market.symbols()) ASSERT_TRUE(double_books[s].on_snapshot(market.book_start(s)));
  std::vector<FundingSettlement> settled;
  size_t trades_sent = 0;
  while (!market.done() && market.next_time_ms() <= end) {
    const auto step = market.take();
    settled.insert(settled.end(), step.settlements.begin(), step.settlements.end());
    for (const auto& e : step.events) {
      if (e.diff) {
        ASSERT_EQ(double_books[e.diff->symbol].on_diff(*e.diff), DepthBook::DiffResult::kApplied);
      }
      trades_sent += e.stream.ends_with("@aggTrade");
      const auto name = e.stream.ends_with("@depth") ? e.stream + "@100ms" : e.stream.ends_with("@markPrice") ? e.stream + "@1s" : e.stream;
      ASSERT_EQ(client.on_message(envelope(name, e.data), e.offset_ns, out), "") << e.data;
      for (const auto& s : client.take_snapshot_requests()) {
        DepthSnapshot snap;
        snap.last_update_id = double_books[s].last_update_id();
        for (const auto& [px, qty] : double_books[s].bids()) snap.bids.push_back({Price::from_raw(px), Qty::from_raw(qty)});
        for (const auto& [px, qty] : double_books[s].asks()) snap.asks.push_back({Price::from_raw(px), Qty::from_raw(qty)});
        ASSERT_TRUE(client.on_snapshot(s, snap));
      }
    }
  }
  client.flush(out);
  EXPECT_EQ(client.bar_gaps(), 0u);
  EXPECT_EQ(client.resyncs(), 0u);
  size_t trades_out = 0;
  for (const auto& d : loaded.symbols) {
    const auto& s = d.spec.symbol;
    // The file's bars: warm-up before the start, streamed after it, each once, to the last unit.
    std::vector<model::Bar> want, warm_got, live_got;
    const auto& replayed = std::find_if(symbols.begin(), symbols.end(), [&](const auto& h) { return h.symbol == s; })->bars;
    for (const auto& b : replayed)
      if (b.close_time_ms() <= end) want.push_back(b);
    for (const auto& e : out) {
      if (e.symbol != s || e.kind != LiveEvent::Kind::kBar) continue;
      (e.warmup ? warm_got : live_got).push_back(e.bar);
    }
    EXPECT_EQ(warm_got.size(), warm[s].size());
    EXPECT_GT(live_got.size(), 500u);
    warm_got.insert(warm_got.end(), live_got.begin(), live_got.end());
    ASSERT_EQ(warm_got.size(), want.size()) << s;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(warm_got[i].open_time_ms, want[i].open_time_ms) << s << " bar " << i;
      EXPECT_EQ(warm_got[i].open, want[i].open);
      EXPECT_EQ(warm_got[i].high, want[i].high);
      EXPECT_EQ(warm_got[i].low, want[i].low);
      EXPECT_EQ(warm_got[i].close, want[i].close);
      EXPECT_EQ(warm_got[i].volume, want[i].volume);
      EXPECT_EQ(warm_got[i].taker_buy_volume, want[i].taker_buy_volume);
    }
    // The file's funding events in the window: the double settled each, and the client saw
    // each at its time with its rate (from markPrice's next funding time moving on).
    std::vector<model::FundingEvent> want_funding;
    for (const auto& f : d.funding)
      if (f.funding_time_ms > start && f.funding_time_ms <= end - k5m) want_funding.push_back(f);
    ASSERT_GE(want_funding.size(), 5u) << s;
    std::vector<model::FundingEvent> got;
    for (const auto& e : out)
      if (e.symbol == s && e.kind == LiveEvent::Kind::kFunding) got.push_back(e.funding);
    std::vector<FundingSettlement> mine;
    for (const auto& f : settled)
      if (f.symbol == s && f.funding_time_ms <= end - k5m) mine.push_back(f);
    ASSERT_GE(got.size(), want_funding.size()) << s;
    ASSERT_EQ(mine.size(), want_funding.size()) << s;
    for (size_t i = 0; i < want_funding.size(); ++i) {
      EXPECT_EQ(got[i].funding_time_ms, want_funding[i].funding_time_ms) << s << " funding " << i;
      EXPECT_EQ(got[i].rate, want_funding[i].rate);
      EXPECT_EQ(mine[i].funding_time_ms, want_funding[i].funding_time_ms);
      EXPECT_EQ(mine[i].rate, want_funding[i].rate);
    }
    ASSERT_NE(client.book(s), nullptr);
    EXPECT_TRUE(client.book(s)->synced());
    EXPECT_EQ(client.book(s)->bids(), double_books[s].bids());
    EXPECT_EQ(client.book(s)->asks(), double_books[s].asks());
  }
  for (const auto& e : out) trades_out += e.kind == LiveEvent::Kind::kTrade;
  EXPECT_EQ(trades_out, trades_sent);
}
