#include "fulcrum/model/instrument.h"

#include <stdexcept>

namespace fulcrum::model {

void derive_maintenance_amounts(std::vector<MarginBracket>& brackets) {
  Money cum;
  Rate previous_rate;
  for (size_t i = 0; i < brackets.size(); ++i) {
    if (i > 0) {
      const Rate step = brackets[i].maintenance_rate - previous_rate;
      cum += core::apply_rate(brackets[i].notional_floor, step);
    }
    brackets[i].maintenance_amount = cum;
    previous_rate = brackets[i].maintenance_rate;
  }
}

std::vector<MarginBracket> default_binance_brackets() {
  struct Row {
    int64_t floor, cap;
    int lev;
    double mmr;
  };
  // Binance USDⓈ-M BTCUSDT leverage and margin table.
  static constexpr Row kRows[] = {
      {0, 50'000, 125, 0.004},
      {50'000, 250'000, 100, 0.005},
      {250'000, 3'000'000, 50, 0.01},
      {3'000'000, 15'000'000, 20, 0.025},
      {15'000'000, 30'000'000, 10, 0.05},
      {30'000'000, 80'000'000, 5, 0.10},
      {80'000'000, 100'000'000, 4, 0.125},
      {100'000'000, 200'000'000, 3, 0.15},
      {200'000'000, 300'000'000, 2, 0.25},
      {300'000'000, 500'000'000, 1, 0.50},
  };
  std::vector<MarginBracket> out;
  for (const auto& r : kRows) {
    out.push_back({Money::from_int(r.floor), Money::from_int(r.cap), r.lev, Rate::from_double(r.mmr), Money{}});
  }
  derive_maintenance_amounts(out);
  return out;
}

const MarginBracket& bracket_for(const std::vector<MarginBracket>& brackets, Money position_notional) {
  if (brackets.empty()) throw std::invalid_argument("bracket_for: empty bracket table");
  const Money abs_notional = position_notional.abs();
  for (const auto& b : brackets) {
    if (abs_notional < b.notional_cap) return b;
  }
  return brackets.back();
}

}  // namespace fulcrum::model
