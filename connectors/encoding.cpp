#include "connectors/encoding.hpp"

#include "core/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iconv.h>
#include <vector>

namespace wijkwacht {

namespace {
std::string_view unquote(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '"' || v.front() == '\''))
        v.remove_prefix(1);
    const auto end = v.find_first_of(" \"';");
    return end == std::string_view::npos ? v : v.substr(0, end);
}
} // namespace

std::optional<std::string> charset_of_content_type(std::string_view content_type) {
    const std::string lowered = ascii_lower(content_type);
    const auto at = lowered.find("charset=");
    if (at == std::string::npos)
        return std::nullopt;
    const auto value = unquote(std::string_view(lowered).substr(at + 8));
    if (value.empty())
        return std::nullopt;
    return std::string(value);
}

std::optional<std::string> xml_declared_encoding(std::string_view document) {
    const auto head = document.substr(0, std::min<std::size_t>(document.size(), 256));
    if (head.find("<?xml") == std::string_view::npos)
        return std::nullopt;
    const auto end = head.find("?>");
    const auto decl = head.substr(0, end);
    const auto at = decl.find("encoding");
    if (at == std::string_view::npos)
        return std::nullopt;
    auto rest = decl.substr(at + 8);
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos)
        return std::nullopt;
    const auto value = unquote(rest.substr(eq + 1));
    if (value.empty())
        return std::nullopt;
    return ascii_lower(value);
}

Result<std::string> to_utf8(std::string_view text, const std::string& charset) {
    iconv_t cd = iconv_open("UTF-8", charset.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return permanent_failure(fmt::format("unknown character encoding \"{}\"", charset));
    std::string out(text.size() * 2 + 16, '\0');
    char* in = const_cast<char*>(text.data());
    std::size_t in_left = text.size();
    std::size_t done = 0;
    while (in_left > 0) {
        char* dst = out.data() + done;
        std::size_t out_left = out.size() - done;
        const std::size_t rc = iconv(cd, &in, &in_left, &dst, &out_left);
        done = out.size() - out_left;
        if (rc != static_cast<std::size_t>(-1))
            break;
        if (errno == E2BIG) {
            out.resize(out.size() * 2);
            continue;
        }
        iconv_close(cd);
        return permanent_failure(
            fmt::format("invalid {} at byte {}", charset, text.size() - in_left));
    }
    iconv_close(cd);
    out.resize(done);
    return out;
}

namespace {
bool names_utf8(std::string_view charset) {
    return charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii";
}

// UTF-16 and UTF-32 documents: pugixml tells their byte order from the bytes.
bool names_wide(std::string_view charset) {
    return charset.starts_with("utf-16") || charset.starts_with("utf-32") ||
           charset.starts_with("ucs-2") || charset.starts_with("ucs-4");
}
} // namespace

Result<XmlText> xml_as_utf8(std::string_view document, std::string_view content_type,
                            std::string& storage) {
    for (const std::string_view bom : {"\xEF\xBB\xBF", "\xFF\xFE", "\xFE\xFF"})
        if (document.starts_with(bom))
            return XmlText{document, false};
    std::vector<std::string> named;
    if (auto charset = charset_of_content_type(content_type))
        named.push_back(std::move(*charset));
    if (auto declared = xml_declared_encoding(document);
        declared && (named.empty() || *declared != named[0]))
        named.push_back(std::move(*declared));
    if (named.empty())
        return XmlText{document, false};
    std::optional<Failure> refused;
    bool utf8_named = false;
    for (const auto& charset : named) {
        if (names_utf8(charset)) {
            utf8_named = true;
            if (is_valid_utf8(document))
                return XmlText{document, true};
            continue;
        }
        if (names_wide(charset))
            return XmlText{document, false};
        auto converted = to_utf8(document, charset);
        if (converted) {
            storage = std::move(*converted);
            return XmlText{storage, true};
        }
        if (!refused)
            refused = converted.failure();
    }
    if (utf8_named)
        return XmlText{document, true};
    return *refused;
}

} // namespace wijkwacht
