#include "fulcrum/binance/kline_history.h"

#include <algorithm>

#include "fulcrum/binance/stream_messages.h"

namespace fulcrum::binance {

int kline_request_weight(size_t limit) { return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10; }

std::optional<std::vector<model::Bar>> read_closed_klines(const PublicGet& get, const std::string& symbol, const std::string& interval, size_t bars,
                                                          std::string& error) {
  std::vector<model::Bar> out;  // newest page first while paging; reversed into order at the end
  std::vector<std::vector<model::Bar>> pages;
  size_t have = 0;
  std::optional<int64_t> end_ms;  // the next page ends before this bar's open
  for (int page = 1; have < bars; ++page) {
    // The first page carries the open bar too: one row more.
    const size_t limit = std::min(kKlinesMaxLimit, bars - have + (end_ms ? 0 : 1));
    std::string target = "/fapi/v1/klines?symbol=" + symbol + "&interval=" + interval + "&limit=" + std::to_string(limit);
    if (end_ms) target += "&endTime=" + std::to_string(*end_ms - 1);
    const auto where = "GET /fapi/v1/klines " + symbol + " page " + std::to_string(page);
    PublicAnswer a;
    try {
      a = get(target, kline_request_weight(limit));
    } catch (const std::exception& e) {
      error = where + ": " + e.what();
      return std::nullopt;
    }
    if (a.status != 200) {
      error = where + ": HTTP " + std::to_string(a.status) + ": " + a.body.substr(0, 200);
      return std::nullopt;
    }
    auto rows = parse_klines(a.body, interval, error);
    if (!rows) {
      error = where + ": " + error;
      return std::nullopt;
    }
    const size_t asked = limit;
    if (!end_ms && !rows->empty()) rows->pop_back();  // still open
    if (end_ms && !rows->empty() && rows->back().open_time_ms >= *end_ms) {
      error = where + ": a row opens at " + std::to_string(rows->back().open_time_ms) + ", not before endTime";
      return std::nullopt;
    }
    if (rows->empty()) break;
    end_ms = rows->front().open_time_ms;
    have += rows->size();
    const bool short_page = rows->size() + (pages.empty() ? 1 : 0) < asked;
    pages.push_back(std::move(*rows));
    if (short_page) break;  // the symbol's history starts here
  }
  for (auto it = pages.rbegin(); it != pages.rend(); ++it) out.insert(out.end(), it->begin(), it->end());
  if (out.size() > bars) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(bars));
  error.clear();
  return out;
}

std::string klines_json(const std::vector<model::Bar>& bars) {
  std::string out = "[";
  for (const auto& b : bars) {
    if (out.size() > 1) out += ',';
    out += "[" + std::to_string(b.open_time_ms) + ",\"" + b.open.str() + "\",\"" + b.high.str() + "\",\"" + b.low.str() + "\",\"" + b.close.str() + "\",\"" +
           b.volume.str() + "\"," + std::to_string(b.open_time_ms + b.interval_ms - 1) + ",\"0\",0,\"" + (b.taker_buy_volume ? b.taker_buy_volume->str() : "0") +
           "\",\"0\",\"0\"]";
  }
  return out + "]";
}

}  // namespace fulcrum::binance
