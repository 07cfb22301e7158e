#include "core/utf8.hpp"

#include <utf8proc.h>

namespace wijkwacht {

bool is_valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    auto remaining = static_cast<utf8proc_ssize_t>(text.size());
    while (remaining > 0) {
        if (*p < 0x80) {
            ++p;
            --remaining;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t n = utf8proc_iterate(p, remaining, &cp);
        if (n <= 0)
            return false;
        p += n;
        remaining -= n;
    }
    return true;
}

std::string sanitize_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    auto remaining = static_cast<utf8proc_ssize_t>(text.size());
    while (remaining > 0) {
        if (*p < 0x80) {
            if (*p != 0)
                out += static_cast<char>(*p);
            ++p;
            --remaining;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t n = utf8proc_iterate(p, remaining, &cp);
        if (n <= 0) {
            out += "\xEF\xBF\xBD";
            ++p;
            --remaining;
            continue;
        }
        out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        remaining -= n;
    }
    return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y))
            return false;
    }
    return true;
}

std::string collapse_whitespace(std::string_view text, bool keep_newlines) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    bool pending_newline = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n') {
            pending_space = true;
            if (c == '\n' && keep_newlines)
                pending_newline = true;
            continue;
        }
        if (!out.empty() && pending_newline)
            out += '\n';
        else if (!out.empty() && pending_space)
            out += ' ';
        pending_space = pending_newline = false;
        out += c;
    }
    return out;
}

} // namespace wijkwacht
