#pragma once
// Six significant digits: how decision reasons print the numbers behind them.
#include <cstdio>
#include <string>

namespace fulcrum::core {
inline std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace fulcrum::core
