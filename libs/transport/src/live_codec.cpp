#include "fulcrum/transport/live_codec.h"

#include "fulcrum/transport/codec.h"

namespace fulcrum::transport {

void to_proto(const binance::LiveEvent& ev, v1::MarketEvent& out) {
  using Kind = binance::LiveEvent::Kind;
  switch (ev.kind) {
    case Kind::kBookTop: to_proto(ev.symbol, ev.top, *out.mutable_book_top()); break;
    case Kind::kTrade: to_proto(ev.symbol, ev.trade, *out.mutable_trade()); break;
    case Kind::kBar: to_proto(ev.symbol, ev.bar, *out.mutable_bar()); break;
    case Kind::kMarkBar: to_proto(ev.symbol, ev.bar, *out.mutable_mark_bar()); break;
    case Kind::kFunding: to_proto(ev.symbol, ev.funding, *out.mutable_funding()); break;
    case Kind::kInstantEnd: out.mutable_instant_end()->set_time_ms(ev.instant_ms); break;
  }
}

}  // namespace fulcrum::transport
