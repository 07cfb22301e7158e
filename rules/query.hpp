#pragma once

// The query language of SPEC §3: parsing with static checks, and
// evaluation of a parsed query against one post. Every error carries the
// byte column (1-based) in the query where it was found.

#include "rules/text.hpp"

#include <wijkwacht/post.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
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
    std::string norm;    // a word family: "~" and the normalised lemma
    Wildcard wildcard = Wildcard::none;
    Scope scope = Scope::any;
    std::uint32_t id = 0; // assigned by the compiler: equal patterns share an id
    // A word family (~lemma): the whole words it stands for, normalised,
    // sorted, unique. Empty for other terms.
    std::vector<std::string> forms;
};

// A plain term matches words and hashtags, #term only hashtags, @term only mentions.
inline bool scope_matches(Scope scope, TokenKind kind) {
    switch (scope) {
    case Scope::any:
        return kind != TokenKind::mention;
    case Scope::hashtag:
        return kind == TokenKind::hashtag;
    case Scope::mention:
        return kind == TokenKind::mention;
    }
    return false;
}

// Does the pattern match this normalised word of this kind?
bool term_matches(const TermPattern& term, std::string_view word, TokenKind kind);

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
    std::string label;                           // "regex:/…/", for Match::terms
    std::shared_ptr<const re2::RE2> regex;       // field "regex"
    std::string vocabulary;                      // "$name" that this subtree stands for
};

// A deep copy (vocabularies are copied into every query that names them).
std::unique_ptr<Node> clone(const Node& node);

// A vocabulary's name ($name): one or more of a-z, 0-9 and '_'.
bool is_vocabulary_name(std::string_view name);

// What `~lemma` and `$name` stand for; the rule loader provides it.
class Expander {
public:
    virtual ~Expander() = default;
    // The forms of a word family as written (not normalised); on failure, an
    // empty list and `error` set.
    virtual std::vector<std::string> family(std::string_view lemma, std::string& error) = 0;
    // The parsed query of vocabulary `name`, or null with `error` set.
    virtual const Node* vocabulary(std::string_view name, std::string& error) = 0;
};

// Parses and checks a query. Throws nothing: errors are returned.
struct ParseResult {
    std::unique_ptr<Node> root;
    std::optional<QueryError> error;
};
// Without an expander, word families and vocabularies are errors.
ParseResult parse_query(std::string_view query, Expander* expander = nullptr);

// Where each term occurs in a post: token indices, ascending, no repeats.
class Occurrences {
public:
    virtual ~Occurrences() = default;
    virtual std::span<const std::uint32_t> of(const TermPattern& term) const = 0;
};

struct EvalContext {
    const Post& post;
    const TextIndex& index;
    const Occurrences& occurrences;
};

struct Hit {
    const std::string* term; // TermPattern::written or Node::label: lives as long as the query
    Span span;
};

// True if the query matches; positive hits are appended to `hits`.
bool evaluate(const Node& root, const EvalContext& context, std::vector<Hit>& hits);

// Every term of the query, NOT or not.
void collect_terms(Node& node, std::vector<TermPattern*>& out);

// The reference path, without a compiled matcher: occurrences are found by
// comparing every token with every term. For tests and differential checks.
class ScanOccurrences final : public Occurrences {
public:
    explicit ScanOccurrences(const TextIndex& index) : m_index(index) {}
    std::span<const std::uint32_t> of(const TermPattern& term) const override;

private:
    const TextIndex& m_index;
    mutable std::map<const TermPattern*, std::vector<std::uint32_t>> m_cache;
};

struct PreparedPost {
    const Post& post;
    TextIndex index;
    ScanOccurrences occurrences;
    explicit PreparedPost(const Post& p) : post(p), index(tokenize(p.text)), occurrences(index) {}
    EvalContext context() const { return {post, index, occurrences}; }
};

inline bool evaluate(const Node& root, const PreparedPost& post, std::vector<Hit>& hits) {
    return evaluate(root, post.context(), hits);
}

inline constexpr std::size_t k_max_query_depth = 100;
inline constexpr unsigned k_max_near_distance = 20;
inline constexpr std::size_t k_min_wildcard_letters = 3;

} // namespace wijkwacht::rules
