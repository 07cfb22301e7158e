#include "core/utf8.hpp"

#include <utf8proc.h>

#include <cstdint>
#include <cstring>

namespace wijkwacht {

std::size_t first_invalid_utf8(std::string_view text) {
    const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    const std::size_t size = text.size();
    std::size_t pos = 0;
    while (pos < size) {
        // Eight ASCII bytes at a time: the common case.
        if (pos + 8 <= size) {
            std::uint64_t block;
            std::memcpy(&block, data + pos, 8);
            if ((block & 0x8080808080808080ULL) == 0) {
                pos += 8;
                continue;
            }
        }
        if (data[pos] < 0x80) {
            ++pos;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t n =
            utf8proc_iterate(data + pos, static_cast<utf8proc_ssize_t>(size - pos), &cp);
        if (n <= 0)
            return pos;
        pos += static_cast<std::size_t>(n);
    }
    return std::string_view::npos;
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

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c + ('a' - 'A'));
    return out;
}

std::string_view trim_ascii_space(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
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
