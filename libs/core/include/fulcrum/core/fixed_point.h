#pragma once
// Exact decimal values for prices, quantities, money and rates.
// Parsed from venue strings straight into integers (never through double), so the
// backtest and the mesh produce bit-identical ledgers on any machine.
#include <cmath>
#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fulcrum::core {

__extension__ using int128 = __int128;  // GCC/Clang builtin; exact products of two int64 raws

// A value that does not fit its 64-bit fixed-point type. Never wrapped, never clamped:
// whoever computes money catches this and turns it into a rejection with a reason.
class ArithmeticOverflow : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

// The int64 a 128-bit intermediate narrows to, or ArithmeticOverflow naming `what`.
int64_t narrow_checked(int128 value, const char* what);
constexpr int64_t add_checked(int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw ArithmeticOverflow(what);
  return r;
}
constexpr int64_t sub_checked(int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) throw ArithmeticOverflow(what);
  return r;
}

// Parses a plain decimal ("-12.345", "1e-5" is rejected) into raw units of 10^-decimals.
// Digits beyond `decimals` are rounded half away from zero. Returns nullopt on any
// non-numeric character or overflow.
std::optional<int64_t> parse_decimal_raw(std::string_view text, int decimals);
std::string format_decimal_raw(int64_t raw, int decimals);
// Rounded division, half away from zero; the one rounding rule used for money. Throws
// ArithmeticOverflow when the quotient does not fit 64 bits (or the denominator is 0).
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
  static constexpr Fixed from_int(int64_t units) {
    int64_t r = 0;
    if (__builtin_mul_overflow(units, kScale, &r)) throw ArithmeticOverflow("from_int: value out of fixed-point range");
    return Fixed{r};
  }
  // Only for config values, calculator arguments and tests: numbers written by a person.
  // NaN, infinity and values beyond the type's range throw; they never become a number.
  static Fixed from_double(double v) {
    const double scaled = v * static_cast<double>(kScale);
    // 2^63 is exactly representable; anything at or beyond it does not fit an int64.
    if (!std::isfinite(scaled) || std::fabs(scaled) >= 9.2233720368547758e18)
      throw ArithmeticOverflow("from_double: " + std::to_string(v) + " does not fit " + std::to_string(Decimals) + "-decimal fixed point");
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
  constexpr Fixed operator-() const { return Fixed{sub_checked(0, raw, "fixed-point negation out of range")}; }
  constexpr Fixed operator+(Fixed o) const { return Fixed{add_checked(raw, o.raw, "fixed-point sum out of range")}; }
  constexpr Fixed operator-(Fixed o) const { return Fixed{sub_checked(raw, o.raw, "fixed-point difference out of range")}; }
  constexpr Fixed& operator+=(Fixed o) { raw = add_checked(raw, o.raw, "fixed-point sum out of range"); return *this; }
  constexpr Fixed& operator-=(Fixed o) { raw = sub_checked(raw, o.raw, "fixed-point difference out of range"); return *this; }
  constexpr auto operator<=>(const Fixed&) const = default;
  constexpr Fixed abs() const { return raw < 0 ? -*this : *this; }
};

struct PriceTag {};
struct QtyTag {};
struct MoneyTag {};
struct RateTag {};

using Price = Fixed<PriceTag, 8>;   // quote currency per unit of base
using Qty = Fixed<QtyTag, 8>;       // base units (contracts of 1 base unit on USDⓈ-M)
using Money = Fixed<MoneyTag, 8>;   // quote currency (USDT)
using Rate = Fixed<RateTag, 12>;    // dimensionless fraction: fees, funding, margin rates

// Every product below is exact in 128 bits (two int64 raws); only the narrowing back to
// 64 bits can fail, and it throws ArithmeticOverflow instead of wrapping.
inline Money notional(Price p, Qty q) {
  return Money::from_raw(div_round(static_cast<int128>(p.raw) * q.raw, Qty::kScale));
}
inline Money apply_rate(Money m, Rate r) {
  return Money::from_raw(div_round(static_cast<int128>(m.raw) * r.raw, Rate::kScale));
}
// p · (1 + factor), factor may be negative: slippage, trailing-stop triggers.
inline Price scale_price(Price p, Rate factor) {
  return Price::from_raw(p.raw + div_round(static_cast<int128>(p.raw) * factor.raw, Rate::kScale));
}
// Signed PnL of a signed quantity moving from one price to another.
inline Money pnl(Qty signed_qty, Price from, Price to) {
  return Money::from_raw(div_round((static_cast<int128>(to.raw) - from.raw) * signed_qty.raw, Qty::kScale));
}
// Floors a value onto a grid (tick or step): the venue never rounds a quantity up.
template <class F>
F floor_to(F value, F step) {
  if (step.raw <= 0) return value;
  int64_t q = value.raw / step.raw;
  if (value.raw < 0 && value.raw % step.raw != 0) --q;
  return F::from_raw(narrow_checked(static_cast<int128>(q) * step.raw, "floor_to"));
}
template <class F>
F round_to(F value, F step) {
  if (step.raw <= 0) return value;
  return F::from_raw(narrow_checked(static_cast<int128>(div_round(value.raw, step.raw)) * step.raw, "round_to"));
}
template <class F>
bool on_grid(F value, F step) {
  return step.raw <= 0 || value.raw % step.raw == 0;
}

}  // namespace fulcrum::core
