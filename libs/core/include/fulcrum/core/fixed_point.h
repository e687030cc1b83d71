#pragma once
// Exact decimal values for prices, quantities, money and rates.
// Parsed from venue strings straight into integers (never through double), so the
// backtest and the mesh produce bit-identical ledgers on any machine.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::core {

__extension__ using int128 = __int128;  // GCC/Clang builtin; exact products of two int64 raws

// Parses a plain decimal ("-12.345", "1e-5" is rejected) into raw units of 10^-decimals.
// Digits beyond `decimals` are rounded half away from zero. Returns nullopt on any
// non-numeric character or overflow.
std::optional<int64_t> parse_decimal_raw(std::string_view text, int decimals);
std::string format_decimal_raw(int64_t raw, int decimals);
// Rounded division, half away from zero; the one rounding rule used for money.
int64_t div_round(int128 numerator, int128 denominator);

template <class Tag, int Decimals>
struct Fixed {
  static constexpr int kDecimals = Decimals;
  static constexpr int64_t kScale = [] {
    int64_t s = 1;
    for (int i = 0; i < Decimals; ++i) s *= 10;
    return s;
  }();

  int64_t raw = 0;

  static constexpr Fixed from_raw(int64_t r) { return Fixed{r}; }
  static constexpr Fixed from_int(int64_t units) { return Fixed{units * kScale}; }
  // Only for config values and tests: literals written by a person.
  static Fixed from_double(double v) {
    const double scaled = v * static_cast<double>(kScale);
    return Fixed{static_cast<int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5)};
  }
  static std::optional<Fixed> parse(std::string_view text) {
    auto r = parse_decimal_raw(text, Decimals);
    if (!r) return std::nullopt;
    return Fixed{*r};
  }
  double to_double() const { return static_cast<double>(raw) / static_cast<double>(kScale); }
  std::string str() const { return format_decimal_raw(raw, Decimals); }

  constexpr bool is_zero() const { return raw == 0; }
  constexpr Fixed operator-() const { return Fixed{-raw}; }
  constexpr Fixed operator+(Fixed o) const { return Fixed{raw + o.raw}; }
  constexpr Fixed operator-(Fixed o) const { return Fixed{raw - o.raw}; }
  constexpr Fixed& operator+=(Fixed o) { raw += o.raw; return *this; }
  constexpr Fixed& operator-=(Fixed o) { raw -= o.raw; return *this; }
  constexpr auto operator<=>(const Fixed&) const = default;
  constexpr Fixed abs() const { return Fixed{raw < 0 ? -raw : raw}; }
};

struct PriceTag {};
struct QtyTag {};
struct MoneyTag {};
struct RateTag {};

using Price = Fixed<PriceTag, 8>;   // quote currency per unit of base
using Qty = Fixed<QtyTag, 8>;       // base units (contracts of 1 base unit on USDⓈ-M)
using Money = Fixed<MoneyTag, 8>;   // quote currency (USDT)
using Rate = Fixed<RateTag, 12>;    // dimensionless fraction: fees, funding, margin rates

inline Money notional(Price p, Qty q) {
  return Money::from_raw(div_round(static_cast<int128>(p.raw) * q.raw, Qty::kScale));
}
inline Money apply_rate(Money m, Rate r) {
  return Money::from_raw(div_round(static_cast<int128>(m.raw) * r.raw, Rate::kScale));
}
// Signed PnL of a signed quantity moving from one price to another.
inline Money pnl(Qty signed_qty, Price from, Price to) {
  return Money::from_raw(div_round(static_cast<int128>(to.raw - from.raw) * signed_qty.raw, Qty::kScale));
}
// Floors a value onto a grid (tick or step): the venue never rounds a quantity up.
template <class F>
F floor_to(F value, F step) {
  if (step.raw <= 0) return value;
  int64_t q = value.raw / step.raw;
  if (value.raw < 0 && value.raw % step.raw != 0) --q;
  return F::from_raw(q * step.raw);
}
template <class F>
F round_to(F value, F step) {
  if (step.raw <= 0) return value;
  return F::from_raw(div_round(value.raw, step.raw) * step.raw);
}
template <class F>
bool on_grid(F value, F step) {
  return step.raw <= 0 || value.raw % step.raw == 0;
}

}  // namespace fulcrum::core
