#include "fulcrum/marketdata/ws_capture.h"

#include <simdjson.h>

#include <charconv>

#include "fulcrum/core/error.h"
#include "fulcrum/marketdata/file_source.h"

namespace fulcrum::marketdata {
namespace {

template <class Fixed>
bool decimal(simdjson::ondemand::object& obj, const char* key, Fixed& out, std::string& error) {
  std::string_view text;
  if (obj[key].get_string().get(text)) {
    error = std::string("field '") + key + "' missing or not a string";
    return false;
  }
  auto parsed = Fixed::parse(std::string(text));
  if (!parsed) {
    error = std::string("field '") + key + "' is not a decimal: '" + std::string(text) + "'";
    return false;
  }
  out = *parsed;
  return true;
}

bool integer(simdjson::ondemand::object& obj, const char* key, int64_t& out, std::string& error) {
  if (obj[key].get_int64().get(out)) {
    error = std::string("field '") + key + "' missing or not an integer";
    return false;
  }
  return true;
}

}  // namespace

std::optional<WsEvent> parse_ws_line(std::string_view line, std::string& error, std::string& kind) {
  error.clear();
  kind.clear();
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    error = "expected '<receive ns> <json>'";
    return std::nullopt;
  }
  WsEvent ev;
  const auto ts = line.substr(0, space);
  const auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ev.received_ns);
  if (ec != std::errc() || end != ts.data() + ts.size() || ev.received_ns <= 0) {
    error = "receive time '" + std::string(ts) + "' is not a positive integer";
    return std::nullopt;
  }
  static thread_local simdjson::ondemand::parser parser;  // reused: its buffers are the cost
  simdjson::padded_string json(line.substr(space + 1));
  simdjson::ondemand::document doc;
  simdjson::ondemand::object data;
  if (parser.iterate(json).get(doc)) {
    error = "not JSON";
    return std::nullopt;
  }
  if (doc["data"].get_object().get(data)) {
    // The REST depth snapshot a recorder takes to seed the diff stream sits in the capture
    // as its bare JSON: a known kind, not an error.
    simdjson::padded_string again(line.substr(space + 1));
    simdjson::ondemand::document snap;
    int64_t id = 0;
    if (!parser.iterate(again).get(snap) && !snap["lastUpdateId"].get_int64().get(id)) {
      kind = "depthSnapshot";
      return std::nullopt;
    }
    error = "not a combined-stream message with a 'data' object";
    return std::nullopt;
  }
  std::string_view type;
  if (data["e"].get_string().get(type)) {
    error = "field 'e' (event type) missing";
    return std::nullopt;
  }
  // The on-demand parser reads lazily, so a line can be broken after "e": an empty type is
  // never a message kind and must not be counted as an ignorable one (found by fuzzing).
  if (type.empty()) {
    error = "field 'e' (event type) is empty";
    return std::nullopt;
  }
  kind = std::string(type);
  std::string_view symbol;
  if (kind == "bookTicker") {
    ev.kind = WsEvent::Kind::kBookTop;
    int64_t t = 0;
    if (!decimal(data, "b", ev.book.bid, error) || !decimal(data, "B", ev.book.bid_qty, error) || !decimal(data, "a", ev.book.ask, error) ||
        !decimal(data, "A", ev.book.ask_qty, error) || !integer(data, "E", t, error))
      return std::nullopt;
    ev.event_time_ms = ev.book.event_time_ms = t;
    if (ev.book.bid.raw <= 0 || ev.book.ask.raw < ev.book.bid.raw) {
      error = "crossed or empty book: bid " + ev.book.bid.str() + " ask " + ev.book.ask.str();
      return std::nullopt;
    }
  } else if (kind == "trade") {
    ev.kind = WsEvent::Kind::kTrade;
    int64_t t = 0;
    if (!integer(data, "T", t, error) || !decimal(data, "p", ev.trade.price, error) || !decimal(data, "q", ev.trade.quantity, error)) return std::nullopt;
    bool maker = false;
    if (data["m"].get_bool().get(maker)) {
      error = "field 'm' missing or not a boolean";
      return std::nullopt;
    }
    ev.trade.buyer_is_maker = maker;
    ev.event_time_ms = ev.trade.trade_time_ms = t;
  } else {
    return std::nullopt;  // depthUpdate and others: not an event here
  }
  if (data["s"].get_string().get(symbol)) {
    error = "field 's' (symbol) missing";
    return std::nullopt;
  }
  ev.symbol = std::string(symbol);
  return ev;
}

WsCapture read_ws_capture(const std::string& path, ValidationMode mode) {
  WsCapture cap;
  cap.source = path;
  const std::string text = read_file_bytes(path);
  if (text.empty()) throw core::DataError(path, 0, "empty capture");
  size_t pos = 0, line_no = 0;
  std::string error, kind;
  while (pos < text.size()) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    ++cap.report.rows_read;
    auto ev = parse_ws_line(line, error, kind);
    if (ev) {
      cap.events.push_back(std::move(*ev));
      ++cap.report.rows_kept;
    } else if (!error.empty()) {
      DataIssue issue{path, line_no, IssueKind::kNonNumeric, error};
      if (mode == ValidationMode::kStrict) throw core::DataError(path, line_no, error);
      cap.report.issues.push_back(std::move(issue));
    } else if (kind == "depthUpdate") {
      ++cap.depth_updates;
    } else if (kind == "depthSnapshot") {
      ++cap.depth_snapshots;
    } else {
      ++cap.other_messages;
    }
  }
  return cap;
}

}  // namespace fulcrum::marketdata
