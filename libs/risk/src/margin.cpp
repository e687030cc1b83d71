#include "fulcrum/risk/margin.h"

#include <stdexcept>

namespace fulcrum::risk {
namespace {
using core::int128;

size_t bracket_index_for(const std::vector<MarginBracket>& brackets, Money notional) {
  if (brackets.empty()) throw std::invalid_argument("margin: empty bracket table");
  const Money abs_notional = notional.abs();
  for (size_t i = 0; i < brackets.size(); ++i)
    if (abs_notional < brackets[i].notional_cap) return i;
  return brackets.size() - 1;
}

int128 mul_checked(int128 a, int128 b) {
  int128 r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw core::ArithmeticOverflow("liquidation price: inputs too large to represent");
  return r;
}
}  // namespace

Money initial_margin(Money notional, int leverage_x) {
  if (leverage_x < 1) throw std::invalid_argument("initial_margin: leverage must be at least 1x");
  return Money::from_raw(core::div_round(notional.abs().raw, leverage_x));
}

Money maintenance_margin(const std::vector<MarginBracket>& brackets, Money notional) {
  const auto& b = brackets[bracket_index_for(brackets, notional)];
  return core::apply_rate(notional.abs(), b.maintenance_rate) - b.maintenance_amount;
}

int max_leverage_for_notional(const std::vector<MarginBracket>& brackets, Money notional) {
  return brackets[bracket_index_for(brackets, notional)].max_leverage_x;
}

LiquidationResult liquidation_price(const std::vector<MarginBracket>& brackets, const LiquidationInput& in) {
  LiquidationResult r;
  if (in.quantity.raw <= 0 || brackets.empty() || (in.side != 1 && in.side != -1)) return r;
  const Money entry_notional = core::notional(in.entry_price, in.quantity);
  size_t idx = bracket_index_for(brackets, entry_notional);
  // The bracket depends on the answer; a few passes settle it (brackets are monotone).
  for (int pass = 0; pass < 8; ++pass) {
    const auto& b = brackets[idx];
    r.mmr = b.maintenance_rate;
    r.cum = b.maintenance_amount;
    r.bracket_index = static_cast<int>(idx);
    // Numerator in Money raw units (1e-8 USDT): WB − TMM1 + UPNL1 + cum − side·Q·EP.
    const int128 numerator = static_cast<int128>(in.wallet_balance.raw) - in.other_maintenance.raw + in.other_unrealized_pnl.raw +
                             b.maintenance_amount.raw - static_cast<int128>(in.side) * entry_notional.raw;
    // Denominator Q·(MMR − side) in Qty raw × Rate raw units (1e-8 · 1e-12).
    const int128 rate_term = static_cast<int128>(b.maintenance_rate.raw) - static_cast<int128>(in.side) * Rate::kScale;
    const int128 denominator = static_cast<int128>(in.quantity.raw) * rate_term;
    // Price raw = numerator/1e8 ÷ (denominator/1e20) · 1e8 = numerator · 1e20 / denominator.
    constexpr int128 kScale20 = static_cast<int128>(Qty::kScale) * Rate::kScale;
    const int64_t price_raw = core::div_round(mul_checked(numerator, kScale20), denominator);
    if (price_raw <= 0) {
      r.price.reset();
      break;
    }
    r.price = Price::from_raw(price_raw);
    const size_t at_liq = bracket_index_for(brackets, core::notional(*r.price, in.quantity));
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
