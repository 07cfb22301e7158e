#include "cli/format.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace wijkwacht::cli {

std::string emphasise(const std::string& text, std::vector<Span> spans, bool color) {
    std::sort(spans.begin(), spans.end());
    const std::string open = color ? "\033[1;31m" : "[";
    const std::string close = color ? "\033[0m" : "]";
    std::string out;
    std::size_t pos = 0;
    for (const auto& [begin, end] : spans) {
        if (begin < pos || begin >= end || end > text.size())
            continue;
        out += text.substr(pos, begin - pos) + open + text.substr(begin, end - begin) + close;
        pos = end;
    }
    return out + text.substr(pos);
}

std::vector<Span> match_spans(const Alert& alert) {
    std::vector<Span> spans;
    for (const auto& m : alert.matches)
        spans.insert(spans.end(), m.spans.begin(), m.spans.end());
    return spans;
}

namespace {
std::string local_time(const std::string& rfc3339) {
    const auto t = parse_rfc3339(rfc3339);
    if (!t)
        return rfc3339;
    const std::time_t secs = std::chrono::system_clock::to_time_t(*t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

} // namespace

void print_alert(const Alert& a, bool color) {
    std::string categories;
    for (const auto& c : a.categories)
        categories += (categories.empty() ? "" : ", ") + c;
    std::string severity(to_string(a.severity));
    for (auto& c : severity)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string bold = color ? "\033[1m" : "";
    const std::string reset = color ? "\033[0m" : "";
    fmt::print("{}{}  {:<8} {}{}  [{} #{}]\n", bold, local_time(a.flagged_at), severity, categories,
               reset, a.stream, a.stream_seq);
    std::string who = a.post.author.name;
    if (!a.post.author.handle.empty())
        who += (who.empty() ? "" : " ") + std::string("(@") + a.post.author.handle + ")";
    fmt::print("  {} · {}{}\n", a.post.source, who.empty() ? "unknown author" : who,
               a.post.created_at.empty() ? "" : " · " + local_time(a.post.created_at));
    std::string text = emphasise(a.post.text, match_spans(a), color);
    std::string indented;
    for (const char c : text)
        indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    fmt::print("  {}\n", indented);
    if (!a.post.url.empty())
        fmt::print("  {}\n", a.post.url);
    for (const auto& m : a.post.media)
        fmt::print("  {}: {}{}\n", to_string(m.kind), m.url,
                   m.description.empty() ? "" : " (" + m.description + ")");
    std::string rules;
    for (const auto& m : a.matches) {
        std::string terms;
        for (const auto& t : m.terms)
            terms += (terms.empty() ? "" : ", ") + t;
        rules += fmt::format("{}{} ({})", rules.empty() ? "" : "; ", m.rule, terms);
    }
    fmt::print("  rules: {}\n\n", rules);
    std::fflush(stdout);
}

} // namespace wijkwacht::cli
