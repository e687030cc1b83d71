#pragma once
// USDⓈ-M market stream messages as Binance documents them, parsed from the combined-stream
// envelope {"stream": "...", "data": {...}} (or a bare payload). Prices and quantities stay
// exact (fixed point from the decimal strings); a malformed message is an error naming the
// field, never a crash and never a zero.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fulcrum/binance/depth_book.h"
#include "fulcrum/model/market.h"

namespace fulcrum::binance {

struct BookTickerMsg {
  std::string symbol;
  int64_t update_id = 0;
  model::BookTop top;  // event_time_ms: the event time E
};

// aggTrade and trade alike: the aggressor side from m (buyer is maker: the seller hit).
struct TradeMsg {
  std::string symbol;
  int64_t event_time_ms = 0;
  int64_t id = 0;  // a (aggregate trade id) or t (trade id): increasing per symbol
  model::Trade trade;
};

struct MarkPriceMsg {
  std::string symbol;
  int64_t event_time_ms = 0;
  core::Price mark, index;
  core::Rate funding_rate;          // r: the rate that applies at next_funding_time_ms
  int64_t next_funding_time_ms = 0;  // T
};

struct KlineMsg {
  std::string symbol;
  int64_t event_time_ms = 0;
  std::string interval;
  bool closed = false;  // x: the bar is final
  model::Bar bar;
};

using StreamMessage = std::variant<BookTickerMsg, TradeMsg, MarkPriceMsg, KlineMsg, DepthDiff>;

struct ParseResult {
  std::optional<StreamMessage> message;
  std::string error;  // set when the message is malformed
  std::string kind;   // the event type ("e"), also for a kind this parser skips
};

ParseResult parse_stream_message(std::string_view json);
// GET /fapi/v1/depth's body. nullopt with `error` set when malformed.
std::optional<DepthSnapshot> parse_depth_snapshot(std::string_view json, std::string& error);

// GET /fapi/v1/klines's body: rows [openTime, "open", "high", "low", "close", "volume",
// closeTime, "quoteVolume", trades, "takerBuyBaseVolume", …] as bars of `interval`, in the
// answer's order. nullopt with `error` naming the row and the column when one is malformed, is
// of another interval, or is not after the row before it.
std::optional<std::vector<model::Bar>> parse_klines(std::string_view json, std::string_view interval, std::string& error);

// Kline interval text ("1m", "5m", "1h", "1d") in milliseconds; 0 when unknown.
int64_t interval_ms(std::string_view interval);

}  // namespace fulcrum::binance
