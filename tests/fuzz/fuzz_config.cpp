// Any bytes as the YAML config: a config or a ConfigError naming fields, never a crash or
// an exception of another kind (the 12-byte "? [a, b]\n: 1" once aborted from a destructor).
#include <cmath>
#include <cstdint>
#include <string>

#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"

using namespace fulcrum;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto cfg = config::parse_app_config(text, "fuzz.yaml", ".");
    // Whatever is accepted is finite and in range.
    if (cfg.mesh.risk.max_order_notional.raw <= 0 || !std::isfinite(cfg.backtest.initial_equity)) __builtin_trap();
    if (cfg.backtest.venue.taker_fee.raw < 0) __builtin_trap();
    // A listed bracket table is sound; an empty one means "Binance's table for the symbol".
    for (const auto& [sym, spec] : cfg.instruments)
      if (spec.tick_size.raw <= 0 || spec.step_size.raw <= 0 || (!spec.brackets.empty() && !model::bracket_table_problems(spec.brackets).empty()))
        __builtin_trap();
  } catch (const core::ConfigError& e) {
    if (e.issues().empty()) __builtin_trap();
  }
  return 0;
}
