#include "cli/format.hpp"

#include <algorithm>

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

} // namespace wijkwacht::cli
