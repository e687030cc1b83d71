#pragma once
// Market stream payloads written as Binance writes them (the "data" object of a combined
// stream frame), for what the exchange double composes: each parses back with
// parse_stream_message to the message it was written from. Fields Binance sends that the
// double cannot know (quote volume, first and last trade ids of a kline) are written as 0.
#include <cstdint>
#include <string>

#include "fulcrum/binance/depth_book.h"
#include "fulcrum/binance/stream_messages.h"

namespace fulcrum::binance {

std::string book_ticker_json(const BookTickerMsg& m, int64_t transaction_time_ms);
// aggTrade: m.id is the aggregate id, and the one trade it holds (f = l = id).
std::string agg_trade_json(const TradeMsg& m);
std::string mark_price_json(const MarkPriceMsg& m);
std::string kline_json(const KlineMsg& m, int64_t trades);
std::string depth_diff_json(const DepthDiff& d);

}  // namespace fulcrum::binance
