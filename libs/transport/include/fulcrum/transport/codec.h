#pragma once
// Domain values ↔ protobuf messages. Protobuf types stop here; domain libs never see them.
#include <optional>
#include <stdexcept>
#include <string>

#include "fulcrum/model/market.h"
#include "fulcrum/v1/market.pb.h"

namespace fulcrum::transport {

// A message that parsed but breaks the contract (unknown enum, index out of range, NaN,
// an impossible candle); the text names the field. Receivers count it as malformed, like
// an unparsable frame, and carry on.
class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void to_proto(const std::string& symbol, const model::Bar& bar, v1::Candle& out);
model::Bar from_proto(const v1::Candle& in);
void to_proto(const std::string& symbol, const model::FundingEvent& ev, v1::Funding& out);
model::FundingEvent from_proto(const v1::Funding& in);
void to_proto(const std::string& symbol, const model::BookTop& book, v1::BookTop& out);
model::BookTop from_proto(const v1::BookTop& in);
void to_proto(const std::string& symbol, const model::Trade& trade, v1::Trade& out);
model::Trade from_proto(const v1::Trade& in);

// Why instant `t` is refused: beyond the replay window's end `to_ms` (0: no end). A forged
// far-future instant would otherwise make every real one look stale and stall the run.
// `what` names the message in the report. nullopt when it is inside.
std::optional<std::string> beyond_replay_window(core::TimestampMs t, core::TimestampMs to_ms, const char* what);

// What is wrong with a market event's payload (the from_proto checks, without throwing),
// or nullopt when it can be applied. Every consumer checks before it applies anything.
std::optional<std::string> market_event_problem(const v1::MarketEvent& ev);

// Parses a payload; nullopt (never an exception) for anything that is not a valid message.
template <class Message>
std::optional<Message> parse(const void* data, size_t size) {
  Message m;
  if (size > static_cast<size_t>(INT32_MAX) || !m.ParseFromArray(data, static_cast<int>(size))) return std::nullopt;
  return m;
}

}  // namespace fulcrum::transport
