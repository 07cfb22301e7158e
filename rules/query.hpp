#pragma once

// The query language of SPEC §3: parsing with static checks, and
// evaluation of a parsed query against one post. Every error carries the
// byte column (1-based) in the query where it was found.

#include "rules/text.hpp"

#include <wijkwacht/post.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace wijkwacht::rules {

struct QueryError {
    std::size_t column; // 1-based byte column in the query text
    std::string message;
};

enum class Wildcard { none, prefix, suffix, infix }; // word*, *word, *word*
enum class Scope { any, hashtag, mention };          // word, #word, @word

struct TermPattern {
    std::string written; // as in the query, for Match::terms
    std::string norm;
    Wildcard wildcard = Wildcard::none;
    Scope scope = Scope::any;
};

struct Node {
    enum class Kind { term, phrase, all_of, any_of, negate, near, field };
    Kind kind = Kind::term;
    std::size_t column = 0;
    std::vector<TermPattern> words;              // term: one; phrase: several
    std::vector<std::unique_ptr<Node>> children; // all_of, any_of, negate, near
    unsigned distance = 0;                       // near
    bool ordered = false;                        // ONEAR
    std::string field;                           // field name
    std::string value;                           // field value
    std::shared_ptr<const re2::RE2> regex;       // field "regex"
};

// Parses and checks a query. Throws nothing: errors are returned.
struct ParseResult {
    std::unique_ptr<Node> root;
    std::optional<QueryError> error;
};
ParseResult parse_query(std::string_view query);

// A post prepared for evaluation: tokenised once, shared by all rules.
struct PreparedPost {
    const Post& post;
    std::vector<Token> tokens;
    explicit PreparedPost(const Post& p) : post(p), tokens(tokenize(p.text)) {}
};

struct Hit {
    std::string term;
    Span span;
};

// True if the query matches; positive hits are appended to `hits`.
bool evaluate(const Node& root, const PreparedPost& post, std::vector<Hit>& hits);

inline constexpr std::size_t k_max_query_depth = 100;
inline constexpr unsigned k_max_near_distance = 20;
inline constexpr std::size_t k_min_wildcard_letters = 3;

} // namespace wijkwacht::rules
