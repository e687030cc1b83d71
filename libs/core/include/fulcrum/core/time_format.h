#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "fulcrum/core/clock.h"

namespace fulcrum::core {
// "2025-02-01" or "2025-02-01T08:00:00Z" (UTC) → ms. nullopt when malformed.
std::optional<TimestampMs> parse_utc_ms(std::string_view text);
std::string format_utc_ms(TimestampMs t_ms);            // 2025-02-01T08:00:00Z
std::string format_utc_month(TimestampMs t_ms);         // 2025-02
// Start of the UTC month containing t, and of the following month.
TimestampMs month_start_ms(TimestampMs t_ms);
TimestampMs next_month_start_ms(TimestampMs t_ms);
}  // namespace fulcrum::core
