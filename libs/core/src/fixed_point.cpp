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
  int128 value = 0;
  int frac_digits = -1;  // -1 until the decimal point is seen
  bool any_digit = false;
  bool round_up = false;
  bool rounding_decided = false;
  constexpr int128 kLimit = static_cast<int128>(std::numeric_limits<int64_t>::max());
  for (; i < end; ++i) {
    const char c = text[i];
    if (c == '.') {
      if (frac_digits >= 0) return std::nullopt;
      frac_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    if (frac_digits >= decimals) {
      if (!rounding_decided) {
        round_up = c >= '5';
        rounding_decided = true;
      }
      continue;
    }
    value = value * 10 + (c - '0');
    if (frac_digits >= 0) ++frac_digits;
    if (value > kLimit) return std::nullopt;
  }
  if (!any_digit) return std::nullopt;
  for (int d = frac_digits < 0 ? 0 : frac_digits; d < decimals; ++d) {
    value *= 10;
    if (value > kLimit) return std::nullopt;
  }
  if (round_up) ++value;
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

int64_t div_round(int128 numerator, int128 denominator) {
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  int128 q = numerator / denominator;
  int128 r = numerator % denominator;
  if (r < 0) r = -r;
  if (2 * r >= denominator) q += numerator < 0 ? -1 : 1;
  return static_cast<int64_t>(q);
}

}  // namespace fulcrum::core
