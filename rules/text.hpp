#pragma once

// Text normalisation and tokenisation shared by rule compilation (query
// terms) and evaluation (post text), so both sides fold text the same way:
// compatibility decomposition (NFKD: width, ligatures, "ĳ" → "ij"), case
// folding, marks stripped, default-ignorables (zero-width, soft hyphen)
// removed. ASCII goes through a table; other code points through
// utf8proc_decompose_char one at a time, with no whole-string mapping.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht::rules {

enum class TokenKind : std::uint8_t { word, hashtag, mention };

struct Token {
    std::uint32_t norm_begin; // the normalised word in TextIndex::normalized()
    std::uint32_t norm_end;
    std::size_t begin; // byte span in the original text, including '#' or '@'
    std::size_t end;
    TokenKind kind;
};

// The words of a text: normalised, with their original spans. Words are
// letters, marks and digits (ignorables inside a word do not split it); '#'
// or '@' at the start of a word makes it a hashtag or a mention, and a
// mention absorbs its "@domain". Invalid UTF-8 separates words.
class TextIndex {
public:
    // Replaces the contents; reuses the buffers' capacity.
    void build(std::string_view text);

    const std::vector<Token>& tokens() const { return m_tokens; }
    std::size_t size() const { return m_tokens.size(); }
    std::string_view word(std::size_t i) const {
        const Token& t = m_tokens[i];
        return {m_normalized.data() + t.norm_begin, t.norm_end - t.norm_begin};
    }
    // The normalised words, each followed by one space, after a leading
    // space: " w1 w2 ". Every word is then " word " in this buffer.
    const std::string& normalized() const { return m_normalized; }
    // The token whose normalised word contains `offset`.
    std::size_t token_at(std::uint32_t offset) const;

private:
    std::string m_normalized;
    std::vector<Token> m_tokens;
};

inline TextIndex tokenize(std::string_view text) {
    TextIndex index;
    index.build(text);
    return index;
}

// The normalised form of every code point of `text` (separators included).
std::string normalize(std::string_view text);

} // namespace wijkwacht::rules
