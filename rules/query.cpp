#include "rules/query.hpp"

#include "core/utf8.hpp"

#include <wijkwacht/config.hpp>

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wijkwacht::rules {

namespace {

// ---------------------------------------------------------------- lexer

struct Lexeme {
    enum class Type {
        word,
        phrase,
        field,
        lparen,
        rparen,
        op_and,
        op_or,
        op_not,
        minus,
        near,
        end
    };
    Type type = Type::end;
    std::size_t column = 0;
    std::string text;  // word, phrase; field name
    std::string value; // field value
    unsigned distance = 0;
    bool ordered = false;
};

struct LexError {
    QueryError error;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::vector<Lexeme> lex(std::string_view q) {
    std::vector<Lexeme> out;
    std::size_t i = 0;
    while (true) {
        while (i < q.size() && is_space(q[i]))
            ++i;
        Lexeme lx;
        lx.column = i + 1;
        if (i >= q.size()) {
            out.push_back(lx);
            return out;
        }
        const char c = q[i];
        if (c == '(' || c == ')') {
            lx.type = c == '(' ? Lexeme::Type::lparen : Lexeme::Type::rparen;
            ++i;
        } else if (c == '"') {
            const auto close = q.find('"', i + 1);
            if (close == std::string_view::npos)
                throw LexError{{lx.column, "unterminated phrase: add the closing '\"'"}};
            lx.type = Lexeme::Type::phrase;
            lx.text = std::string(q.substr(i + 1, close - i - 1));
            i = close + 1;
        } else if (c == '-') {
            if (i + 1 >= q.size() || is_space(q[i + 1]) || q[i + 1] == ')')
                throw LexError{{lx.column, "'-' must be written directly before what it excludes, "
                                           "as in -preventie"}};
            lx.type = Lexeme::Type::minus;
            ++i;
        } else {
            std::size_t end = i;
            constexpr std::string_view k_regex = "regex:/";
            if (q.substr(i).starts_with(k_regex)) {
                end = i + k_regex.size();
                while (end < q.size() && q[end] != '/')
                    end += q[end] == '\\' ? 2 : 1;
                if (end >= q.size())
                    throw LexError{{lx.column, "unterminated regex: end it with '/'"}};
                lx.type = Lexeme::Type::field;
                lx.text = "regex";
                lx.value = std::string(q.substr(i + k_regex.size(), end - i - k_regex.size()));
                i = end + 1;
                out.push_back(std::move(lx));
                continue;
            }
            while (end < q.size() && !is_space(q[end]) && q[end] != '(' && q[end] != ')' &&
                   q[end] != '"')
                ++end;
            const std::string_view word = q.substr(i, end - i);
            i = end;
            if (word == "AND") {
                lx.type = Lexeme::Type::op_and;
            } else if (word == "OR") {
                lx.type = Lexeme::Type::op_or;
            } else if (word == "NOT") {
                lx.type = Lexeme::Type::op_not;
            } else if (word.starts_with("NEAR/") || word.starts_with("ONEAR/")) {
                lx.type = Lexeme::Type::near;
                lx.ordered = word.front() == 'O';
                const auto digits = word.substr(word.find('/') + 1);
                unsigned n = 0;
                const auto [ptr, ec] =
                    std::from_chars(digits.data(), digits.data() + digits.size(), n);
                if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() ||
                    n == 0)
                    throw LexError{{lx.column, fmt::format("\"{}\": the distance must be a number "
                                                           "of words from 1 to {}",
                                                           word, k_max_near_distance)}};
                if (n > k_max_near_distance)
                    throw LexError{{lx.column, fmt::format("\"{}\": distance {} is more than {} "
                                                           "words",
                                                           word, n, k_max_near_distance)}};
                lx.distance = n;
            } else if (word == "NEAR" || word == "ONEAR") {
                throw LexError{
                    {lx.column, fmt::format("{} needs a distance, as in {}/5", word, word)}};
            } else {
                const auto colon = word.find(':');
                bool field = colon != std::string_view::npos && colon > 0;
                for (std::size_t k = 0; field && k < colon; ++k)
                    field = std::islower(static_cast<unsigned char>(word[k])) || word[k] == '_';
                if (field) {
                    lx.type = Lexeme::Type::field;
                    lx.text = std::string(word.substr(0, colon));
                    lx.value = std::string(word.substr(colon + 1));
                } else {
                    lx.type = Lexeme::Type::word;
                    lx.text = std::string(word);
                }
            }
        }
        out.push_back(std::move(lx));
    }
}

// ---------------------------------------------------------------- parser

struct ParseError {
    QueryError error;
};

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_positional(const Node& node) {
    switch (node.kind) {
    case Node::Kind::term:
    case Node::Kind::phrase:
    case Node::Kind::near:
        return true;
    case Node::Kind::any_of:
        return std::all_of(node.children.begin(), node.children.end(),
                           [](const auto& child) { return is_positional(*child); });
    default:
        return false;
    }
}

bool has_positive(const Node& node) {
    switch (node.kind) {
    case Node::Kind::negate:
        return false;
    case Node::Kind::all_of:
        return std::any_of(node.children.begin(), node.children.end(),
                           [](const auto& child) { return has_positive(*child); });
    case Node::Kind::any_of:
        return std::all_of(node.children.begin(), node.children.end(),
                           [](const auto& child) { return has_positive(*child); });
    default:
        return true;
    }
}

class Parser {
public:
    Parser(std::vector<Lexeme> lexemes, Expander* expander)
        : m_lx(std::move(lexemes)), m_expander(expander) {}

    std::unique_ptr<Node> parse() {
        if (peek().type == Lexeme::Type::end)
            fail(1, "the query is empty");
        auto root = parse_or(0);
        if (peek().type == Lexeme::Type::rparen)
            fail(peek().column, "')' without a matching '('");
        if (peek().type != Lexeme::Type::end)
            fail(peek().column, "unexpected text after the query");
        if (!has_positive(*root))
            fail(1, "the query only excludes: add a term that must occur");
        return root;
    }

private:
    const Lexeme& peek() const { return m_lx[m_pos]; }
    const Lexeme& next() { return m_lx[m_pos++]; }
    [[noreturn]] void fail(std::size_t column, std::string message) {
        throw ParseError{{column, std::move(message)}};
    }

    bool starts_operand(Lexeme::Type t) const {
        using T = Lexeme::Type;
        return t == T::word || t == T::phrase || t == T::field || t == T::lparen ||
               t == T::op_not || t == T::minus;
    }

    std::unique_ptr<Node> parse_or(std::size_t depth) {
        using T = Lexeme::Type;
        const std::size_t column = peek().column;
        std::vector<std::unique_ptr<Node>> operands;
        operands.push_back(parse_unary(depth));
        std::optional<bool> level_is_or;
        while (true) {
            const Lexeme& lx = peek();
            bool is_or = false;
            if (lx.type == T::op_or || lx.type == T::op_and) {
                is_or = lx.type == T::op_or;
                next();
                if (!starts_operand(peek().type))
                    fail(peek().column,
                         fmt::format("{} needs a term after it", is_or ? "OR" : "AND"));
            } else if (starts_operand(lx.type)) {
                is_or = false; // adjacency means AND
            } else if (lx.type == T::near) {
                fail(lx.column, "NEAR/ONEAR can only join terms, phrases or (a OR b) groups");
            } else {
                break;
            }
            if (level_is_or && *level_is_or != is_or)
                fail(lx.column, "AND and OR are mixed at one level: add parentheses, as in "
                                "(a OR b) AND c");
            level_is_or = is_or;
            operands.push_back(parse_unary(depth));
        }
        if (operands.size() == 1)
            return std::move(operands.front());
        auto node = std::make_unique<Node>();
        node->kind = level_is_or.value_or(false) ? Node::Kind::any_of : Node::Kind::all_of;
        node->column = column;
        node->children = std::move(operands);
        return node;
    }

    std::unique_ptr<Node> parse_unary(std::size_t depth) {
        const Lexeme& lx = peek();
        if (lx.type == Lexeme::Type::op_not || lx.type == Lexeme::Type::minus) {
            next();
            if (depth > k_max_query_depth)
                fail(lx.column, fmt::format("nested more than {} levels deep", k_max_query_depth));
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::negate;
            node->column = lx.column;
            node->children.push_back(parse_unary(depth + 1));
            return node;
        }
        return parse_near(depth);
    }

    std::unique_ptr<Node> parse_near(std::size_t depth) {
        auto left = parse_primary(depth);
        while (peek().type == Lexeme::Type::near) {
            const Lexeme lx = next();
            auto right = parse_primary(depth);
            if (!is_positional(*left) || !is_positional(*right))
                fail(lx.column, "NEAR/ONEAR can only join terms, phrases or (a OR b) groups");
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::near;
            node->column = lx.column;
            node->distance = lx.distance;
            node->ordered = lx.ordered;
            node->children.push_back(std::move(left));
            node->children.push_back(std::move(right));
            left = std::move(node);
        }
        return left;
    }

    std::unique_ptr<Node> parse_primary(std::size_t depth) {
        using T = Lexeme::Type;
        const Lexeme& lx = peek();
        switch (lx.type) {
        case T::lparen: {
            if (depth >= k_max_query_depth)
                fail(lx.column, fmt::format("nested more than {} levels deep", k_max_query_depth));
            next();
            if (peek().type == T::rparen)
                fail(peek().column, "empty parentheses");
            auto inner = parse_or(depth + 1);
            if (peek().type != T::rparen)
                fail(lx.column, "'(' is never closed: add ')'");
            next();
            return inner;
        }
        case T::phrase:
            next();
            return make_phrase(lx);
        case T::field:
            next();
            return make_field(lx);
        case T::word:
            next();
            return make_term(lx.text, lx.column, true);
        case T::end:
            fail(lx.column, "the query ends where a term was expected");
        case T::rparen:
            fail(lx.column, "')' where a term was expected");
        default:
            fail(lx.column, "an operator where a term was expected");
        }
    }

    std::unique_ptr<Node> make_vocabulary(std::string_view written, std::size_t column) {
        const auto name = written.substr(1);
        if (!is_vocabulary_name(name))
            fail(column,
                 fmt::format("\"{}\": a vocabulary name has only a-z, 0-9 and '_'", written));
        if (!m_expander)
            fail(column, fmt::format("\"{}\": vocabularies are only known in rule files", written));
        std::string error;
        const Node* vocabulary = m_expander->vocabulary(name, error);
        if (!vocabulary)
            fail(column, error);
        auto node = clone(*vocabulary);
        node->vocabulary = std::string(written);
        return node;
    }

    TermPattern make_family(std::string_view written, std::size_t column) {
        const auto lemma = written.substr(1);
        const auto tokens = tokenize(lemma);
        if (tokens.size() != 1 || tokens.tokens().front().kind != TokenKind::word ||
            lemma.find_first_of("*#@") != std::string_view::npos)
            fail(column,
                 fmt::format("\"{}\": a word family is '~' and one word, as in ~stelen", written));
        if (!m_expander)
            fail(column,
                 fmt::format("\"{}\": word families are only known in rule files", written));
        std::string error;
        const auto forms = m_expander->family(lemma, error);
        if (forms.empty())
            fail(column, fmt::format("\"{}\": {}", written, error));
        TermPattern term;
        term.written = std::string(written);
        term.norm = "~" + std::string(tokens.word(0));
        for (const auto& form : forms) {
            const auto words = tokenize(form);
            // Forms the text splits (auto's) are found through their first word.
            if (words.size() == 1)
                term.forms.emplace_back(words.word(0));
        }
        std::sort(term.forms.begin(), term.forms.end());
        term.forms.erase(std::unique(term.forms.begin(), term.forms.end()), term.forms.end());
        return term;
    }

    std::unique_ptr<Node> make_term(std::string_view written, std::size_t column,
                                    bool allow_phrase) {
        if (written.starts_with('$')) {
            if (!allow_phrase)
                fail(column,
                     fmt::format("\"{}\": a vocabulary cannot stand inside a phrase", written));
            return make_vocabulary(written, column);
        }
        if (written.starts_with('~')) {
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::term;
            node->column = column;
            node->words.push_back(make_family(written, column));
            return node;
        }
        TermPattern term;
        term.written = std::string(written);
        std::string_view core = written;
        // The scope holds for wildcards too: "#*shooting" is a hashtag that
        // ends in the word (#LAXShooting), never the word *troubleshooting*.
        if (core.starts_with('#') || core.starts_with('@')) {
            term.scope = core.front() == '#' ? Scope::hashtag : Scope::mention;
            core.remove_prefix(1);
        }
        const bool star_front = core.starts_with('*');
        if (star_front)
            core.remove_prefix(1);
        const bool star_back = core.ends_with('*');
        if (star_back)
            core.remove_suffix(1);
        if (core.find('*') != std::string_view::npos)
            fail(column,
                 fmt::format("\"{}\": '*' may only stand at the start or end of a word", written));
        if (core.find_first_of("~$") != std::string_view::npos)
            fail(column, fmt::format("\"{}\": '~' and '$' stand only at the start of a term, as in "
                                     "~stelen or $preventie",
                                     written));
        if (star_front && star_back)
            term.wildcard = Wildcard::infix;
        else if (star_front)
            term.wildcard = Wildcard::suffix;
        else if (star_back)
            term.wildcard = Wildcard::prefix;

        // A mention is tokenised as one, so a handle with underscores
        // (@local_news) stays one word, as it does in the text.
        const auto tokens =
            term.scope == Scope::mention ? tokenize("@" + std::string(core)) : tokenize(core);
        if (tokens.size() == 0)
            fail(column, fmt::format("\"{}\" has no letters or digits to match", written));
        if (tokens.size() > 1) {
            // "e-bike" searches the words the text splits it into.
            if (term.wildcard != Wildcard::none || term.scope != Scope::any || !allow_phrase)
                fail(column, fmt::format("\"{}\" is several words: write it as a phrase", written));
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::phrase;
            node->column = column;
            for (std::size_t i = 0; i < tokens.size(); ++i)
                node->words.push_back({std::string(written), std::string(tokens.word(i)),
                                       Wildcard::none, Scope::any});
            return node;
        }
        term.norm = std::string(tokens.word(0));
        if (term.wildcard != Wildcard::none && code_points(term.norm) < k_min_wildcard_letters)
            fail(column, fmt::format("\"{}\": a wildcard needs at least {} letters beside the '*'",
                                     written, k_min_wildcard_letters));
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::term;
        node->column = column;
        node->words.push_back(std::move(term));
        return node;
    }

    std::unique_ptr<Node> make_phrase(const Lexeme& lx) {
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::phrase;
        node->column = lx.column;
        std::size_t pos = 0;
        const std::string_view text = lx.text;
        while (pos < text.size()) {
            while (pos < text.size() && is_space(text[pos]))
                ++pos;
            std::size_t end = pos;
            while (end < text.size() && !is_space(text[end]))
                ++end;
            if (end == pos)
                break;
            const auto word = text.substr(pos, end - pos);
            const auto tokens = tokenize(word);
            const bool wild = word.find('*') != std::string_view::npos;
            // "#wanted" in quotes is the hashtag, as it is without them.
            if (wild || word.starts_with('~') || word.starts_with('$') || word.starts_with('#') ||
                word.starts_with('@')) {
                auto term = make_term(word, lx.column + 1 + pos, false);
                node->words.push_back(std::move(term->words.front()));
            } else {
                for (std::size_t i = 0; i < tokens.size(); ++i)
                    node->words.push_back(
                        {"", std::string(tokens.word(i)), Wildcard::none, Scope::any});
            }
            pos = end;
        }
        if (node->words.empty())
            fail(lx.column, "the phrase has no words");
        for (auto& word : node->words)
            word.written = "\"" + lx.text + "\"";
        if (node->words.size() == 1) {
            node->kind = Node::Kind::term;
            node->words.front().written = lx.text;
        }
        return node;
    }

    std::unique_ptr<Node> make_field(const Lexeme& lx) {
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::field;
        node->column = lx.column;
        node->field = lx.text;
        node->value = lx.value;
        const auto& f = node->field;
        const auto& v = node->value;
        const auto one_of = [&](std::initializer_list<std::string_view> allowed) {
            for (const auto a : allowed)
                if (v == a)
                    return;
            std::string list;
            for (const auto a : allowed)
                list += (list.empty() ? "" : "|") + std::string(a);
            fail(lx.column, fmt::format("{}:{}: expected {}:{}", f, v, f, list));
        };
        if (v.empty() && f != "regex")
            fail(lx.column, fmt::format("{}: needs a value", f));
        if (f == "has") {
            one_of({"media", "image", "video", "audio", "link"});
        } else if (f == "platform") {
            one_of({"mastodon", "bluesky", "feed", "youtube", "politie"});
        } else if (f == "is") {
            one_of({"reply", "repost"});
        } else if (f == "tag") {
            const auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0)
                fail(lx.column, fmt::format("tag:{}: expected tag:KEY=VALUE", v));
        } else if (f == "regex") {
            if (v.empty())
                fail(lx.column, "regex: the pattern is empty");
            RE2::Options options;
            options.set_log_errors(false);
            options.set_case_sensitive(false);
            auto re = std::make_shared<RE2>(v, options);
            if (!re->ok())
                fail(lx.column, fmt::format("regex:/{}/: {}", v, re->error()));
            node->regex = std::move(re);
            node->label = "regex:/" + v + "/";
        } else if (f != "from" && f != "to" && f != "source" && f != "lang" && f != "in") {
            fail(lx.column, fmt::format("unknown field \"{}:\" (fields: has, from, to, source, "
                                        "platform, lang, tag, is, in, regex)",
                                        f));
        }
        return node;
    }

    std::vector<Lexeme> m_lx;
    std::size_t m_pos = 0;
    Expander* m_expander;
};

// ---------------------------------------------------------------- evaluation

// A run of tokens where a positional node matched, with its hits in the arena.
struct Range {
    std::uint32_t first; // token indices, inclusive
    std::uint32_t last;
    std::uint32_t hit_begin;
    std::uint32_t hit_end;
};

bool contains(std::span<const std::uint32_t> sorted, std::uint32_t value) {
    return std::binary_search(sorted.begin(), sorted.end(), value);
}

void positions(const Node& node, const EvalContext& ctx, std::vector<Hit>& arena,
               std::vector<Range>& out) {
    const auto& tokens = ctx.index.tokens();
    switch (node.kind) {
    case Node::Kind::term:
    case Node::Kind::phrase: {
        const auto n = static_cast<std::uint32_t>(node.words.size());
        for (const std::uint32_t i : ctx.occurrences.of(node.words.front())) {
            if (i + n > tokens.size())
                break;
            bool all = true;
            for (std::uint32_t k = 1; k < n && all; ++k)
                all = contains(ctx.occurrences.of(node.words[k]), i + k);
            if (!all)
                continue;
            const auto hit = static_cast<std::uint32_t>(arena.size());
            arena.push_back(
                {&node.words.front().written, {tokens[i].begin, tokens[i + n - 1].end}});
            out.push_back({i, i + n - 1, hit, hit + 1});
        }
        break;
    }
    case Node::Kind::any_of:
        for (const auto& child : node.children)
            positions(*child, ctx, arena, out);
        break;
    case Node::Kind::near: {
        std::vector<Range> left, right;
        positions(*node.children[0], ctx, arena, left);
        if (left.empty())
            break;
        positions(*node.children[1], ctx, arena, right);
        for (const auto& a : left)
            for (const auto& b : right) {
                bool ok = false;
                if (b.first > a.last)
                    ok = b.first - a.last <= node.distance;
                else if (!node.ordered && a.first > b.last)
                    ok = a.first - b.last <= node.distance;
                if (!ok)
                    continue;
                const auto hit = static_cast<std::uint32_t>(arena.size());
                for (auto h = a.hit_begin; h < a.hit_end; ++h)
                    arena.push_back(arena[h]);
                for (auto h = b.hit_begin; h < b.hit_end; ++h)
                    arena.push_back(arena[h]);
                out.push_back({std::min(a.first, b.first), std::max(a.last, b.last), hit,
                               static_cast<std::uint32_t>(arena.size())});
            }
        break;
    }
    default:
        break;
    }
}

bool field_matches(const Node& node, const Post& post, std::vector<Hit>& hits) {
    const auto& f = node.field;
    const auto& v = node.value;
    if (f == "has") {
        if (v == "media")
            return !post.media.empty();
        if (v == "link" && (post.text.find("http://") != std::string::npos ||
                            post.text.find("https://") != std::string::npos))
            return true;
        const auto kind = parse_media_kind(v);
        return std::any_of(post.media.begin(), post.media.end(),
                           [&](const Media& m) { return m.kind == kind; });
    }
    if (f == "from" || f == "to") {
        std::string pattern = ascii_lower(v);
        if (pattern.starts_with('@'))
            pattern.erase(0, 1);
        // A handle matches with or without its instance (x or x@host).
        const auto matches = [&pattern](std::string_view text) {
            std::string handle = ascii_lower(text);
            if (handle.starts_with('@'))
                handle.erase(0, 1);
            const auto local = handle.substr(0, handle.find('@'));
            return !handle.empty() &&
                   (category_glob_match(pattern, handle) || category_glob_match(pattern, local));
        };
        if (f == "from")
            return matches(post.author.handle);
        return (post.reply_to && matches(post.reply_to->handle)) ||
               std::any_of(post.mentions.begin(), post.mentions.end(), matches);
    }
    if (f == "source")
        return category_glob_match(v, post.source);
    if (f == "platform")
        return post.platform == v;
    if (f == "lang") {
        const auto lang = ascii_lower(post.lang);
        const auto want = ascii_lower(v);
        return lang == want || lang.starts_with(want + "-");
    }
    if (f == "tag") {
        const auto eq = v.find('=');
        const auto it = post.tags.find(v.substr(0, eq));
        return it != post.tags.end() && it->second == v.substr(eq + 1);
    }
    if (f == "is")
        return v == "reply" ? post.reply : post.repost;
    if (f == "in") {
        // An area's name, or a place's name or code, or one above it;
        // "den-haag" is "Den Haag".
        const auto words = [](std::string_view text) {
            const auto index = tokenize(text);
            std::string out;
            for (std::size_t i = 0; i < index.size(); ++i)
                out.append(i ? " " : "").append(index.word(i));
            return out;
        };
        if (std::find(post.areas.begin(), post.areas.end(), v) != post.areas.end())
            return true;
        const auto want = words(v);
        for (const auto& p : post.places)
            for (const auto* name : {&p.name, &p.code, &p.gemeente, &p.provincie, &p.eenheid,
                                     &p.basisteam, &p.authority, &p.force})
                if (!name->empty() && words(*name) == want)
                    return true;
        return false;
    }
    if (f == "regex") {
        const re2::StringPiece text(post.text);
        re2::StringPiece match;
        std::size_t pos = 0;
        bool any = false;
        for (int guard = 0; guard < 16 && pos <= text.size(); ++guard) {
            if (!node.regex->Match(text, pos, text.size(), RE2::UNANCHORED, &match, 1))
                break;
            any = true;
            const auto begin = static_cast<std::size_t>(match.data() - text.data());
            hits.push_back({&node.label, {begin, begin + match.size()}});
            pos = begin + std::max<std::size_t>(match.size(), 1);
        }
        return any;
    }
    return false;
}

// Whether the node holds, without collecting hits: what a NOT needs, and it
// stops at the first term that decides.
bool holds(const Node& node, const EvalContext& ctx) {
    switch (node.kind) {
    case Node::Kind::term:
        if (node.words.size() == 1)
            return !ctx.occurrences.of(node.words.front()).empty();
        [[fallthrough]];
    case Node::Kind::phrase:
    case Node::Kind::near: {
        std::vector<Hit> arena;
        std::vector<Range> ranges;
        positions(node, ctx, arena, ranges);
        return !ranges.empty();
    }
    case Node::Kind::all_of:
        return std::all_of(node.children.begin(), node.children.end(),
                           [&](const auto& child) { return holds(*child, ctx); });
    case Node::Kind::any_of:
        return std::any_of(node.children.begin(), node.children.end(),
                           [&](const auto& child) { return holds(*child, ctx); });
    case Node::Kind::negate:
        return !holds(*node.children.front(), ctx);
    case Node::Kind::field: {
        std::vector<Hit> ignored;
        return field_matches(node, ctx.post, ignored);
    }
    }
    return false;
}

bool eval(const Node& node, const EvalContext& ctx, std::vector<Hit>& hits) {
    switch (node.kind) {
    case Node::Kind::term:
    case Node::Kind::phrase:
    case Node::Kind::near: {
        std::vector<Hit> arena;
        std::vector<Range> ranges;
        positions(node, ctx, arena, ranges);
        for (const auto& r : ranges)
            hits.insert(hits.end(), arena.begin() + r.hit_begin, arena.begin() + r.hit_end);
        return !ranges.empty();
    }
    case Node::Kind::all_of: {
        const std::size_t mark = hits.size();
        for (const auto& child : node.children)
            if (!eval(*child, ctx, hits)) {
                hits.resize(mark);
                return false;
            }
        return true;
    }
    case Node::Kind::any_of: {
        bool any = false;
        for (const auto& child : node.children)
            any = eval(*child, ctx, hits) || any;
        return any;
    }
    case Node::Kind::negate:
        return !holds(*node.children.front(), ctx);
    case Node::Kind::field:
        return field_matches(node, ctx.post, hits);
    }
    return false;
}

} // namespace

ParseResult parse_query(std::string_view query, Expander* expander) {
    ParseResult result;
    try {
        Parser parser(lex(query), expander);
        result.root = parser.parse();
    } catch (const LexError& e) {
        result.error = e.error;
    } catch (const ParseError& e) {
        result.error = e.error;
    }
    return result;
}

bool evaluate(const Node& root, const EvalContext& context, std::vector<Hit>& hits) {
    return eval(root, context, hits);
}

bool term_matches(const TermPattern& term, std::string_view word, TokenKind kind) {
    if (!scope_matches(term.scope, kind))
        return false;
    if (!term.forms.empty())
        return std::binary_search(term.forms.begin(), term.forms.end(), word);
    switch (term.wildcard) {
    case Wildcard::none:
        return word == term.norm;
    case Wildcard::prefix:
        return word.starts_with(term.norm);
    case Wildcard::suffix:
        return word.ends_with(term.norm);
    case Wildcard::infix:
        return word.find(term.norm) != std::string_view::npos;
    }
    return false;
}

std::span<const std::uint32_t> ScanOccurrences::of(const TermPattern& term) const {
    auto [it, fresh] = m_cache.try_emplace(&term);
    if (fresh) {
        const auto& tokens = m_index.tokens();
        for (std::uint32_t i = 0; i < tokens.size(); ++i)
            if (term_matches(term, m_index.word(i), tokens[i].kind))
                it->second.push_back(i);
    }
    return it->second;
}

bool is_vocabulary_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::unique_ptr<Node> clone(const Node& node) {
    auto copy = std::make_unique<Node>();
    copy->kind = node.kind;
    copy->column = node.column;
    copy->words = node.words;
    for (const auto& child : node.children)
        copy->children.push_back(clone(*child));
    copy->distance = node.distance;
    copy->ordered = node.ordered;
    copy->field = node.field;
    copy->value = node.value;
    copy->label = node.label;
    copy->regex = node.regex;
    copy->vocabulary = node.vocabulary;
    return copy;
}

void collect_terms(Node& node, std::vector<TermPattern*>& out) {
    for (auto& word : node.words)
        out.push_back(&word);
    for (auto& child : node.children)
        collect_terms(*child, out);
}

} // namespace wijkwacht::rules
