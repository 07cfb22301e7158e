#include <wijkwacht/error.hpp>

namespace wijkwacht {

namespace {
std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty())
            out += '\n';
        out += line;
    }
    return out;
}
} // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : Error(join_lines(problems)), m_problems(std::move(problems)) {}

std::string_view to_string(FailureKind kind) {
    switch (kind) {
    case FailureKind::transient:
        return "transient";
    case FailureKind::rate_limited:
        return "rate-limited";
    case FailureKind::permanent:
        return "permanent";
    }
    return "unknown";
}

} // namespace wijkwacht
