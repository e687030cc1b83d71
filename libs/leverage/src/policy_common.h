#pragma once
// Helpers every policy shares: reason formatting and margin-to-notional sizing.
#include <algorithm>
#include <cstdio>
#include <string>

#include "fulcrum/leverage/policy.h"

namespace fulcrum::leverage::detail {

inline std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A decision that posts `margin_fraction` of equity at `leverage_x`, never more margin
// than is available.
inline LeverageDecision margin_sized(const LeverageInputs& in, int leverage_x, double margin_fraction, const std::string& policy) {
  LeverageDecision d;
  d.leverage_x = std::max(1, leverage_x);
  const double margin = std::min(in.equity * margin_fraction, in.available_balance);
  d.notional = std::max(0.0, margin) * d.leverage_x;
  d.trade = d.notional > 0;
  d.reasons["policy"] = policy;
  d.reasons["margin_fraction"] = fmt(margin_fraction);
  d.reasons["suggested_x"] = std::to_string(d.leverage_x);
  d.reasons["confidence"] = fmt(in.signal ? in.signal->confidence : 0);
  return d;
}

}  // namespace fulcrum::leverage::detail
