#pragma once
// The exchange double's market when it replays real history instead of a capture: each
// symbol's kline file, hourly mark-price candles and funding events, sent as the streams a
// live client subscribes to, in exchange time from a start point. The bars before the start
// are history (GET /fapi/v1/klines), never sent.
//
// A kline holds four prices, not the ticks between them, so each bar is walked as the usual
// OHLC path: open, then the extreme nearer the open's side of the bar (low first on a rising
// bar, high first on a falling one), then the other, then the close, at a quarter of the bar
// apart. At each point the double composes, and says so in its log:
//  - a book of one level a side: bid at the price, ask one tick above, a quarter of the bar's
//    volume on each (bookTicker, and the depth diff that moves the book there: U, u and pu
//    chain from a composed snapshot, so a client's book follows Binance's procedure);
//  - one aggTrade of a quarter of the volume at the price (the seller hit when it fell);
//  - markPrice: the last closed hourly mark candle's close (the point's price before the
//    first), with the funding rate and time of the next real funding event.
// Each bar's real kline (x = true) is sent at its close time. A funding event's time, once
// passed, is a settlement at the mark then and the file's rate: what the account pays.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/binance/capture_script.h"
#include "fulcrum/binance/depth_book.h"
#include "fulcrum/model/market.h"

namespace fulcrum::binance {

struct SymbolHistory {
  std::string symbol;  // upper case
  core::Price tick;
  std::vector<model::Bar> bars;       // one interval, time-ordered, each with its taker-buy volume
  std::vector<model::Bar> mark_bars;  // hourly mark candles; may be empty
  std::vector<model::FundingEvent> funding;  // may be empty: no settlement, rate 0
};

struct FundingSettlement {
  std::string symbol;
  core::Price mark;
  core::Rate rate;
  int64_t funding_time_ms = 0;
};

// What is due at one exchange time, every symbol's, in the order to send it.
struct MarketStep {
  int64_t time_ms = 0;
  std::vector<FundingSettlement> settlements;  // before the messages: they announce the next rate
  std::vector<ScriptEvent> events;
};

class HistoryMarket {
 public:
  // Throws std::invalid_argument naming the symbol: no bars, bars of mixed intervals, out of
  // order or without a taker-buy volume, a non-positive tick, or no bar at or after start_ms
  // in any symbol.
  HistoryMarket(std::vector<SymbolHistory> symbols, int64_t start_ms);

  const std::string& interval() const { return interval_; }  // "5m"
  int64_t start_ms() const { return start_ms_; }
  int64_t now_ms() const { return now_ms_; }  // the last step taken (start_ms before any)
  std::vector<std::string> symbols() const;

  bool done() const;
  int64_t next_time_ms() const;  // of the step take() returns; only when !done()
  MarketStep take();

  // The composed book every client's first snapshot starts from (lastUpdateId 1): the first
  // streamed bar's open. The double keeps its own book from it and the diffs it sends.
  DepthSnapshot book_start(const std::string& symbol) const;
  // GET /fapi/v1/klines now: the symbol's closed bars, oldest first, then the bar still open
  // (as far as its path has gone; just opened before its first point).
  std::vector<model::Bar> bars_so_far(const std::string& symbol) const;
  uint64_t settlements() const { return settlements_; }

 private:
  struct Cursor {
    SymbolHistory h;
    std::string stream_prefix;  // "btcusdt@"
    size_t bar = 0;             // the bar being walked, and where on its path: 0-3 the
    int phase = 0;              // points, 4 its close when no bar follows at once
    size_t closed = 0;          // bars closed so far: history, then sent klines
    bool awaiting_close = false;  // the bar before `bar` closes with the next point
    size_t next_funding = 0, next_mark = 0;
    std::optional<core::Price> mark;
    model::Bar open_bar;        // the bar being walked, as far as its path has gone
    core::Price last_price, bid, ask;
    int64_t update_id = 1, trade_id = 0;
    bool finished() const { return bar >= h.bars.size(); }
    int64_t time_ms(int64_t interval_ms) const;
  };
  void step(Cursor& c, MarketStep& out);
  void point(Cursor& c, MarketStep& out, core::Price price, int64_t t_ms);
  void close_bar(Cursor& c, MarketStep& out, size_t index, int64_t t_ms);

  std::vector<Cursor> cursors_;
  std::string interval_;
  int64_t interval_ms_ = 0, start_ms_ = 0, now_ms_ = 0;
  uint64_t settlements_ = 0;
};

// "5m" for 300000; empty when Binance has no such kline interval.
std::string interval_name(int64_t interval_ms);

}  // namespace fulcrum::binance
