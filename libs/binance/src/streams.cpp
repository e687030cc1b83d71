#include "fulcrum/binance/streams.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace fulcrum::binance {

const char* to_string(StreamPath p) {
  switch (p) {
    case StreamPath::kPublic: return "public";
    case StreamPath::kMarket: return "market";
    case StreamPath::kPrivate: return "private";
  }
  return "?";
}

StreamPath path_of(const std::string& stream) {
  const auto at = stream.find('@');
  if (at == std::string::npos || at == 0) throw std::invalid_argument("stream '" + stream + "' is not <symbol>@<kind>");
  const auto kind = stream.substr(at + 1);
  const auto starts = [&](const char* p) { return kind.rfind(p, 0) == 0; };
  if (starts("bookTicker") || starts("depth") || kind == "trade") return StreamPath::kPublic;
  if (starts("aggTrade") || starts("markPrice") || starts("kline_") || starts("continuousKline_") || starts("ticker") || starts("miniTicker") ||
      starts("forceOrder"))
    return StreamPath::kMarket;
  throw std::invalid_argument("stream '" + stream + "': unknown kind '" + kind + "' (no routed path known for it)");
}

std::vector<std::string> symbol_streams(const std::string& symbol, const std::string& kline_interval) {
  std::string s = symbol;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return {s + "@bookTicker", s + "@depth@100ms", s + "@aggTrade", s + "@markPrice@1s", s + "@kline_" + kline_interval};
}

std::string StreamConnection::target() const {
  std::string t = std::string("/") + to_string(path) + "/stream?streams=";
  for (size_t i = 0; i < streams.size(); ++i) t += (i ? "/" : "") + streams[i];
  return t;
}

std::string StreamConnection::url(const std::string& base) const {
  auto b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + target();
}

std::vector<StreamConnection> plan_connections(const std::vector<std::string>& streams, size_t max_per_connection) {
  if (max_per_connection == 0) throw std::invalid_argument("a connection must carry at least one stream");
  std::vector<StreamConnection> out;
  for (const auto path : {StreamPath::kPublic, StreamPath::kMarket, StreamPath::kPrivate}) {
    StreamConnection current{path, {}};
    for (const auto& s : streams) {
      if (path_of(s) != path) continue;
      if (current.streams.size() == max_per_connection) {
        out.push_back(current);
        current.streams.clear();
      }
      current.streams.push_back(s);
    }
    if (!current.streams.empty()) out.push_back(current);
  }
  return out;
}

}  // namespace fulcrum::binance
