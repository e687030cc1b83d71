#pragma once
// A live start's history: the last closed bars of a symbol from GET /fapi/v1/klines, so the
// features are warm when trading starts instead of a day later. Public market data (no key,
// no signature); the caller brings the HTTP and the rate limiter, this pages and checks.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/model/market.h"

namespace fulcrum::binance {

inline constexpr size_t kKlinesMaxLimit = 1500;  // the endpoint's largest page

// Request weight of one klines page of `limit` rows, as Binance documents it.
int kline_request_weight(size_t limit);

struct PublicAnswer {
  int status = 0;
  std::string body;
};
// One public GET of `target` ("/fapi/v1/klines?symbol=…"), costing `weight`. Throws on a
// transport failure (no answer).
using PublicGet = std::function<PublicAnswer(const std::string& target, int weight)>;

// The last `bars` closed bars of `symbol` on `interval`, oldest first. The first page has no
// time bounds, so its last row is the bar still open and is left out (no clock needed, and a
// bar that closes while asking comes from the stream instead); further pages go back with
// endTime until there are enough or the symbol's history ends. nullopt with `error` naming
// the symbol, page and what failed; a transport failure is reported the same way.
std::optional<std::vector<model::Bar>> read_closed_klines(const PublicGet& get, const std::string& symbol, const std::string& interval, size_t bars,
                                                          std::string& error);

// The bars as GET /fapi/v1/klines writes them (quote volume and trade count unknown: 0),
// for the exchange double.
std::string klines_json(const std::vector<model::Bar>& bars);

}  // namespace fulcrum::binance
