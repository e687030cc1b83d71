#include "fulcrum/transport/trading_state_codec.h"

#include "fulcrum/transport/codec.h"

namespace fulcrum::transport {

v1::TradingState to_proto(risk::TradingState s) {
  switch (s) {
    case risk::TradingState::kActive: return v1::TRADING_STATE_ACTIVE;
    case risk::TradingState::kReducing: return v1::TRADING_STATE_REDUCING;
    case risk::TradingState::kHalted: return v1::TRADING_STATE_HALTED;
  }
  return v1::TRADING_STATE_HALTED;
}

risk::TradingState from_proto(v1::TradingState s) {
  switch (s) {
    case v1::TRADING_STATE_ACTIVE: return risk::TradingState::kActive;
    case v1::TRADING_STATE_REDUCING: return risk::TradingState::kReducing;
    default: return risk::TradingState::kHalted;  // an unknown state is the strictest one
  }
}

void to_proto(const risk::TradingStateBook& book, v1::TradingStates& out) {
  out.Clear();
  out.set_epoch(book.epoch());
  for (const auto& [scope, e] : book.engagements()) {
    auto& w = *out.add_engagements();
    w.set_scope(scope.str());
    w.set_state(to_proto(e.state));
    w.set_epoch(e.epoch);
    w.set_flatten(e.flatten);
    w.set_cancel_protective_stops(e.cancel_protective_stops);
    w.set_at_ms(e.at_ms);
    w.set_by(e.by);
    w.set_reason(e.reason);
  }
}

risk::TradingStateBook from_proto(const v1::TradingStates& in) {
  std::vector<risk::Engagement> parts;
  for (int i = 0; i < in.engagements_size(); ++i) {
    const auto& w = in.engagements(i);
    const auto scope = risk::Scope::parse(w.scope());
    if (!scope) throw WireError("trading state engagement " + std::to_string(i) + ": scope '" + w.scope() + "' is not one");
    if (w.state() == v1::TRADING_STATE_ACTIVE) throw WireError("trading state engagement " + std::to_string(i) + ": ACTIVE is not engaged");
    if (w.epoch() == 0 || w.epoch() > in.epoch())
      throw WireError("trading state engagement " + std::to_string(i) + ": epoch " + std::to_string(w.epoch()) + " outside 1.." + std::to_string(in.epoch()));
    parts.push_back({*scope, from_proto(w.state()), w.epoch(), w.flatten(), w.cancel_protective_stops(), w.at_ms(), w.by(), w.reason()});
  }
  return risk::TradingStateBook::from_parts(in.epoch(), std::move(parts));
}

}  // namespace fulcrum::transport
