#include "rules/text.hpp"

#include "core/utf8.hpp"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace wijkwacht::rules {

namespace {

bool is_ascii_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Letters, marks, numbers, and format characters (zero-width joiners, soft
// hyphens) that normalisation removes without splitting the word.
bool is_word_code_point(utf8proc_int32_t cp) {
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_CF:
        return true;
    default:
        return false;
    }
}

// Decodes the code point at `pos`; invalid bytes count as one non-word byte.
std::size_t decode(std::string_view text, std::size_t pos, utf8proc_int32_t& cp) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                                    static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (n <= 0) {
        cp = -1;
        return 1;
    }
    return static_cast<std::size_t>(n);
}

bool word_at(std::string_view text, std::size_t pos) {
    if (pos >= text.size())
        return false;
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80)
        return is_ascii_alnum(c);
    utf8proc_int32_t cp = 0;
    decode(text, pos, cp);
    return cp >= 0 && is_word_code_point(cp);
}

std::size_t word_end(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c < 0x80) {
            if (!is_ascii_alnum(c))
                break;
            ++pos;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const std::size_t n = decode(text, pos, cp);
        if (cp < 0 || !is_word_code_point(cp))
            break;
        pos += n;
    }
    return pos;
}

} // namespace

std::string normalize(std::string_view text) {
    bool ascii = true;
    for (const char c : text)
        ascii = ascii && static_cast<unsigned char>(c) < 0x80 && c != 0;
    if (ascii) {
        std::string out(text);
        for (auto& c : out)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return out;
    }
    const std::string clean = sanitize_utf8(text);
    utf8proc_uint8_t* mapped = nullptr;
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(clean.data()),
                                static_cast<utf8proc_ssize_t>(clean.size()), &mapped, options);
    if (n < 0)
        return clean;
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    return {reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n)};
}

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!word_at(text, pos)) {
            utf8proc_int32_t cp = 0;
            pos += decode(text, pos, cp);
            continue;
        }
        const std::size_t start = pos;
        const std::size_t end = word_end(text, pos);
        Token token{normalize(text.substr(start, end - start)), start, end, TokenKind::word};
        pos = end;
        // A '#' or '@' directly before the word, itself not preceded by a
        // word character, marks a hashtag or mention.
        if (start > 0 && (text[start - 1] == '#' || text[start - 1] == '@') &&
            (start == 1 || !word_at(text, start - 2))) {
            token.begin = start - 1;
            token.kind = text[start - 1] == '#' ? TokenKind::hashtag : TokenKind::mention;
            if (token.kind == TokenKind::mention && pos < text.size() && text[pos] == '@' &&
                word_at(text, pos + 1)) {
                // @user@instance.example: the domain belongs to the mention
                pos = word_end(text, pos + 1);
                while (pos + 1 < text.size() && text[pos] == '.' && word_at(text, pos + 1))
                    pos = word_end(text, pos + 1);
                token.end = pos;
            }
        }
        if (!token.norm.empty())
            tokens.push_back(std::move(token));
    }
    return tokens;
}

} // namespace wijkwacht::rules
