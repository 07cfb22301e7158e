#pragma once

// Text normalisation and tokenisation shared by rule compilation (query
// terms) and evaluation (post text), so both sides fold text the same way:
// NFKC, case fold, marks stripped, default-ignorables (zero-width, soft
// hyphen) removed; "ĳ" becomes "ij" and full-width forms fold through NFKC.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht::rules {

enum class TokenKind { word, hashtag, mention };

struct Token {
    std::string norm;  // normalised form
    std::size_t begin; // byte span in the original text, including '#' or '@'
    std::size_t end;
    TokenKind kind;
};

// Normalises one word. Invalid UTF-8 is replaced before folding.
std::string normalize(std::string_view text);

// Splits text into words (letters and digits; ignorables inside a word do
// not split it). '#' or '@' at the start of a word makes it a hashtag or a
// mention; a mention absorbs its "@domain".
std::vector<Token> tokenize(std::string_view text);

} // namespace wijkwacht::rules
