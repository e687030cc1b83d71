#include "fulcrum/core/time_format.h"

#include <chrono>
#include <cstdio>

namespace fulcrum::core {
namespace {
using namespace std::chrono;

TimestampMs to_ms(const year_month_day& ymd) {
  return duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
}
year_month_day to_ymd(TimestampMs t_ms) {
  return year_month_day{floor<days>(sys_time<milliseconds>{milliseconds{t_ms}})};
}
}  // namespace

std::optional<TimestampMs> parse_utc_ms(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  if (static_cast<size_t>(consumed) != str.size()) {
    int rest = 0;
    if (std::sscanf(str.c_str() + consumed, "T%2d:%2d:%2d%n", &h, &mi, &s, &rest) != 3) return std::nullopt;
    const size_t tail = static_cast<size_t>(consumed + rest);
    if (!(tail == str.size() || (tail + 1 == str.size() && str.back() == 'Z'))) return std::nullopt;
    if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return to_ms(ymd) + h * kMsPerHour + mi * kMsPerMinute + s * 1000;
}

std::string format_utc_ms(TimestampMs t_ms) {
  const auto ymd = to_ymd(t_ms);
  const TimestampMs in_day = t_ms - to_ms(ymd);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(in_day / kMsPerHour), static_cast<long long>(in_day % kMsPerHour / kMsPerMinute),
                static_cast<long long>(in_day % kMsPerMinute / 1000));
  return buf;
}

std::string format_utc_month(TimestampMs t_ms) {
  const auto ymd = to_ymd(t_ms);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
  return buf;
}

TimestampMs month_start_ms(TimestampMs t_ms) {
  const auto ymd = to_ymd(t_ms);
  return to_ms(ymd.year() / ymd.month() / day{1});
}

TimestampMs next_month_start_ms(TimestampMs t_ms) {
  const auto ymd = to_ymd(t_ms);
  return to_ms((ymd.year() / ymd.month() / day{1}) + months{1});
}

}  // namespace fulcrum::core
