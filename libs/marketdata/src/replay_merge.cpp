#include "fulcrum/marketdata/replay_merge.h"

#include <algorithm>
#include <tuple>

namespace fulcrum::marketdata {

std::vector<ReplayEvent> merge_streams(const std::vector<SymbolStreams>& symbols, core::TimestampMs from_ms,
                                       core::TimestampMs to_ms) {
  std::vector<ReplayEvent> events;
  auto in_range = [&](core::TimestampMs t) { return t > from_ms && t <= to_ms; };
  for (uint32_t s = 0; s < symbols.size(); ++s) {
    const auto& sym = symbols[s];
    auto add_bars = [&](const std::vector<model::Bar>* bars, ReplayKind kind) {
      if (!bars) return;
      for (uint32_t i = 0; i < bars->size(); ++i) {
        const auto t = (*bars)[i].close_time_ms();
        if ((*bars)[i].open_time_ms >= from_ms && t <= to_ms) events.push_back({t, kind, s, i});
      }
    };
    add_bars(sym.bars, ReplayKind::kBarClose);
    add_bars(sym.mark_bars, ReplayKind::kMarkClose);
    if (sym.funding) {
      for (uint32_t i = 0; i < sym.funding->size(); ++i) {
        const auto t = (*sym.funding)[i].funding_time_ms;
        if (in_range(t)) events.push_back({t, ReplayKind::kFunding, s, i});
      }
    }
  }
  // Per-source input is already time-ordered, so the key below is a total order.
  std::sort(events.begin(), events.end(), [](const ReplayEvent& a, const ReplayEvent& b) {
    return std::tie(a.time_ms, a.kind, a.symbol_index, a.seq) < std::tie(b.time_ms, b.kind, b.symbol_index, b.seq);
  });
  return events;
}

}  // namespace fulcrum::marketdata
