#include "fulcrum/core/fixed_point.h"

#include <limits>

namespace fulcrum::core {

std::optional<int64_t> parse_decimal_raw(std::string_view text, int decimals) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '"')) ++i;
  size_t end = text.size();
  while (end > i && (text[end - 1] == ' ' || text[end - 1] == '"' || text[end - 1] == '\r')) --end;
  if (i == end) return std::nullopt;
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') {
    negative = text[i] == '-';
    ++i;
  }
  // Mantissa digits without the point, and how many of them precede it.
  std::string digits;
  int int_digits = -1;
  for (; i < end && text[i] != 'e' && text[i] != 'E'; ++i) {
    const char c = text[i];
    if (c == '.') {
      if (int_digits >= 0) return std::nullopt;
      int_digits = static_cast<int>(digits.size());
    } else if (c >= '0' && c <= '9') {
      if (digits.size() > 64) return std::nullopt;
      digits += c;
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (int_digits < 0) int_digits = static_cast<int>(digits.size());
  int exponent = 0;
  if (i < end) {  // exponent part, as exchanges print tiny funding rates (9.47e-6)
    ++i;
    bool exp_negative = false;
    if (i < end && (text[i] == '-' || text[i] == '+')) exp_negative = text[i++] == '-';
    if (i == end) return std::nullopt;
    for (; i < end; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 40) return std::nullopt;
    }
    if (exp_negative) exponent = -exponent;
  }
  // Keep the digits that land at or above 10^-decimals; the next one rounds.
  const int keep = int_digits + exponent + decimals;
  int128 value = 0;
  constexpr int128 kLimit = static_cast<int128>(std::numeric_limits<int64_t>::max());
  for (int k = 0; k < keep; ++k) {
    const int d = k < static_cast<int>(digits.size()) ? digits[static_cast<size_t>(k)] - '0' : 0;
    value = value * 10 + d;
    if (value > kLimit) return std::nullopt;
  }
  if (keep >= 0 && keep < static_cast<int>(digits.size()) && digits[static_cast<size_t>(keep)] >= '5') ++value;
  if (value > kLimit) return std::nullopt;
  return static_cast<int64_t>(negative ? -value : value);
}

std::string format_decimal_raw(int64_t raw, int decimals) {
  const bool negative = raw < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string whole = std::to_string(magnitude / scale);
  std::string frac = std::to_string(magnitude % scale);
  frac.insert(0, static_cast<size_t>(decimals) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = negative ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

int64_t narrow_checked(int128 value, const char* what) {
  if (value > std::numeric_limits<int64_t>::max() || value < std::numeric_limits<int64_t>::min())
    throw ArithmeticOverflow(std::string(what) + ": result does not fit 64-bit fixed point");
  return static_cast<int64_t>(value);
}

int64_t div_round(int128 numerator, int128 denominator) {
  if (denominator == 0) throw ArithmeticOverflow("div_round: division by zero");
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  int128 q = numerator / denominator;
  int128 r = numerator % denominator;
  if (r < 0) r = -r;
  if (r >= denominator - r) q += numerator < 0 ? -1 : 1;
  return narrow_checked(q, "div_round");
}

}  // namespace fulcrum::core
