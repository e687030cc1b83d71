#include "fulcrum/transport/codec.h"

#include <algorithm>

namespace fulcrum::transport {

void to_proto(const std::string& symbol, const model::Bar& bar, v1::Candle& out) {
  out.set_symbol(symbol);
  out.set_open_time_ms(bar.open_time_ms);
  out.set_interval_ms(bar.interval_ms);
  out.set_open_raw(bar.open.raw);
  out.set_high_raw(bar.high.raw);
  out.set_low_raw(bar.low.raw);
  out.set_close_raw(bar.close.raw);
  out.set_volume_raw(bar.volume.raw);
  if (bar.taker_buy_volume) out.set_taker_buy_volume_raw(bar.taker_buy_volume->raw);
  else out.clear_taker_buy_volume_raw();
}

// A market event that cannot be real is refused here, before any venue sees it: the same
// rules the file readers apply to a row.
model::Bar from_proto(const v1::Candle& in) {
  model::Bar bar;
  bar.open_time_ms = in.open_time_ms();
  bar.interval_ms = in.interval_ms();
  bar.open = core::Price::from_raw(in.open_raw());
  bar.high = core::Price::from_raw(in.high_raw());
  bar.low = core::Price::from_raw(in.low_raw());
  bar.close = core::Price::from_raw(in.close_raw());
  bar.volume = core::Qty::from_raw(in.volume_raw());
  if (in.has_taker_buy_volume_raw()) bar.taker_buy_volume = core::Qty::from_raw(in.taker_buy_volume_raw());
  if (bar.interval_ms <= 0) throw WireError("candle.interval_ms: must be positive");
  if (bar.low.raw <= 0 || bar.high < std::max(bar.open, bar.close) || bar.low > std::min(bar.open, bar.close) || bar.volume.raw < 0 ||
      (bar.taker_buy_volume && (bar.taker_buy_volume->raw < 0 || *bar.taker_buy_volume > bar.volume)))
    throw WireError("candle: impossible OHLC or volume for " + in.symbol());
  return bar;
}

void to_proto(const std::string& symbol, const model::FundingEvent& ev, v1::Funding& out) {
  out.set_symbol(symbol);
  out.set_funding_time_ms(ev.funding_time_ms);
  out.set_interval_hours(ev.interval_hours);
  out.set_rate_raw(ev.rate.raw);
}

model::FundingEvent from_proto(const v1::Funding& in) {
  if (in.interval_hours() < 1 || in.interval_hours() > 24) throw WireError("funding.interval_hours: must be 1–24");
  return {in.funding_time_ms(), in.interval_hours(), core::Rate::from_raw(in.rate_raw())};
}

void to_proto(const std::string& symbol, const model::BookTop& book, v1::BookTop& out) {
  out.set_symbol(symbol);
  out.set_event_time_ms(book.event_time_ms);
  out.set_bid_raw(book.bid.raw);
  out.set_bid_qty_raw(book.bid_qty.raw);
  out.set_ask_raw(book.ask.raw);
  out.set_ask_qty_raw(book.ask_qty.raw);
}

model::BookTop from_proto(const v1::BookTop& in) {
  if (in.bid_raw() <= 0 || in.ask_raw() <= 0 || in.bid_qty_raw() < 0 || in.ask_qty_raw() < 0)
    throw WireError("book_top: prices must be positive and sizes not negative for " + in.symbol());
  return {in.event_time_ms(), core::Price::from_raw(in.bid_raw()), core::Price::from_raw(in.ask_raw()), core::Qty::from_raw(in.bid_qty_raw()),
          core::Qty::from_raw(in.ask_qty_raw())};
}

void to_proto(const std::string& symbol, const model::Trade& trade, v1::Trade& out) {
  out.set_symbol(symbol);
  out.set_trade_time_ms(trade.trade_time_ms);
  out.set_price_raw(trade.price.raw);
  out.set_quantity_raw(trade.quantity.raw);
  out.set_buyer_is_maker(trade.buyer_is_maker);
}

model::Trade from_proto(const v1::Trade& in) {
  if (in.price_raw() <= 0 || in.quantity_raw() <= 0) throw WireError("trade: price and quantity must be positive for " + in.symbol());
  return {in.trade_time_ms(), core::Price::from_raw(in.price_raw()), core::Qty::from_raw(in.quantity_raw()), in.buyer_is_maker()};
}

std::optional<std::string> beyond_replay_window(core::TimestampMs t, core::TimestampMs to_ms, const char* what) {
  if (to_ms == 0 || t <= to_ms) return std::nullopt;
  return std::string(what) + " at " + std::to_string(t) + " is beyond the replay window's end " + std::to_string(to_ms);
}

std::optional<std::string> market_event_problem(const v1::MarketEvent& ev) {
  try {
    switch (ev.event_case()) {
      case v1::MarketEvent::kBar: from_proto(ev.bar()); break;
      case v1::MarketEvent::kMarkBar: from_proto(ev.mark_bar()); break;
      case v1::MarketEvent::kFunding: from_proto(ev.funding()); break;
      case v1::MarketEvent::kBookTop: from_proto(ev.book_top()); break;
      case v1::MarketEvent::kTrade: from_proto(ev.trade()); break;
      case v1::MarketEvent::EVENT_NOT_SET: return std::string("no event set");
      default: break;
    }
  } catch (const WireError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace fulcrum::transport
