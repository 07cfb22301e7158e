#pragma once

// Logging: plain functions over fmt::format_string, a component prefix such
// as "source:wijkagent-centrum", journald priority prefixes ("<3>") when
// stderr is the journal (JOURNAL_STREAM set). Secrets never reach these
// functions unredacted: pass URLs through redact_url().

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace wijkwacht::log {

// syslog priorities, as journald reads them
enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// The process-wide threshold; messages above it are dropped.
void set_level(Level level);
bool enabled(Level level);
// Parses "error|warning|notice|info|debug".
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::error))
        write(Level::error, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warning(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::warning))
        write(Level::warning, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void notice(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::notice))
        write(Level::notice, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::info))
        write(Level::info, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::debug))
        write(Level::debug, component, fmt::format(format, std::forward<Args>(args)...));
}

// The URL without user info and with the values of query parameters that
// look like credentials (token, key, secret, password, auth…) replaced by "***".
std::string redact_url(std::string_view url);

} // namespace wijkwacht::log
