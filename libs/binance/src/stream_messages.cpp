#include "fulcrum/binance/stream_messages.h"

#include <simdjson.h>

#include "json_fields.h"

namespace fulcrum::binance {
namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

using detail::boolean;
using detail::decimal;
using detail::integer;
using detail::text;
using Fail = detail::JsonFieldError;

std::vector<DepthLevel> levels(object& o, const char* key) {
  simdjson::ondemand::array arr;
  if (o[key].get_array().get(arr)) throw Fail{std::string("field '") + key + "' missing or not an array"};
  std::vector<DepthLevel> out;
  for (auto item : arr) {
    simdjson::ondemand::array pair;
    if (item.get_array().get(pair)) throw Fail{std::string("field '") + key + "': a level is not [price, qty]"};
    std::string_view p, q;
    size_t n = 0;
    for (auto x : pair) {
      std::string_view s;
      if (x.get_string().get(s)) throw Fail{std::string("field '") + key + "': a level holds a non-string"};
      (n == 0 ? p : q) = s;
      ++n;
    }
    if (n != 2) throw Fail{std::string("field '") + key + "': a level is not [price, qty]"};
    const auto qty = decimal<core::Qty>(q, key);
    if (qty.raw < 0) throw Fail{std::string("field '") + key + "': a negative quantity"};
    out.push_back({decimal<core::Price>(p, key), qty});
  }
  return out;
}

}  // namespace

int64_t interval_ms(std::string_view interval) {
  if (interval.size() < 2) return 0;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < interval.size(); ++i) {
    if (interval[i] < '0' || interval[i] > '9') return 0;
    n = n * 10 + (interval[i] - '0');
    if (n > 1000) return 0;
  }
  switch (interval.back()) {
    case 'm': return n * 60'000;
    case 'h': return n * 3'600'000;
    case 'd': return n * 86'400'000;
    case 'w': return n * 7 * 86'400'000;
    default: return 0;
  }
}

ParseResult parse_stream_message(std::string_view json) {
  ParseResult r;
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  try {
    if (parser.iterate(padded).get(doc)) throw Fail{"not JSON"};
    object top;
    if (doc.get_object().get(top)) throw Fail{"not a JSON object"};
    object data;
    // The combined-stream envelope, or a bare payload (ws mode), read again from the start.
    if (top["data"].get_object().get(data)) {
      if (parser.iterate(padded).get(doc) || doc.get_object().get(data)) throw Fail{"not a JSON object"};
    }
    r.kind = std::string(text(data, "e"));
    if (r.kind == "bookTicker") {
      BookTickerMsg m;
      m.update_id = integer(data, "u");
      m.top.event_time_ms = integer(data, "E");
      m.symbol = std::string(text(data, "s"));
      m.top.bid = decimal<core::Price>(data, "b");
      m.top.bid_qty = decimal<core::Qty>(data, "B");
      m.top.ask = decimal<core::Price>(data, "a");
      m.top.ask_qty = decimal<core::Qty>(data, "A");
      r.message = std::move(m);
    } else if (r.kind == "aggTrade" || r.kind == "trade") {
      TradeMsg m;
      m.event_time_ms = integer(data, "E");
      m.symbol = std::string(text(data, "s"));
      m.trade.price = decimal<core::Price>(data, "p");
      m.trade.quantity = decimal<core::Qty>(data, "q");
      m.trade.trade_time_ms = integer(data, "T");
      m.trade.buyer_is_maker = boolean(data, "m");
      m.id = integer(data, r.kind == "trade" ? "t" : "a");
      r.message = std::move(m);
    } else if (r.kind == "markPriceUpdate") {
      MarkPriceMsg m;
      m.event_time_ms = integer(data, "E");
      m.symbol = std::string(text(data, "s"));
      m.mark = decimal<core::Price>(data, "p");
      m.index = decimal<core::Price>(data, "i");
      m.funding_rate = decimal<core::Rate>(data, "r");
      m.next_funding_time_ms = integer(data, "T");
      r.message = std::move(m);
    } else if (r.kind == "kline") {
      KlineMsg m;
      m.event_time_ms = integer(data, "E");
      m.symbol = std::string(text(data, "s"));
      object k;
      if (data["k"].get_object().get(k)) throw Fail{"field 'k' missing or not an object"};
      m.bar.open_time_ms = integer(k, "t");
      const int64_t close_ms = integer(k, "T");
      m.interval = std::string(text(k, "i"));
      m.bar.open = decimal<core::Price>(k, "o");
      m.bar.close = decimal<core::Price>(k, "c");
      m.bar.high = decimal<core::Price>(k, "h");
      m.bar.low = decimal<core::Price>(k, "l");
      m.bar.volume = decimal<core::Qty>(k, "v");
      m.closed = boolean(k, "x");
      m.bar.taker_buy_volume = decimal<core::Qty>(k, "V");
      m.bar.interval_ms = interval_ms(m.interval);
      if (m.bar.interval_ms == 0) throw Fail{"field 'i' is not a kline interval: '" + m.interval + "'"};
      // T is the last millisecond of the bar: open + interval - 1.
      if (close_ms != m.bar.open_time_ms + m.bar.interval_ms - 1) throw Fail{"field 'T' does not close the bar that 't' and 'i' open"};
      r.message = std::move(m);
    } else if (r.kind == "depthUpdate") {
      DepthDiff d;
      d.event_time_ms = integer(data, "E");
      d.transaction_time_ms = integer(data, "T");
      d.symbol = std::string(text(data, "s"));
      d.first_update_id = integer(data, "U");
      d.final_update_id = integer(data, "u");
      d.previous_final_id = integer(data, "pu");
      d.bids = levels(data, "b");
      d.asks = levels(data, "a");
      if (d.first_update_id > d.final_update_id) throw Fail{"field 'U' is after 'u'"};
      r.message = std::move(d);
    }
  } catch (const Fail& f) {
    r.message.reset();
    r.error = f.why;
  } catch (const simdjson::simdjson_error& e) {
    r.message.reset();
    r.error = std::string("malformed JSON: ") + e.what();
  }
  return r;
}

std::optional<DepthSnapshot> parse_depth_snapshot(std::string_view json, std::string& error) {
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  return detail::parse_or_report<DepthSnapshot>(error, [&] {
    simdjson::ondemand::document doc;
    object o;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) throw Fail{"not a JSON object"};
    DepthSnapshot s;
    s.last_update_id = integer(o, "lastUpdateId");
    s.event_time_ms = integer(o, "E");
    s.transaction_time_ms = integer(o, "T");
    s.bids = levels(o, "bids");
    s.asks = levels(o, "asks");
    return s;
  });
}

std::optional<std::vector<model::Bar>> parse_klines(std::string_view json, std::string_view interval, std::string& error) {
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  const int64_t step_ms = interval_ms(interval);
  return detail::parse_or_report<std::vector<model::Bar>>(error, [&] {
    if (step_ms == 0) throw Fail{"'" + std::string(interval) + "' is not a kline interval"};
    simdjson::ondemand::document doc;
    simdjson::ondemand::array rows;
    if (parser.iterate(padded).get(doc) || doc.get_array().get(rows)) throw Fail{"not a JSON array of klines"};
    std::vector<model::Bar> out;
    size_t r = 0;
    for (auto row_value : rows) {
      ++r;
      const auto where = [&](const char* column) { return "row " + std::to_string(r) + ", " + column; };
      simdjson::ondemand::array row;
      if (row_value.get_array().get(row)) throw Fail{"row " + std::to_string(r) + ": not an array"};
      model::Bar bar;
      bar.interval_ms = step_ms;
      int64_t close_ms = 0;
      size_t c = 0;
      for (auto cell : row) {
        static constexpr const char* kColumns[] = {"openTime", "open", "high", "low", "close", "volume", "closeTime", "quoteVolume", "trades", "takerBuyBaseVolume"};
        if (c >= std::size(kColumns)) break;  // takerBuyQuoteVolume, ignore
        const char* name = kColumns[c];
        if (c == 0 || c == 6 || c == 8) {
          int64_t v = 0;
          if (cell.get_int64().get(v)) throw Fail{where(name) + " is not an integer"};
          if (c == 0) bar.open_time_ms = v;
          if (c == 6) close_ms = v;
        } else {
          std::string_view text_value;
          if (cell.get_string().get(text_value)) throw Fail{where(name) + " is not a decimal string"};
          switch (c) {
            case 1: bar.open = decimal<core::Price>(text_value, name, "row " + std::to_string(r)); break;
            case 2: bar.high = decimal<core::Price>(text_value, name, "row " + std::to_string(r)); break;
            case 3: bar.low = decimal<core::Price>(text_value, name, "row " + std::to_string(r)); break;
            case 4: bar.close = decimal<core::Price>(text_value, name, "row " + std::to_string(r)); break;
            case 5: bar.volume = decimal<core::Qty>(text_value, name, "row " + std::to_string(r)); break;
            case 7: break;
            case 9: bar.taker_buy_volume = decimal<core::Qty>(text_value, name, "row " + std::to_string(r)); break;
          }
        }
        ++c;
      }
      if (c < 10) throw Fail{"row " + std::to_string(r) + ": " + std::to_string(c) + " columns, not the documented 12"};
      // closeTime is the bar's last millisecond: open + interval - 1.
      if (close_ms != bar.open_time_ms + step_ms - 1)
        throw Fail{where("closeTime") + " " + std::to_string(close_ms) + " does not close a " + std::string(interval) + " bar opened at " + std::to_string(bar.open_time_ms)};
      if (bar.high.raw < bar.low.raw || bar.open.raw <= 0 || bar.low.raw <= 0 || bar.volume.raw < 0)
        throw Fail{"row " + std::to_string(r) + ": prices not positive with low ≤ high, or a negative volume"};
      if (!out.empty() && bar.open_time_ms <= out.back().open_time_ms) throw Fail{where("openTime") + " is not after the row before it"};
      out.push_back(bar);
    }
    return out;
  });
}

}  // namespace fulcrum::binance
