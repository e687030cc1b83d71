#pragma once
// How reports, decision reasons and gate verdicts print numbers.
#include <cstdio>
#include <string>

namespace fulcrum::core {
// Six significant digits: the numbers behind a decision reason or a gate verdict.
inline std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
// A fraction as a percentage with two decimals: 0.0123 → "1.23%".
inline std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", fraction * 100);
  return buf;
}
}  // namespace fulcrum::core
