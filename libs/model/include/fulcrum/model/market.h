#pragma once
// Market events as the domain sees them: candles, funding events, book tops.
#include <optional>
#include <string>

#include "fulcrum/core/clock.h"
#include "fulcrum/core/fixed_point.h"

namespace fulcrum::model {

using core::Price;
using core::Qty;
using core::Rate;
using core::TimestampMs;

struct Bar {
  TimestampMs open_time_ms = 0;
  TimestampMs interval_ms = 0;  // close time = open_time_ms + interval_ms
  Price open, high, low, close;
  Qty volume;
  std::optional<Qty> taker_buy_volume;  // present in Binance's 12-column files
  TimestampMs close_time_ms() const { return open_time_ms + interval_ms; }
};

struct FundingEvent {
  TimestampMs funding_time_ms = 0;
  int interval_hours = 8;
  Rate rate;  // fraction; positive: longs pay shorts
};

// One top-of-book snapshot (from the WebSocket bookTicker stream).
struct BookTop {
  TimestampMs event_time_ms = 0;
  Price bid, ask;
  Qty bid_qty, ask_qty;
};

// One public trade (from the WebSocket trade stream). buyer_is_maker: the seller was the
// aggressor.
struct Trade {
  TimestampMs trade_time_ms = 0;
  Price price;
  Qty quantity;
  bool buyer_is_maker = false;
};

}  // namespace fulcrum::model
