#pragma once

// Time helpers: RFC 3339 timestamps (always written as UTC with "Z") and
// the durations of the configuration ("90s", "2m", "1h", "30d", "250ms").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wijkwacht {

using SysTime = std::chrono::system_clock::time_point;

std::string format_rfc3339(SysTime time);
std::string now_rfc3339();
// Now in whole seconds since 1970 (journal timestamps, metrics).
std::int64_t unix_now();

// RFC 3339 / ISO 8601 with optional fraction and offset.
std::optional<SysTime> parse_rfc3339(std::string_view text);
// RFC 822/1123 as RSS uses it ("Thu, 01 Jan 2004 19:48:21 GMT", "+0100", weekday optional).
std::optional<SysTime> parse_rfc822(std::string_view text);
// The day-first numeric form some feeds use ("22.11.2022 12:16:00",
// "22-11-2022 12:16", "22/11/2022"), read as UTC: the feed gives no zone.
std::optional<SysTime> parse_day_first(std::string_view text);
// HTTP dates (RFC 9110 IMF-fixdate and the obsolete forms RFC 822 covers).
inline std::optional<SysTime> parse_http_date(std::string_view text) {
    return parse_rfc822(text);
}

// "250ms", "90s", "2m", "1h", "30d"; combinations such as "1h30m". Nothing else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds duration);

} // namespace wijkwacht
