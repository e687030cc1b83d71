#pragma once
// A live exchange event (binance::LiveAssembler's output) as the MarketEvent a replay
// publishes for the same thing.
#include "fulcrum/binance/live_assembler.h"
#include "fulcrum/v1/market.pb.h"

namespace fulcrum::transport {

void to_proto(const binance::LiveEvent& ev, v1::MarketEvent& out);

}  // namespace fulcrum::transport
