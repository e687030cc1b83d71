#pragma once
// One time-ordered stream of every symbol's bars, mark-price bars and funding events.
// Ties break by (time, kind, symbol index, sequence) so every replay has one order:
// bars and mark bars closing at T settle before funding at T, so funding is charged at
// the mark as of T, and an order placed at that close (filled at the next bar's open)
// is not charged the funding at T.
#include <cstdint>
#include <vector>

#include "fulcrum/model/market.h"

namespace fulcrum::marketdata {

enum class ReplayKind : uint8_t { kBarClose = 0, kMarkClose = 1, kFunding = 2 };

struct ReplayEvent {
  core::TimestampMs time_ms;
  ReplayKind kind;
  uint32_t symbol_index;
  uint32_t seq;  // index into that symbol's series of this kind
};

struct SymbolStreams {
  const std::vector<model::Bar>* bars = nullptr;
  const std::vector<model::Bar>* mark_bars = nullptr;         // optional
  const std::vector<model::FundingEvent>* funding = nullptr;  // optional
};

std::vector<ReplayEvent> merge_streams(const std::vector<SymbolStreams>& symbols,
                                       core::TimestampMs from_ms, core::TimestampMs to_ms);

}  // namespace fulcrum::marketdata
