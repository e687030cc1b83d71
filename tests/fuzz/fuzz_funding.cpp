// Any bytes as a funding csv: events or DataError; kept events are increasing and every
// rate is inside the plausibility cap.
#include <cstdint>
#include <string>

#include "fulcrum/core/error.h"
#include "fulcrum/marketdata/readers.h"

using namespace fulcrum;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const marketdata::Plausibility limits;
  const auto cap = core::Rate::from_double(limits.max_abs_funding_rate);
  try {
    const auto s = marketdata::parse_funding(text, "fuzz.csv", marketdata::ValidationMode::kReport, limits);
    for (size_t i = 0; i < s.events.size(); ++i) {
      if (s.events[i].rate.abs() > cap) __builtin_trap();
      if (s.events[i].interval_hours < 1 || s.events[i].interval_hours > 24) __builtin_trap();
      if (i > 0 && s.events[i].funding_time_ms <= s.events[i - 1].funding_time_ms) __builtin_trap();
    }
  } catch (const core::DataError&) {
  }
  return 0;
}
