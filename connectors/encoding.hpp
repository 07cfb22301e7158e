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

// `text` converted from `charset` to UTF-8 (invalid sequences fail).
Result<std::string> to_utf8(std::string_view text, const std::string& charset);

// An XML document made ready for the parser.
struct XmlText {
    std::string_view bytes; // the document, or its UTF-8 conversion
    bool utf8 = true;       // false: the parser detects the encoding (BOM, UTF-16/32)
};

// The encoding of an XML document as RFC 7303 orders the evidence: a BOM,
// else the HTTP charset, else the XML declaration, else UTF-8. A charset the
// bytes cannot be in (a server claiming UTF-8 for a windows-1252 document)
// gives way to the next; when only UTF-8 is left the document is read as
// UTF-8 and invalid sequences are replaced later. A conversion is kept in
// `storage`.
Result<XmlText> xml_as_utf8(std::string_view document, std::string_view content_type,
                            std::string& storage);

} // namespace wijkwacht
