#include "fulcrum/binance/capture_script.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/binance/stream_writers.h"

namespace fulcrum::binance {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct MinuteBar {
  int64_t open_ms = -1;
  core::Price open, high, low, close;
  core::Qty volume, taker_buy;
  int64_t trades = 0;
};

}  // namespace

std::string canonical_stream(const std::string& subscription) {
  const auto at = subscription.find('@');
  if (at == std::string::npos) return subscription;
  const auto kind = subscription.substr(at + 1);
  const auto symbol = subscription.substr(0, at);
  if (kind.rfind("depth", 0) == 0 && kind.find_first_of("0123456789") != 5) return symbol + "@depth";  // depth, depth@100ms, depth@0ms; not depth20
  if (kind.rfind("markPrice", 0) == 0) return symbol + "@markPrice";
  return subscription;
}

std::string envelope(const std::string& stream, const std::string& data) { return "{\"stream\":\"" + stream + "\",\"data\":" + data + "}"; }

CaptureScript build_capture_script(std::string_view text, double funding_rate) {
  CaptureScript script;
  bool have_snapshot = false;
  int64_t first_ns = -1, line_no = 0;
  int64_t last_second = -1;
  std::optional<core::Price> last_price;
  MinuteBar bar;
  const auto compose = [&](int64_t ns, int64_t t_ms, const std::string& stream, std::string data) {
    script.events.push_back({ns - first_ns, t_ms, stream, std::move(data), std::nullopt, true});
    ++script.composed;
  };
  const auto rate = core::Rate::from_double(funding_rate);
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const auto space = line.find(' ');
    int64_t ns = 0;
    if (space == std::string_view::npos || std::from_chars(line.data(), line.data() + space, ns).ec != std::errc()) {
      if (!script.malformed++) script.first_error = "line " + std::to_string(line_no) + ": not '<receive ns> <json>'";
      continue;
    }
    const auto json = line.substr(space + 1);
    if (!have_snapshot) {
      std::string error;
      if (json.find("\"lastUpdateId\"") != std::string_view::npos) {
        auto snap = parse_depth_snapshot(json, error);
        if (!snap) throw std::invalid_argument("capture line " + std::to_string(line_no) + ": depth snapshot: " + error);
        script.snapshot = std::move(*snap);
        have_snapshot = true;
        first_ns = ns;
      } else {
        ++script.skipped_before_snapshot;
        auto early = parse_stream_message(json);
        if (early.message && std::holds_alternative<DepthDiff>(*early.message)) script.diffs_before_snapshot.push_back(std::get<DepthDiff>(*early.message));
      }
      continue;
    }
    const auto parsed = parse_stream_message(json);
    if (!parsed.error.empty() || !parsed.message) {
      if (!parsed.error.empty() && !script.malformed++) script.first_error = "line " + std::to_string(line_no) + ": " + parsed.error;
      continue;
    }
    // The payload exactly as captured: the envelope's "data" object.
    const auto data_at = json.find("\"data\":");
    if (data_at == std::string_view::npos) continue;
    std::string data(json.substr(data_at + 7, json.size() - (data_at + 7) - 1));
    const auto& msg = *parsed.message;
    int64_t t_ms = 0;
    std::string symbol;
    if (const auto* d = std::get_if<DepthDiff>(&msg)) {
      t_ms = d->event_time_ms;
      symbol = d->symbol;
      script.events.push_back({ns - first_ns, t_ms, lower(symbol) + "@depth", std::move(data), *d, false});
    } else if (const auto* b = std::get_if<BookTickerMsg>(&msg)) {
      t_ms = b->top.event_time_ms;
      symbol = b->symbol;
      script.events.push_back({ns - first_ns, t_ms, lower(symbol) + "@bookTicker", std::move(data), std::nullopt, false});
    } else if (const auto* tr = std::get_if<TradeMsg>(&msg)) {
      t_ms = tr->event_time_ms;
      symbol = tr->symbol;
      const auto s = lower(symbol);
      const bool is_trade = parsed.kind == "trade";
      script.events.push_back({ns - first_ns, t_ms, s + (is_trade ? "@trade" : "@aggTrade"), std::move(data), std::nullopt, false});
      if (is_trade) {
        // aggTrade: one trade per aggregate, ids from the trade's.
        compose(ns, t_ms, s + "@aggTrade", agg_trade_json(*tr));
        const int64_t minute = tr->trade.trade_time_ms / 60'000 * 60'000;
        if (bar.open_ms >= 0 && minute > bar.open_ms) {
          KlineMsg k{symbol, t_ms, "1m", true, {}};
          k.bar = {bar.open_ms, 60'000, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.taker_buy};
          compose(ns, t_ms, s + "@kline_1m", kline_json(k, bar.trades));
          bar = MinuteBar{};
        }
        const auto p = tr->trade.price;
        if (bar.open_ms < 0) bar = MinuteBar{minute, p, p, p, p, {}, {}, 0};
        bar.high = std::max(bar.high, p, [](auto x, auto y) { return x.raw < y.raw; });
        bar.low = std::min(bar.low, p, [](auto x, auto y) { return x.raw < y.raw; });
        bar.close = p;
        bar.volume += tr->trade.quantity;
        if (!tr->trade.buyer_is_maker) bar.taker_buy += tr->trade.quantity;
        ++bar.trades;
        last_price = p;
      }
    } else {
      continue;
    }
    if (script.symbol.empty()) script.symbol = symbol;
    // markPrice@1s: each whole second of exchange time, from the last trade.
    const int64_t second = t_ms / 1000;
    if (last_price && second > last_second) {
      if (last_second >= 0) {
        const int64_t next_funding = (t_ms / 28'800'000 + 1) * 28'800'000;
        compose(ns, t_ms, lower(symbol) + "@markPrice", mark_price_json({symbol, second * 1000, *last_price, *last_price, rate, next_funding}));
      }
      last_second = second;
    }
  }
  if (!have_snapshot) throw std::invalid_argument("the capture has no REST depth snapshot (a line with lastUpdateId): the double cannot keep a book");
  if (script.events.empty()) throw std::invalid_argument("the capture has no event after its depth snapshot");
  return script;
}

std::vector<model::Bar> minute_bars_so_far(const CaptureScript& script, size_t sent) {
  std::vector<model::Bar> out;
  const size_t n = std::min(sent, script.events.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& ev = script.events[i];
    if (ev.composed || !ev.stream.ends_with("@trade")) continue;
    const auto parsed = parse_stream_message(ev.data);
    const auto* tr = parsed.message ? std::get_if<TradeMsg>(&*parsed.message) : nullptr;
    if (!tr) continue;
    const int64_t minute = tr->trade.trade_time_ms / 60'000 * 60'000;
    const auto p = tr->trade.price;
    if (out.empty() || minute > out.back().open_time_ms) {
      model::Bar b;
      b.open_time_ms = minute;
      b.interval_ms = 60'000;
      b.open = b.high = b.low = b.close = p;
      b.taker_buy_volume = core::Qty{};
      out.push_back(b);
    }
    auto& b = out.back();
    if (p.raw > b.high.raw) b.high = p;
    if (p.raw < b.low.raw) b.low = p;
    b.close = p;
    b.volume += tr->trade.quantity;
    if (!tr->trade.buyer_is_maker) *b.taker_buy_volume += tr->trade.quantity;
  }
  return out;
}

}  // namespace fulcrum::binance
