#pragma once
// Helpers every policy shares: reason formatting and margin-to-notional sizing.
#include <algorithm>
#include <string>

#include "fulcrum/core/number_format.h"
#include "fulcrum/leverage/policy.h"

namespace fulcrum::leverage::detail {

// The reasons every decision carries, whatever the policy.
inline LeverageDecision base_decision(const LeverageInputs& in, int leverage_x, const std::string& policy) {
  LeverageDecision d;
  d.leverage_x = std::max(1, leverage_x);
  d.reasons["policy"] = policy;
  d.reasons["suggested_x"] = std::to_string(d.leverage_x);
  d.reasons["confidence"] = core::short_number(in.signal ? in.signal->confidence : 0);
  return d;
}

// A decision that posts `margin_fraction` of equity at `leverage_x`, never more margin
// than is available.
inline LeverageDecision margin_sized(const LeverageInputs& in, int leverage_x, double margin_fraction, const std::string& policy) {
  LeverageDecision d = base_decision(in, leverage_x, policy);
  const double margin = std::min(in.equity * margin_fraction, in.available_balance);
  d.notional = std::max(0.0, margin) * d.leverage_x;
  d.trade = d.notional > 0;
  d.reasons["margin_fraction"] = core::short_number(margin_fraction);
  return d;
}

// A learned policy without a usable answer decides as `fallback` does, under its own name,
// and says why.
inline LeverageDecision fall_back(const LeveragePolicy& fallback, const LeverageInputs& in, const std::string& policy, const std::string& why) {
  auto d = fallback.decide(in);
  d.reasons["policy"] = policy;
  d.reasons["fallback"] = fallback.name() + ": " + why;
  return d;
}

}  // namespace fulcrum::leverage::detail
