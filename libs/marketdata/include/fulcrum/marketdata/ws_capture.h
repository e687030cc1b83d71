#pragma once
// Binance USDⓈ-M combined-stream WebSocket captures: one "<local receive ns> <JSON>" per
// line, the stream's own JSON untouched. bookTicker becomes a BookTop, trade a Trade;
// depth diffs and the REST depth snapshots between them are counted and skipped (no book
// is rebuilt from them here).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/marketdata/validation.h"
#include "fulcrum/model/market.h"

namespace fulcrum::marketdata {

struct WsEvent {
  enum class Kind { kBookTop, kTrade } kind = Kind::kBookTop;
  std::string symbol;
  int64_t received_ns = 0;        // the capture's local receive time
  core::TimestampMs event_time_ms = 0;
  model::BookTop book;
  model::Trade trade;
};

struct WsCapture {
  std::string source;
  std::vector<WsEvent> events;    // in capture order
  size_t depth_updates = 0, depth_snapshots = 0, other_messages = 0;
  ValidationReport report;        // malformed lines, with file and line
};

// nullopt with `error` set for a malformed line; nullopt with `error` empty for a message
// kind this parser does not turn into an event (`kind` names it).
std::optional<WsEvent> parse_ws_line(std::string_view line, std::string& error, std::string& kind);

// Reads a capture (plain or gzip). Bad lines are reported and skipped; strict mode throws
// core::DataError on the first. A missing or empty file is a DataError.
WsCapture read_ws_capture(const std::string& path, ValidationMode mode = ValidationMode::kReport);

}  // namespace fulcrum::marketdata
