#pragma once

// Character encodings of feed documents: the charset a document declares
// (BOM, HTTP Content-Type, XML declaration) and conversion to UTF-8 with
// iconv for the ones pugixml does not read itself (windows-1252, ISO-8859-15,
// KOI8-R, Shift_JIS, …).

#include <wijkwacht/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace wijkwacht {

// The charset parameter of a Content-Type header, lower-cased.
std::optional<std::string> charset_of_content_type(std::string_view content_type);

// The encoding="…" of an XML declaration, lower-cased.
std::optional<std::string> xml_declared_encoding(std::string_view document);

// Encodings pugixml decodes itself.
bool pugixml_reads(std::string_view charset);

// `text` converted from `charset` to UTF-8 (invalid sequences fail).
Result<std::string> to_utf8(std::string_view text, const std::string& charset);

} // namespace wijkwacht
