#include "rules/text.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>

namespace wijkwacht::rules {

namespace {

constexpr auto k_fold =
    static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                   UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);

// ASCII: 0 = separator, otherwise the folded byte.
constexpr std::array<char, 128> k_ascii = [] {
    std::array<char, 128> table{};
    for (int c = '0'; c <= '9'; ++c)
        table[static_cast<std::size_t>(c)] = static_cast<char>(c);
    for (int c = 'a'; c <= 'z'; ++c)
        table[static_cast<std::size_t>(c)] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c)
        table[static_cast<std::size_t>(c)] = static_cast<char>(c - 'A' + 'a');
    return table;
}();

// Letters, marks, numbers, and format characters (zero-width joiners, soft
// hyphens) that folding removes without splitting the word.
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

// Decodes the code point at `pos` (-1 for an invalid byte) and its length.
std::size_t decode(std::string_view text, std::size_t pos, utf8proc_int32_t& cp) {
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                                    static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (n <= 0) {
        cp = -1;
        return 1;
    }
    return static_cast<std::size_t>(n);
}

// Appends the folded form of `cp`. Inside words, spaces that a few
// compatibility decompositions produce (U+FDFA) are dropped: a word never
// contains one.
void append_folded(utf8proc_int32_t cp, std::string& out, bool in_word) {
    utf8proc_int32_t folded[32];
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    const auto n = utf8proc_decompose_char(cp, folded, 32, k_fold, &boundclass);
    for (utf8proc_ssize_t i = 0; i < n && i < 32; ++i) {
        if (folded[i] == ' ' && in_word)
            continue;
        if (folded[i] < 0x80) {
            out += static_cast<char>(folded[i]);
            continue;
        }
        utf8proc_uint8_t bytes[4];
        const auto len = utf8proc_encode_char(folded[i], bytes);
        out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(len));
    }
}

bool word_at(std::string_view text, std::size_t pos) {
    if (pos >= text.size())
        return false;
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80)
        return k_ascii[c] != 0;
    utf8proc_int32_t cp = 0;
    decode(text, pos, cp);
    return cp >= 0 && is_word_code_point(cp);
}

} // namespace

void TextIndex::build(std::string_view text) {
    m_normalized.assign(1, ' ');
    m_tokens.clear();
    m_normalized.reserve(text.size() + 16);
    std::size_t pos = 0;
    const std::size_t size = text.size();
    while (pos < size) {
        // Skip separators.
        auto c = static_cast<unsigned char>(text[pos]);
        if (c < 0x80 && k_ascii[c] == 0) {
            ++pos;
            continue;
        }
        utf8proc_int32_t cp = c;
        std::size_t len = 1;
        if (c >= 0x80) {
            len = decode(text, pos, cp);
            if (cp < 0 || !is_word_code_point(cp)) {
                pos += len;
                continue;
            }
        }
        // A word: fold code points until the next separator.
        const std::size_t start = pos;
        const auto norm_begin = static_cast<std::uint32_t>(m_normalized.size());
        while (true) {
            if (c < 0x80) {
                // The common case: a run of ASCII letters and digits.
                char folded;
                while ((folded = k_ascii[c]) != 0) {
                    m_normalized += folded;
                    if (++pos >= size)
                        break;
                    c = static_cast<unsigned char>(text[pos]);
                    if (c >= 0x80)
                        break;
                }
                if (pos >= size || c < 0x80)
                    break;
                len = decode(text, pos, cp);
                if (cp < 0 || !is_word_code_point(cp))
                    break;
                continue;
            }
            append_folded(cp, m_normalized, true);
            pos += len;
            if (pos >= size)
                break;
            c = static_cast<unsigned char>(text[pos]);
            if (c < 0x80) {
                if (k_ascii[c] == 0)
                    break;
                continue;
            }
            len = decode(text, pos, cp);
            if (cp < 0 || !is_word_code_point(cp))
                break;
        }
        Token token{norm_begin, static_cast<std::uint32_t>(m_normalized.size()), start, pos,
                    TokenKind::word};
        if (token.norm_begin == token.norm_end)
            continue; // only ignorables: no word
        // '#' or '@' directly before the word, itself not preceded by a word
        // character, makes a hashtag or a mention.
        if (start > 0 && (text[start - 1] == '#' || text[start - 1] == '@') &&
            (start == 1 || !word_at(text, start - 2))) {
            token.begin = start - 1;
            token.kind = text[start - 1] == '#' ? TokenKind::hashtag : TokenKind::mention;
            if (token.kind == TokenKind::mention) {
                // A handle holds underscores (@local_news, @Siren_Song21): the
                // ASCII words after them belong to the mention, not to the text.
                auto ascii_word = [&](std::size_t p) {
                    return p < size && static_cast<unsigned char>(text[p]) < 0x80 &&
                           k_ascii[static_cast<unsigned char>(text[p])] != 0;
                };
                while (pos < size && text[pos] == '_') {
                    std::size_t next = pos;
                    while (next < size && text[next] == '_')
                        ++next;
                    if (!ascii_word(next))
                        break;
                    m_normalized.append(next - pos, '_');
                    for (pos = next; ascii_word(pos); ++pos)
                        m_normalized += k_ascii[static_cast<unsigned char>(text[pos])];
                }
                token.norm_end = static_cast<std::uint32_t>(m_normalized.size());
                token.end = pos;
                if (pos + 1 < size && text[pos] == '@' && word_at(text, pos + 1)) {
                    // @user@instance.example: the domain belongs to the mention.
                    auto skip_word = [&](std::size_t p) {
                        while (p < size && word_at(text, p)) {
                            utf8proc_int32_t ignored = 0;
                            p += static_cast<unsigned char>(text[p]) < 0x80
                                     ? 1
                                     : decode(text, p, ignored);
                        }
                        return p;
                    };
                    pos = skip_word(pos + 1);
                    while (pos + 1 < size && text[pos] == '.' && word_at(text, pos + 1))
                        pos = skip_word(pos + 1);
                    token.end = pos;
                }
            }
        }
        m_normalized += ' ';
        m_tokens.push_back(token);
    }
}

std::size_t TextIndex::token_at(std::uint32_t offset) const {
    const auto it = std::upper_bound(
        m_tokens.begin(), m_tokens.end(), offset,
        [](std::uint32_t value, const Token& token) { return value < token.norm_begin; });
    return it == m_tokens.begin() ? 0 : static_cast<std::size_t>(it - m_tokens.begin()) - 1;
}

std::string normalize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c < 0x80) {
            out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
            ++pos;
            continue;
        }
        utf8proc_int32_t cp = 0;
        pos += decode(text, pos, cp);
        if (cp < 0)
            out += "\xEF\xBF\xBD";
        else
            append_folded(cp, out, false);
    }
    return out;
}

} // namespace wijkwacht::rules
