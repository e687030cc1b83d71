#pragma once
// Money-management formulas from the seed documents, as pure functions.
#include <vector>

namespace fulcrum::risk {

// Kelly: f* = (b·p − q) / b, with q = 1 − p. Negative means "no edge: do not bet".
double kelly_fraction(double win_probability, double payoff_ratio);

// Ryan Jones' fixed ratio: going from N to N+1 units needs N·delta more profit, so
// units = floor((1 + sqrt(1 + 8·profit/delta)) / 2), at least 1.
int fixed_ratio_units_jones(double accumulated_profit, double delta);
// The seed document's linear form: units = floor(profit / delta) + 1, at least 1.
int fixed_ratio_units_linear(double accumulated_profit, double delta);

// Weights ∝ 1/σ, summing to 1. Throws on a non-positive σ.
std::vector<double> risk_parity_weights(const std::vector<double>& volatilities);

// Quantity whose loss at the stop is equity · risk_fraction:
// equity · risk / (|entry − stop| · contract_value).
double position_size_from_risk(double equity, double risk_fraction, double entry, double stop, double contract_value = 1.0);

// Leveraged one-day parametric VaR at 95 %: 1.645 · σ_daily · |notional|.
double one_day_var95(double notional, double daily_volatility);

}  // namespace fulcrum::risk
