#pragma once
// USDⓈ-M stream routing. Since 2026-04-23 fstream serves three routed paths, and a stream
// asked for on the wrong one delivers nothing, with no error ("Important WebSocket Change
// Notice"): /public carries the high-frequency book data (bookTicker, depth, trade), /market
// the regular market data (aggTrade, markPrice, kline, ticker), /private the user data.
// A connection carries at most 1024 streams; more symbols take more connections.
#include <string>
#include <vector>

namespace fulcrum::binance {

enum class StreamPath { kPublic, kMarket, kPrivate };
const char* to_string(StreamPath p);

// The path a stream name ("btcusdt@depth@100ms", "btcusdt@markPrice@1s") belongs to.
// Throws std::invalid_argument for a stream this client does not know (a typo would
// otherwise subscribe to silence).
StreamPath path_of(const std::string& stream);

// The streams Fulcrum takes for one symbol: bookTicker, aggTrade, markPrice@1s,
// kline_<interval> and depth@100ms. `symbol` is upper case ("BTCUSDT").
std::vector<std::string> symbol_streams(const std::string& symbol, const std::string& kline_interval);

struct StreamConnection {
  StreamPath path = StreamPath::kPublic;
  std::vector<std::string> streams;
  // "<base>/<path>/stream?streams=a/b/c" (combined-stream mode: each message says its stream).
  std::string url(const std::string& base) const;
  // "/<path>/stream?streams=a/b/c": the request target alone.
  std::string target() const;
};

// Groups streams by path, in their order, at most `max_per_connection` each.
std::vector<StreamConnection> plan_connections(const std::vector<std::string>& streams, size_t max_per_connection = 1024);

}  // namespace fulcrum::binance
