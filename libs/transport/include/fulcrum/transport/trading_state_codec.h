#pragma once
// risk::TradingStateBook ↔ fulcrum.v1.TradingStates.
#include "fulcrum/risk/trading_state.h"
#include "fulcrum/v1/trading_state.pb.h"

namespace fulcrum::transport {

v1::TradingState to_proto(risk::TradingState s);
risk::TradingState from_proto(v1::TradingState s);
void to_proto(const risk::TradingStateBook& book, v1::TradingStates& out);
// Throws WireError naming the engagement for a scope or state that is not one.
risk::TradingStateBook from_proto(const v1::TradingStates& in);

}  // namespace fulcrum::transport
