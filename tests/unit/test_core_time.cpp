#include <wijkwacht/time.hpp>

#include <doctest/doctest.h>

using namespace wijkwacht;
using namespace std::chrono_literals;

TEST_CASE("RFC 3339 timestamps parse with fractions and offsets") {
    const auto t = parse_rfc3339("2026-11-29T09:58:00Z");
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == "2026-11-29T09:58:00Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-29T10:58:00.123+01:00")) ==
          "2026-11-29T09:58:00Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-29T04:58:00-0500")) == "2026-11-29T09:58:00Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-11-29")) == "2026-11-29T00:00:00Z");
    CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("yesterday"));
    CHECK_FALSE(parse_rfc3339("2026-11-29T09:58:00Zjunk"));
}

TEST_CASE("RFC 822 dates as RSS writes them") {
    CHECK(format_rfc3339(*parse_rfc822("Thu, 01 Jan 2004 19:48:21 GMT")) == "2004-01-01T19:48:21Z");
    CHECK(format_rfc3339(*parse_rfc822("Sun, 29 Nov 2026 10:00:00 +0100")) ==
          "2026-11-29T09:00:00Z");
    CHECK(format_rfc3339(*parse_rfc822("29 Nov 2026 10:00 EST")) == "2026-11-29T15:00:00Z");
    CHECK(format_rfc3339(*parse_rfc822("Sun, 29 November 26 10:00:00 UT")) ==
          "2026-11-29T10:00:00Z");
    CHECK_FALSE(parse_rfc822("22.11.2022 12:16:00"));
    CHECK_FALSE(parse_rfc822("Sun, 29 Foo 2026 10:00:00 GMT"));
    CHECK_FALSE(parse_rfc822("Sun, 29 Nov 2026 10:00:00 XYZ"));
}

TEST_CASE("the day-first dates some feeds use") {
    CHECK(format_rfc3339(*parse_day_first("22.11.2022 12:16:00")) == "2022-11-22T12:16:00Z");
    CHECK(format_rfc3339(*parse_day_first("1-2-2026 9:05")) == "2026-02-01T09:05:00Z");
    CHECK(format_rfc3339(*parse_day_first("22/11/2022")) == "2022-11-22T00:00:00Z");
    CHECK_FALSE(parse_day_first("31.02.2026"));
    CHECK_FALSE(parse_day_first("22.11.22"));
    CHECK_FALSE(parse_day_first("22.11-2022"));
}

TEST_CASE("durations") {
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("2m") == 2min);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("30d") == std::chrono::hours(720));
    CHECK(parse_duration("250ms") == 250ms);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("5"));
    CHECK_FALSE(parse_duration("5 minutes"));
    CHECK_FALSE(parse_duration("-5s"));
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(2min) == "2m");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(45s) == "45s");
    CHECK(format_duration(4'252'850ms) == "1h10m53s");
    CHECK(format_duration(std::chrono::hours(24 * 30)) == "30d");
    CHECK(format_duration(0ms) == "0s");
}
