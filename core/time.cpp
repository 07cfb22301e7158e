#include "core/utf8.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace wijkwacht {

namespace {
using namespace std::chrono;

// A small cursor over the text being parsed.
struct Scanner {
    std::string_view text;
    std::size_t pos = 0;

    bool done() const { return pos >= text.size(); }
    char peek() const { return done() ? '\0' : text[pos]; }
    void skip_spaces() {
        while (!done() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == ','))
            ++pos;
    }
    bool eat(char c) {
        if (peek() != c)
            return false;
        ++pos;
        return true;
    }
    // Reads between min and max digits.
    std::optional<int> number(int min_digits, int max_digits) {
        int value = 0;
        int count = 0;
        while (count < max_digits && !done() &&
               std::isdigit(static_cast<unsigned char>(text[pos]))) {
            value = value * 10 + (text[pos] - '0');
            ++pos;
            ++count;
        }
        if (count < min_digits)
            return std::nullopt;
        return value;
    }
    std::string_view word() {
        const std::size_t start = pos;
        while (!done() && std::isalpha(static_cast<unsigned char>(text[pos])))
            ++pos;
        return text.substr(start, pos - start);
    }
};

std::optional<SysTime> make_time(int y, int mo, int d, int h, int mi, int s, minutes offset) {
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    const sys_days days{date};
    return SysTime{days} + hours{h} + minutes{mi} + seconds{std::min(s, 59)} - offset;
}

// An optional "H:MM" or "H:MM:SS"; false when one is begun but malformed.
bool optional_clock(Scanner& in, int& h, int& mi, int& s) {
    const auto hh = in.number(1, 2);
    if (!hh)
        return true;
    const auto mm = in.eat(':') ? in.number(2, 2) : std::nullopt;
    if (!mm)
        return false;
    h = *hh;
    mi = *mm;
    if (in.eat(':')) {
        const auto ss = in.number(2, 2);
        if (!ss)
            return false;
        s = *ss;
    }
    return true;
}

// "+01:00", "+0100", "-05", "Z"
std::optional<minutes> numeric_offset(Scanner& in) {
    if (in.eat('Z') || in.eat('z'))
        return minutes{0};
    const char sign = in.peek();
    if (sign != '+' && sign != '-')
        return std::nullopt;
    ++in.pos;
    const auto h = in.number(2, 2);
    if (!h)
        return std::nullopt;
    in.eat(':');
    const auto m = in.number(2, 2).value_or(0);
    const minutes offset{*h * 60 + m};
    return sign == '-' ? -offset : offset;
}
} // namespace

std::string format_rfc3339(SysTime time) {
    const auto secs = floor<seconds>(time);
    const auto days = floor<std::chrono::days>(secs);
    const year_month_day date{days};
    const hh_mm_ss<seconds> clock{secs - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::string now_rfc3339() {
    return format_rfc3339(system_clock::now());
}

std::int64_t unix_now() {
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<SysTime> parse_rfc3339(std::string_view text) {
    Scanner in{text};
    in.skip_spaces();
    const auto y = in.number(4, 4);
    if (!y || !in.eat('-'))
        return std::nullopt;
    const auto mo = in.number(2, 2);
    if (!mo || !in.eat('-'))
        return std::nullopt;
    const auto d = in.number(2, 2);
    if (!d)
        return std::nullopt;
    int h = 0, mi = 0, s = 0;
    minutes offset{0};
    if (in.eat('T') || in.eat('t') || in.eat(' ')) {
        const auto hh = in.number(2, 2);
        if (!hh || !in.eat(':'))
            return std::nullopt;
        const auto mm = in.number(2, 2);
        if (!mm)
            return std::nullopt;
        h = *hh;
        mi = *mm;
        if (in.eat(':')) {
            const auto ss = in.number(2, 2);
            if (!ss)
                return std::nullopt;
            s = *ss;
            if (in.eat('.') || in.eat(','))
                while (std::isdigit(static_cast<unsigned char>(in.peek())))
                    ++in.pos;
        }
        if (!in.done()) {
            const auto off = numeric_offset(in);
            if (!off)
                return std::nullopt;
            offset = *off;
        }
    }
    in.skip_spaces();
    if (!in.done())
        return std::nullopt;
    return make_time(*y, *mo, *d, h, mi, s, offset);
}

std::optional<SysTime> parse_rfc822(std::string_view text) {
    static constexpr std::array<std::string_view, 12> k_months = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    struct Zone {
        std::string_view name;
        int hours;
    };
    static constexpr std::array<Zone, 11> k_zones = {{{"GMT", 0},
                                                      {"UT", 0},
                                                      {"UTC", 0},
                                                      {"Z", 0},
                                                      {"EST", -5},
                                                      {"EDT", -4},
                                                      {"CST", -6},
                                                      {"CDT", -5},
                                                      {"MST", -7},
                                                      {"PST", -8},
                                                      {"CET", 1}}};
    Scanner in{text};
    in.skip_spaces();
    // optional weekday
    if (std::isalpha(static_cast<unsigned char>(in.peek()))) {
        in.word();
        in.skip_spaces();
    }
    const auto d = in.number(1, 2);
    if (!d)
        return std::nullopt;
    in.skip_spaces();
    in.eat('-');
    const auto month_name = in.word();
    int mo = 0;
    for (std::size_t i = 0; i < k_months.size(); ++i)
        if (month_name.size() >= 3 && ascii_iequals(month_name.substr(0, 3), k_months[i]))
            mo = static_cast<int>(i) + 1;
    if (mo == 0)
        return std::nullopt;
    in.skip_spaces();
    in.eat('-');
    auto y = in.number(2, 4);
    if (!y)
        return std::nullopt;
    if (*y < 100)
        *y += *y < 50 ? 2000 : 1900;
    in.skip_spaces();
    int h = 0, mi = 0, s = 0;
    if (!optional_clock(in, h, mi, s))
        return std::nullopt;
    in.skip_spaces();
    minutes offset{0};
    if (!in.done()) {
        if (in.peek() == '+' || in.peek() == '-') {
            const auto off = numeric_offset(in);
            if (!off)
                return std::nullopt;
            offset = *off;
        } else {
            const auto zone = in.word();
            bool known = false;
            for (const auto& z : k_zones)
                if (ascii_iequals(zone, z.name)) {
                    offset = hours{z.hours};
                    known = true;
                }
            if (!known)
                return std::nullopt;
        }
    }
    in.skip_spaces();
    if (!in.done())
        return std::nullopt;
    return make_time(*y, mo, *d, h, mi, s, offset);
}

std::optional<SysTime> parse_day_first(std::string_view text) {
    Scanner in{text};
    in.skip_spaces();
    const auto d = in.number(1, 2);
    if (!d)
        return std::nullopt;
    const char separator = in.peek();
    if (separator != '.' && separator != '-' && separator != '/')
        return std::nullopt;
    ++in.pos;
    const auto mo = in.number(1, 2);
    if (!mo || !in.eat(separator))
        return std::nullopt;
    const auto y = in.number(4, 4);
    if (!y)
        return std::nullopt;
    int h = 0, mi = 0, s = 0;
    in.skip_spaces();
    if (!optional_clock(in, h, mi, s))
        return std::nullopt;
    in.skip_spaces();
    if (!in.done())
        return std::nullopt;
    return make_time(*y, *mo, *d, h, mi, s, minutes{0});
}

std::optional<milliseconds> parse_duration(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    milliseconds total{0};
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
        if (ec != std::errc{} || end == text.data() + pos || value > 1'000'000'000)
            return std::nullopt;
        pos = static_cast<std::size_t>(end - text.data());
        const auto rest = text.substr(pos);
        std::int64_t unit_ms = 0;
        std::size_t unit_len = 1;
        if (rest.starts_with("ms")) {
            unit_ms = 1;
            unit_len = 2;
        } else if (rest.starts_with("s")) {
            unit_ms = 1000;
        } else if (rest.starts_with("m")) {
            unit_ms = 60'000;
        } else if (rest.starts_with("h")) {
            unit_ms = 3'600'000;
        } else if (rest.starts_with("d")) {
            unit_ms = 86'400'000;
        } else {
            return std::nullopt;
        }
        total += milliseconds{static_cast<std::int64_t>(value) * unit_ms};
        pos += unit_len;
    }
    return total;
}

std::string format_duration(milliseconds duration) {
    const auto ms = duration.count();
    if (ms < 60'000)
        return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
    // A minute or more: whole seconds, largest units first ("1h10m53s").
    auto seconds = (ms + 500) / 1000;
    std::string out;
    for (const auto& [unit, size] : {std::pair{"d", 86'400LL}, std::pair{"h", 3'600LL},
                                     std::pair{"m", 60LL}, std::pair{"s", 1LL}})
        if (seconds >= size) {
            out += fmt::format("{}{}", seconds / size, unit);
            seconds %= size;
        }
    return out;
}

} // namespace wijkwacht
