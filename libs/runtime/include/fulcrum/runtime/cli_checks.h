#pragma once
// Command-line checks CLI11 lacks. Its Range lets NaN through (every comparison with NaN is
// false), so a real-valued option checks that it is finite too.
#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace fulcrum::runtime {

inline CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (!std::isfinite(v) || v < lo || v > hi) return "'" + text + "' is not a finite number in [" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]";
        return "";
      },
      "FINITE in [" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]");
}

}  // namespace fulcrum::runtime
