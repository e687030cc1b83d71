#pragma once
// Paths and builders shared by the tests.
#include <ostream>
#include <string>

#include "fulcrum/model/instrument.h"
#include "fulcrum/model/market.h"
#include "fulcrum/model/order.h"

namespace fulcrum::core {
// Failure messages show decimals, not bytes.
template <class Tag, int D>
void PrintTo(const Fixed<Tag, D>& v, std::ostream* os) { *os << v.str(); }
}  // namespace fulcrum::core

namespace fulcrum::test {

inline constexpr core::TimestampMs kT0 = 1'735'689'600'000;  // 2025-01-01, where hand-made sessions start
inline constexpr core::TimestampMs k5m = 300'000;

// The repo's bundled sample (always present).
std::string sample_dir();
// ../shared/data, or "" when this checkout has no shared folder beside it.
std::string shared_data_dir();
std::string temp_dir(const std::string& name);
void write_text(const std::string& path, const std::string& text);
// The whole file; throws naming it when it cannot be opened.
std::string read_text(const std::string& path);

model::Bar bar(core::TimestampMs open_ms, double o, double h, double l, double c, double v = 100, core::TimestampMs interval_ms = 300'000);
// A BTCUSDT market order.
model::OrderRequest market_order(const std::string& id, model::Side side, const char* qty, int leverage_x = 10, bool reduce_only = false);
model::InstrumentSpec spec(const std::string& symbol, const char* tick = "0.1", const char* step = "0.001", double min_notional = 5);

}  // namespace fulcrum::test

#define FULCRUM_SKIP_WITHOUT_SHARED_DATA()                                                            \
  if (fulcrum::test::shared_data_dir().empty())                                                   \
  GTEST_SKIP() << "../shared/data is absent: this test needs the real Binance history beside the repo"
