#pragma once

#include <string>
#include <string_view>

namespace wijkwacht {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or
// code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD and NUL removed.
std::string sanitize_utf8(std::string_view text);

// Equal ignoring ASCII case (header names, month and zone names).
bool ascii_iequals(std::string_view a, std::string_view b);

// Collapses runs of whitespace to one space (keeping single newlines
// between paragraphs when `keep_newlines`), and trims both ends.
std::string collapse_whitespace(std::string_view text, bool keep_newlines = true);

} // namespace wijkwacht
