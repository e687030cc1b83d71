#include "fulcrum/risk/sizing.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace fulcrum::risk {
namespace {
// Every comparison is written so that NaN fails it: NaN must never pass a range check.
void require_finite(double v, const char* what) {
  if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + " must be a finite number");
}
int whole_units(double units) {
  if (!(units < static_cast<double>(std::numeric_limits<int>::max()))) throw std::invalid_argument("fixed ratio: too many units to count");
  return static_cast<int>(units);
}
}  // namespace

double kelly_fraction(double p, double b) {
  if (!(b > 0) || !std::isfinite(b)) throw std::invalid_argument("kelly_fraction: payoff ratio must be positive and finite");
  if (!(p >= 0 && p <= 1)) throw std::invalid_argument("kelly_fraction: win probability must be in [0, 1]");
  return (b * p - (1 - p)) / b;
}

int fixed_ratio_units_jones(double profit, double delta) {
  if (!(delta > 0) || !std::isfinite(delta)) throw std::invalid_argument("fixed ratio: delta must be positive and finite");
  require_finite(profit, "fixed ratio: profit");
  if (profit <= 0) return 1;
  // Tiny epsilon so exact thresholds (profit = delta·N(N−1)/2) land on N, not N−1.
  return whole_units(std::floor((1 + std::sqrt(1 + 8 * profit / delta)) / 2 + 1e-9));
}

int fixed_ratio_units_linear(double profit, double delta) {
  if (!(delta > 0) || !std::isfinite(delta)) throw std::invalid_argument("fixed ratio: delta must be positive and finite");
  require_finite(profit, "fixed ratio: profit");
  if (profit <= 0) return 1;
  return whole_units(std::floor(profit / delta + 1e-9) + 1);
}

std::vector<double> risk_parity_weights(const std::vector<double>& vols) {
  double total = 0;
  for (double v : vols) {
    if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument("risk parity: every volatility must be positive and finite");
    total += 1 / v;
  }
  std::vector<double> w;
  w.reserve(vols.size());
  for (double v : vols) w.push_back((1 / v) / total);
  return w;
}

double position_size_from_risk(double equity, double risk_fraction, double entry, double stop, double contract_value) {
  require_finite(equity, "position size: equity");
  require_finite(risk_fraction, "position size: risk fraction");
  const double distance = std::fabs(entry - stop) * contract_value;
  require_finite(distance, "position size: stop distance");
  if (!(distance > 0)) throw std::invalid_argument("position size: stop must differ from entry");
  return equity * risk_fraction / distance;
}

double one_day_var95(double notional, double daily_volatility) { return 1.6448536269514722 * daily_volatility * std::fabs(notional); }

}  // namespace fulcrum::risk
