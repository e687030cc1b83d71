#include "fulcrum/risk/margin.h"

#include <cmath>

namespace fulcrum::risk {
namespace {
size_t bracket_index_for(const std::vector<MarginBracket>& brackets, double notional) {
  for (size_t i = 0; i < brackets.size(); ++i)
    if (std::fabs(notional) < brackets[i].notional_cap.to_double()) return i;
  return brackets.size() - 1;
}
}  // namespace

double initial_margin(double notional, double leverage_x) { return std::fabs(notional) / leverage_x; }

double maintenance_margin(const std::vector<MarginBracket>& brackets, double notional) {
  const auto& b = brackets[bracket_index_for(brackets, notional)];
  return std::fabs(notional) * b.maintenance_rate.to_double() - b.maintenance_amount.to_double();
}

int max_leverage_for_notional(const std::vector<MarginBracket>& brackets, double notional) {
  return brackets[bracket_index_for(brackets, notional)].max_leverage_x;
}

LiquidationResult liquidation_price(const std::vector<MarginBracket>& brackets, const LiquidationInput& in) {
  LiquidationResult r;
  if (in.quantity <= 0 || brackets.empty()) return r;
  size_t idx = bracket_index_for(brackets, in.quantity * in.entry_price);
  // The bracket depends on the answer; a handful of passes settles it (brackets are monotone).
  for (int pass = 0; pass < 8; ++pass) {
    const double mmr = brackets[idx].maintenance_rate.to_double();
    const double cum = brackets[idx].maintenance_amount.to_double();
    const double s = static_cast<double>(in.side);
    const double numerator = in.wallet_balance - in.other_maintenance + in.other_unrealized_pnl + cum - s * in.quantity * in.entry_price;
    const double denominator = in.quantity * mmr - s * in.quantity;
    r.price = numerator / denominator;
    r.mmr = mmr;
    r.cum = cum;
    r.bracket_index = static_cast<int>(idx);
    if (r.price <= 0) break;
    const size_t at_liq = bracket_index_for(brackets, in.quantity * r.price);
    if (at_liq == idx) break;
    idx = at_liq;
  }
  return r;
}

double liquidation_price_simplified(int side, double entry_price, double leverage_x, double mmr) {
  const double imr = 1.0 / leverage_x;
  return side > 0 ? entry_price * (1 - imr + mmr) : entry_price * (1 + imr - mmr);
}

}  // namespace fulcrum::risk
