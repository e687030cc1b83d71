#include "fulcrum/transport/codec.h"

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
  return bar;
}

void to_proto(const std::string& symbol, const model::FundingEvent& ev, v1::Funding& out) {
  out.set_symbol(symbol);
  out.set_funding_time_ms(ev.funding_time_ms);
  out.set_interval_hours(ev.interval_hours);
  out.set_rate_raw(ev.rate.raw);
}

model::FundingEvent from_proto(const v1::Funding& in) {
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
  return {in.trade_time_ms(), core::Price::from_raw(in.price_raw()), core::Qty::from_raw(in.quantity_raw()), in.buyer_is_maker()};
}

}  // namespace fulcrum::transport
