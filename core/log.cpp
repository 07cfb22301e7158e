#include "core/utf8.hpp"

#include <wijkwacht/log.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace wijkwacht::log {

namespace {
std::atomic<int> g_threshold{static_cast<int>(Level::info)};
std::mutex g_write_mutex;

bool journal_is_stderr() {
    // JOURNAL_STREAM names the device:inode of the journal's stream; when it
    // is set, systemd connected stderr to journald.
    return std::getenv("JOURNAL_STREAM") != nullptr;
}

std::string_view level_name(Level level) {
    switch (level) {
    case Level::error:
        return "error";
    case Level::warning:
        return "warning";
    case Level::notice:
        return "notice";
    case Level::info:
        return "info";
    case Level::debug:
        return "debug";
    }
    return "?";
}
} // namespace

void set_level(Level level) {
    g_threshold = static_cast<int>(level);
}

bool enabled(Level level) {
    return static_cast<int>(level) <= g_threshold.load();
}

bool parse_level(std::string_view text, Level& out) {
    for (const Level level :
         {Level::error, Level::warning, Level::notice, Level::info, Level::debug}) {
        if (text == level_name(level)) {
            out = level;
            return true;
        }
    }
    return false;
}

void write(Level level, std::string_view component, std::string_view message) {
    static const bool journal = journal_is_stderr();
    std::string line;
    if (journal) {
        line = fmt::format("<{}>[{}] {}\n", static_cast<int>(level), component, message);
    } else {
        const auto now = std::chrono::system_clock::now();
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        std::tm tm{};
        gmtime_r(&seconds, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        line = fmt::format("{} {:<7} [{}] {}\n", stamp, level_name(level), component, message);
    }
    const std::lock_guard lock(g_write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    // user info: scheme://user:pass@host
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
        const auto authority_end = out.find_first_of("/?#", scheme + 3);
        const auto at =
            out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
        if (at != std::string::npos && at > scheme)
            out.replace(scheme + 3, at - scheme - 2, "***@");
    }
    const auto query = out.find('?');
    if (query == std::string::npos)
        return out;
    static constexpr std::string_view k_secret_words[] = {"token", "key",  "secret", "password",
                                                          "pass",  "auth", "sig",    "session"};
    std::string result = out.substr(0, query + 1);
    std::size_t pos = query + 1;
    while (pos <= out.size()) {
        auto end = out.find('&', pos);
        if (end == std::string::npos)
            end = out.size();
        const std::string_view param(out.data() + pos, end - pos);
        const auto eq = param.find('=');
        const std::string name = ascii_lower(param.substr(0, eq));
        bool secret = false;
        for (const auto word : k_secret_words)
            secret = secret || name.find(word) != std::string::npos;
        if (secret && eq != std::string_view::npos)
            result += std::string(param.substr(0, eq + 1)) + "***";
        else
            result += param;
        if (end < out.size())
            result += '&';
        pos = end + 1;
    }
    return result;
}

} // namespace wijkwacht::log
