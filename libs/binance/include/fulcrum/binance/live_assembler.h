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
  // Ends the open instant (the stream went quiet).
  void flush(std::vector<LiveEvent>& out);

  // Streams ("btcusdt@bookTicker", …) silent for longer than `max_silence_ns` at `now_ns`,
  // never-heard ones included once `started_ns` is that far behind.
  std::vector<std::string> stale_streams(int64_t now_ns, int64_t max_silence_ns) const;
  const DepthBook* book(const std::string& symbol) const;
  uint64_t resyncs() const;
  uint64_t dropped_out_of_order() const { return out_of_order_; }
  uint64_t duplicates() const { return duplicates_; }

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
  uint64_t out_of_order_ = 0, duplicates_ = 0;
};

}  // namespace fulcrum::binance
