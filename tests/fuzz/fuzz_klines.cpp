// Any bytes as a kline csv: the reader returns bars or throws DataError, never crashes,
// and what it keeps is always a valid, strictly increasing series.
#include <cstdint>
#include <string>

#include "fulcrum/core/error.h"
#include "fulcrum/marketdata/readers.h"

using namespace fulcrum;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (auto mode : {marketdata::ValidationMode::kReport, marketdata::ValidationMode::kStrict}) {
    try {
      const auto s = marketdata::parse_klines(text, "fuzz.csv", mode);
      for (size_t i = 0; i < s.bars.size(); ++i) {
        const auto& b = s.bars[i];
        if (b.low.raw <= 0 || b.high < b.low || b.high < b.open || b.high < b.close || b.low > b.open || b.low > b.close) __builtin_trap();
        if (i > 0 && b.open_time_ms <= s.bars[i - 1].open_time_ms) __builtin_trap();
      }
      if (s.bars.empty()) __builtin_trap();  // no rows must be an error, never an empty series
    } catch (const core::DataError&) {
    }
  }
  return 0;
}
