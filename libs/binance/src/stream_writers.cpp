#include "fulcrum/binance/stream_writers.h"

#include "fulcrum/core/fixed_point.h"

namespace fulcrum::binance {
namespace {

std::string levels(const std::vector<DepthLevel>& side) {
  std::string out = "[";
  for (const auto& l : side) out += (out.size() > 1 ? ",[\"" : "[\"") + l.price.str() + "\",\"" + l.qty.str() + "\"]";
  return out + "]";
}

// Binance writes the funding rate with 8 decimals; Rate keeps 12.
std::string rate_8dp(core::Rate r) { return core::format_decimal_raw(r.raw / 10'000, 8); }

}  // namespace

std::string book_ticker_json(const BookTickerMsg& m, int64_t transaction_time_ms) {
  return "{\"e\":\"bookTicker\",\"u\":" + std::to_string(m.update_id) + ",\"E\":" + std::to_string(m.top.event_time_ms) + ",\"T\":" +
         std::to_string(transaction_time_ms) + ",\"s\":\"" + m.symbol + "\",\"b\":\"" + m.top.bid.str() + "\",\"B\":\"" + m.top.bid_qty.str() + "\",\"a\":\"" +
         m.top.ask.str() + "\",\"A\":\"" + m.top.ask_qty.str() + "\"}";
}

std::string agg_trade_json(const TradeMsg& m) {
  const auto id = std::to_string(m.id);
  return "{\"e\":\"aggTrade\",\"E\":" + std::to_string(m.event_time_ms) + ",\"s\":\"" + m.symbol + "\",\"a\":" + id + ",\"p\":\"" + m.trade.price.str() +
         "\",\"q\":\"" + m.trade.quantity.str() + "\",\"f\":" + id + ",\"l\":" + id + ",\"T\":" + std::to_string(m.trade.trade_time_ms) +
         ",\"m\":" + (m.trade.buyer_is_maker ? "true" : "false") + "}";
}

std::string mark_price_json(const MarkPriceMsg& m) {
  return "{\"e\":\"markPriceUpdate\",\"E\":" + std::to_string(m.event_time_ms) + ",\"s\":\"" + m.symbol + "\",\"p\":\"" + m.mark.str() + "\",\"i\":\"" +
         m.index.str() + "\",\"P\":\"" + m.mark.str() + "\",\"r\":\"" + rate_8dp(m.funding_rate) + "\",\"T\":" + std::to_string(m.next_funding_time_ms) + "}";
}

std::string kline_json(const KlineMsg& m, int64_t trades) {
  const auto& b = m.bar;
  return "{\"e\":\"kline\",\"E\":" + std::to_string(m.event_time_ms) + ",\"s\":\"" + m.symbol + "\",\"k\":{\"t\":" + std::to_string(b.open_time_ms) +
         ",\"T\":" + std::to_string(b.open_time_ms + b.interval_ms - 1) + ",\"s\":\"" + m.symbol + "\",\"i\":\"" + m.interval + "\",\"f\":0,\"L\":0,\"o\":\"" +
         b.open.str() + "\",\"c\":\"" + b.close.str() + "\",\"h\":\"" + b.high.str() + "\",\"l\":\"" + b.low.str() + "\",\"v\":\"" + b.volume.str() +
         "\",\"n\":" + std::to_string(trades) + ",\"x\":" + (m.closed ? "true" : "false") + ",\"q\":\"0\",\"V\":\"" +
         (b.taker_buy_volume ? b.taker_buy_volume->str() : std::string("0")) + "\",\"Q\":\"0\",\"B\":\"0\"}}";
}

std::string depth_diff_json(const DepthDiff& d) {
  return "{\"e\":\"depthUpdate\",\"E\":" + std::to_string(d.event_time_ms) + ",\"T\":" + std::to_string(d.transaction_time_ms) + ",\"s\":\"" + d.symbol +
         "\",\"U\":" + std::to_string(d.first_update_id) + ",\"u\":" + std::to_string(d.final_update_id) + ",\"pu\":" + std::to_string(d.previous_final_id) +
         ",\"b\":" + levels(d.bids) + ",\"a\":" + levels(d.asks) + "}";
}

}  // namespace fulcrum::binance
