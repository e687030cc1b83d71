#pragma once
// Live Binance messages in, the market events a replay publishes out, so nothing downstream
// knows the difference: book tops (bookTicker), trades (aggTrade), closed bars (kline, x =
// true), mark (markPrice@1s as a one-second mark candle, the shape the venue's mark code
// takes from history) and funding (when markPrice's next funding time moves on, the event
// at the time that passed, with the rate that stood for it). Events are grouped into
// instants by exchange time; an instant ends when a later exchange time arrives or when
// the stream goes quiet (flush). It also keeps each symbol's depth book, says which need a
// REST snapshot, and knows how long each stream has been silent.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/binance/depth_book.h"
#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/model/market.h"

namespace fulcrum::binance {

struct LiveEvent {
  enum class Kind { kBookTop, kTrade, kBar, kMarkBar, kFunding, kInstantEnd } kind;
  std::string symbol;
  int64_t instant_ms = 0;  // the instant it belongs to
  model::BookTop top;
  model::Trade trade;
  model::Bar bar;
  model::FundingEvent funding;
  bool warmup = false;  // history sent before the streams (warm_up): never traded on
};

// A closed bar that never came: the stream skipped from one bar to a later one (a bar that
// closed while a connection was down, or between the warm-up's answer and the stream).
struct BarGap {
  std::string symbol;
  int64_t first_missing_open_ms = 0;
  int64_t missing = 0;
};

class LiveAssembler {
 public:
  LiveAssembler(std::vector<std::string> symbols, std::string kline_interval);

  // One WebSocket message. Appends what it yields to `out`; returns an error (empty when
  // fine) for a malformed message or one for a symbol this run does not trade.
  std::string on_message(std::string_view json, int64_t received_ns, std::vector<LiveEvent>& out);
  // A REST snapshot for `symbol`; false when the book must ask again.
  bool on_snapshot(const std::string& symbol, const DepthSnapshot& snapshot);
  // Symbols whose book awaits a snapshot that has not been asked for yet (each is then
  // marked as asked; on_snapshot or a new gap makes it askable again).
  std::vector<std::string> take_snapshot_requests();
  // The snapshot asked for could not be had: make it askable again.
  void snapshot_failed(const std::string& symbol);
  // History before the streams, so features are warm when trading starts: each symbol's
  // closed bars of the stream's interval, oldest first (GET /fapi/v1/klines without its last
  // row, the bar still open). Appends them to `out` as warm-up instants, by close time across
  // symbols as a replay orders them, and drops the stream's own copy of any of them later.
  // Only before the first message; returns an error (and appends nothing) otherwise, or for
  // an unknown symbol, a bar of another interval, or bars out of order.
  std::string warm_up(const std::map<std::string, std::vector<model::Bar>>& bars, std::vector<LiveEvent>& out);
  // The bar gaps found since the last call.
  std::vector<BarGap> take_bar_gaps();
  // Ends the open instant (the stream went quiet).
  void flush(std::vector<LiveEvent>& out);

  // Streams ("btcusdt@bookTicker", …) silent for longer than `max_silence_ns` at `now_ns`,
  // never-heard ones included once `started_ns` is that far behind.
  std::vector<std::string> stale_streams(int64_t now_ns, int64_t max_silence_ns) const;
  const DepthBook* book(const std::string& symbol) const;
  uint64_t resyncs() const;
  uint64_t dropped_out_of_order() const { return out_of_order_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t bar_gaps() const { return bar_gaps_; }

 private:
  struct SymbolState {
    DepthBook book;
    bool snapshot_asked = false;
    std::optional<int64_t> next_funding_ms;
    core::Rate funding_rate;
    // What was last taken from each stream: a frame at or before it is a duplicate (the
    // exchange re-sends after a reconnect; a faulty path can repeat) and is dropped.
    int64_t last_book_update = -1, last_trade_id = -1, last_bar_open_ms = -1, last_mark_ms = -1;
  };
  // Opens (or keeps) the instant for an event at `event_ms`; returns the instant's time.
  int64_t advance(int64_t event_ms, std::vector<LiveEvent>& out);
  SymbolState* state(const std::string& symbol);

  std::vector<std::string> symbols_;
  std::string interval_;
  std::map<std::string, SymbolState> states_;
  std::map<std::string, int64_t, std::less<>> last_heard_ns_;  // per subscribed stream; found by string_view
  int64_t started_ns_ = -1;
  int64_t instant_ms_ = -1;  // the latest instant; -1: none yet
  bool instant_open_ = false;
  int64_t interval_ms_ = 0;
  uint64_t out_of_order_ = 0, duplicates_ = 0, bar_gaps_ = 0;
  std::vector<BarGap> new_gaps_;
};

}  // namespace fulcrum::binance
