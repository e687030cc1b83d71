#pragma once
// What the exchange double sends, built from a real combined-stream capture ("<receive ns>
// <json>" lines, as `market-data --record` writes and `--ws` replays). The capture's own
// messages go out byte for byte; the streams it lacks are composed from its real trades and
// named as composed: aggTrade (one per trade), markPrice@1s (each second of exchange time,
// mark = index = the last trade, the funding rate given) and kline_1m (each closed minute
// of trades). Events before the capture's REST depth snapshot are left out, so the double's
// own book (the snapshot plus every diff it has sent) is exact from the first message.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/binance/depth_book.h"
#include "fulcrum/model/market.h"

namespace fulcrum::binance {

struct ScriptEvent {
  int64_t offset_ns = 0;   // since the first event, from the capture's receive times
  int64_t event_time_ms = 0;
  std::string stream;      // canonical: "btcusdt@depth", "btcusdt@markPrice", "btcusdt@kline_1m", …
  std::string data;        // the payload JSON
  std::optional<DepthDiff> diff;  // for depth events: what the double's book applies
  bool composed = false;
};

struct CaptureScript {
  DepthSnapshot snapshot;
  // Diffs received before the snapshot: some bridge it (the REST answer came after them),
  // so the double's book takes them first; they are not sent.
  std::vector<DepthDiff> diffs_before_snapshot;
  std::string symbol;  // upper case
  std::vector<ScriptEvent> events;
  size_t skipped_before_snapshot = 0, composed = 0, malformed = 0;
  std::string first_error;  // the first malformed line, "line N: why"
};

// Throws std::invalid_argument when the capture has no depth snapshot or no event after it.
CaptureScript build_capture_script(std::string_view capture_text, double funding_rate);

// The 1-minute bars of the capture's real trades among its first `sent` events, oldest first:
// the closed ones, then the minute still open (the latest trade's), as GET /fapi/v1/klines
// answers at that point of the replay. The same bars the composed kline_1m stream sends.
std::vector<model::Bar> minute_bars_so_far(const CaptureScript& script, size_t sent);

// The canonical stream a subscription names ("btcusdt@depth@100ms" → "btcusdt@depth").
std::string canonical_stream(const std::string& subscription);

// The combined-stream envelope for a payload.
std::string envelope(const std::string& stream, const std::string& data);

}  // namespace fulcrum::binance
