#pragma once

#include <string>
#include <string_view>

namespace wijkwacht {

// The offset of the first ill-formed UTF-8 sequence (overlong, surrogate,
// past U+10FFFF, truncated), or npos when `text` is well-formed.
std::size_t first_invalid_utf8(std::string_view text);
inline bool is_valid_utf8(std::string_view text) {
    return first_invalid_utf8(text) == std::string_view::npos;
}

// `text` with every ill-formed sequence replaced by U+FFFD and NUL removed.
std::string sanitize_utf8(std::string_view text);

// Equal ignoring ASCII case (header names, month and zone names).
bool ascii_iequals(std::string_view a, std::string_view b);

// `text` with A-Z lowered; other bytes as they are.
std::string ascii_lower(std::string_view text);

// `text` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim_ascii_space(std::string_view text);

// Collapses runs of whitespace to one space (keeping single newlines
// between paragraphs when `keep_newlines`), and trims both ends.
std::string collapse_whitespace(std::string_view text, bool keep_newlines = true);

} // namespace wijkwacht
