#include "rules/lexicon.hpp"
#include "rules/matcher.hpp"
#include "rules/query.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <malloc.h>
#include <map>
#include <sstream>

namespace wijkwacht {

namespace fs = std::filesystem;

struct RuleSet::Impl {
    std::vector<Rule> rules;
    std::vector<std::unique_ptr<rules::Node>> queries; // parallel to rules, disabled ones too
    std::vector<Vocabulary> vocabularies;
    std::vector<std::string> warnings;
    std::size_t enabled = 0;
    bool uses_places = false; // an enabled rule has an in: field
    std::unique_ptr<rules::Matcher> matcher;
};

namespace {
bool has_field(const rules::Node& node, std::string_view field) {
    if (node.kind == rules::Node::Kind::field && node.field == field)
        return true;
    return std::any_of(node.children.begin(), node.children.end(),
                       [&](const auto& child) { return has_field(*child, field); });
}
} // namespace

namespace {

bool is_valid_category(std::string_view category) {
    if (category.empty() || category.front() == '.' || category.back() == '.')
        return false;
    char previous = '.';
    for (const char c : category) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        if (!ok || (c == '.' && previous == '.'))
            return false;
        previous = c;
    }
    return true;
}

// Where byte `offset` of a string value lies in the file, given where the
// value's opening quote is. Exact for single-line strings without escapes.
std::pair<std::size_t, std::size_t> locate(const toml::source_position& value,
                                           std::string_view text, std::size_t offset) {
    std::size_t line = value.line;
    std::size_t column = value.column + 1; // past the quote
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

class Loader final : public rules::Expander {
public:
    void load_text(std::string_view text, const std::string& name) {
        toml::table root;
        try {
            root = toml::parse(text, name);
        } catch (const toml::parse_error& e) {
            const auto& b = e.source().begin;
            m_errors.push_back(
                fmt::format("{}:{}:{}: {}", name, b.line, b.column, e.description()));
            return;
        }
        // Rules are parsed once every file is read (a vocabulary may be
        // defined in any file); the parsed files are kept until then.
        m_files.push_back(std::make_unique<toml::table>(std::move(root)));
        for (const auto& [key, node] : *m_files.back()) {
            const auto k = key.str();
            if (k != "rule" && k != "vocabulary") {
                error(name, key.source().begin,
                      fmt::format("unknown key \"{}\": rule files hold [[rule]] and "
                                  "[[vocabulary]] tables",
                                  k));
                continue;
            }
            const auto* array = node.as_array();
            if (!array || !array->is_array_of_tables()) {
                error(name, node.source().begin,
                      fmt::format("\"{}\" must be written as [[{}]] tables", k, k));
                continue;
            }
            for (const auto& item : *array) {
                if (k == "rule")
                    m_rule_tables.push_back({item.as_table(), name});
                else
                    add_vocabulary(*item.as_table(), name);
            }
        }
    }

    void load_path(const fs::path& path) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> files;
            for (const auto& entry : fs::directory_iterator(path, ec))
                if (entry.is_regular_file() && entry.path().extension() == ".toml")
                    files.push_back(entry.path());
            if (ec)
                m_errors.push_back(
                    fmt::format("{}: cannot read directory: {}", path.string(), ec.message()));
            std::sort(files.begin(), files.end());
            for (const auto& file : files)
                load_file(file);
            return;
        }
        load_file(path);
    }

    RuleSet::Impl take() {
        for (const auto& [table, name] : m_rule_tables)
            load_rule(*table, name);
        for (auto& [key, vocabulary] : m_vocabularies) {
            if (vocabulary.state == State::unparsed)
                parse_vocabulary(vocabulary); // errors even when no rule uses it
            if (!vocabulary.used)
                m_impl.warnings.push_back(
                    fmt::format("{}: warning: vocabulary \"{}\" is not used by any rule",
                                vocabulary.where(), key));
        }
        if (!m_errors.empty())
            throw ConfigError(std::move(m_errors));
        for (const auto& [key, vocabulary] : m_vocabularies)
            m_impl.vocabularies.push_back(
                {key, vocabulary.terms,
                 fmt::format("{}:{}", vocabulary.file, vocabulary.position.line)});
        std::vector<rules::Node*> queries;
        for (std::size_t i = 0; i < m_impl.queries.size(); ++i) {
            queries.push_back(m_impl.rules[i].enabled ? m_impl.queries[i].get() : nullptr);
            if (queries.back() && has_field(*queries.back(), "in"))
                m_impl.uses_places = true;
        }
        m_impl.matcher = std::make_unique<rules::Matcher>(queries);
        return std::move(m_impl);
    }

    // rules::Expander
    std::vector<std::string> family(std::string_view lemma, std::string& error) override {
        auto it = m_families.find(lemma);
        if (it == m_families.end()) {
            if (!m_lexicon)
                m_lexicon = std::make_unique<rules::Lexicon>();
            it = m_families.emplace(std::string(lemma), m_lexicon->family(lemma)).first;
        }
        error = it->second.error;
        return it->second.forms;
    }

    const rules::Node* vocabulary(std::string_view name, std::string& error) override {
        const auto it = m_vocabularies.find(name);
        if (it == m_vocabularies.end()) {
            error = fmt::format("\"${}\" is not defined: add a [[vocabulary]] with name = \"{}\"",
                                name, name);
            return nullptr;
        }
        auto& vocabulary = it->second;
        vocabulary.used = true;
        if (vocabulary.state == State::parsing) {
            error =
                fmt::format("\"${}\" refers to itself (through the vocabularies it uses)", name);
            return nullptr;
        }
        if (vocabulary.state == State::unparsed)
            parse_vocabulary(vocabulary);
        if (!vocabulary.root)
            error = fmt::format("\"${}\" has an error (see {})", name, vocabulary.where());
        return vocabulary.root.get();
    }

private:
    enum class State { unparsed, parsing, parsed };
    struct PendingVocabulary {
        std::string terms;
        std::string file;
        toml::source_position position; // of the terms
        std::string where() const {
            return fmt::format("{}:{}:{}", file, position.line, position.column);
        }
        State state = State::unparsed;
        bool used = false;
        std::unique_ptr<rules::Node> root;
    };

    void add_vocabulary(const toml::table& table, const std::string& name) {
        std::string vocabulary_name;
        const toml::node* terms = nullptr;
        for (const auto& [key, value] : table) {
            const auto k = key.str();
            const toml::node& node = value;
            if (k == "name" && node.is_string())
                vocabulary_name = node.as_string()->get();
            else if (k == "terms" && node.is_string())
                terms = &node;
            else if (k == "description" && node.is_string())
                continue;
            else if (k == "name" || k == "terms" || k == "description")
                error(name, node.source().begin, fmt::format("{} must be a string", k));
            else
                error(name, key.source().begin,
                      fmt::format("unknown key \"{}\" (known: name, terms, description)", k));
        }
        const auto at = table.source().begin;
        if (vocabulary_name.empty() || !terms) {
            error(name, at, "a [[vocabulary]] needs name and terms");
            return;
        }
        if (!rules::is_vocabulary_name(vocabulary_name)) {
            error(name, at,
                  fmt::format("vocabulary name \"{}\" may only use a-z, 0-9 and '_'",
                              vocabulary_name));
            return;
        }
        if (const auto seen = m_vocabularies.find(vocabulary_name); seen != m_vocabularies.end()) {
            error(name, at,
                  fmt::format("duplicate vocabulary \"{}\" (first at {})", vocabulary_name,
                              seen->second.where()));
            return;
        }
        const auto pos = terms->source().begin;
        PendingVocabulary pending;
        pending.terms = terms->as_string()->get();
        pending.file = name;
        pending.position = pos;
        m_vocabularies.emplace(vocabulary_name, std::move(pending));
    }

    void parse_vocabulary(PendingVocabulary& vocabulary) {
        vocabulary.state = State::parsing;
        auto parsed = rules::parse_query(vocabulary.terms, this);
        vocabulary.state = State::parsed;
        if (parsed.error) {
            const auto [line, column] =
                locate(vocabulary.position, vocabulary.terms, parsed.error->column - 1);
            m_errors.push_back(fmt::format("{}:{}:{}: vocabulary: {}", vocabulary.file, line,
                                           column, parsed.error->message));
            return;
        }
        vocabulary.root = std::move(parsed.root);
    }

    void load_file(const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            m_errors.push_back(
                fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
            return;
        }
        std::ostringstream text;
        text << in.rdbuf();
        load_text(text.str(), file.string());
    }

    void error(const std::string& name, const toml::source_position& at, std::string message) {
        m_errors.push_back(fmt::format("{}:{}:{}: {}", name, at.line, at.column, message));
    }

    void load_rule(const toml::table& table, const std::string& name) {
        Rule rule;
        rule.origin = fmt::format("{}:{}", name, table.source().begin.line);
        const std::size_t errors_before = m_errors.size();
        const toml::node* query_node = nullptr;
        std::string severity = "medium";
        for (const auto& [key, value] : table) {
            const auto k = key.str();
            const toml::node& node =
                value; // a lambda may not capture a structured binding (clang 14)
            const auto text = [&](std::string& out) {
                if (const auto* s = node.as_string())
                    out = s->get();
                else
                    error(name, node.source().begin, fmt::format("{} must be a string", k));
            };
            if (k == "id")
                text(rule.id);
            else if (k == "title")
                text(rule.title);
            else if (k == "category")
                text(rule.category);
            else if (k == "severity")
                text(severity);
            else if (k == "query") {
                text(rule.query);
                query_node = &node;
            } else if (k == "enabled") {
                if (const auto* b = node.as_boolean())
                    rule.enabled = b->get();
                else
                    error(name, node.source().begin, "enabled must be true or false");
            } else {
                error(name, key.source().begin,
                      fmt::format("unknown key \"{}\" (known: id, title, category, severity, "
                                  "query, enabled)",
                                  k));
            }
        }
        const auto at = table.source().begin;
        if (rule.id.empty())
            error(name, at, "rule without id");
        else if (!is_valid_name(rule.id))
            error(name, at,
                  fmt::format("rule id \"{}\" may only use a-z, 0-9, '_', '.' and '-'", rule.id));
        else if (const auto seen = m_ids.find(rule.id); seen != m_ids.end())
            error(name, at,
                  fmt::format("duplicate rule id \"{}\" (first at {})", rule.id, seen->second));
        else
            m_ids.emplace(rule.id, rule.origin);
        const std::string label = rule.id.empty() ? "rule" : fmt::format("rule \"{}\"", rule.id);
        if (rule.category.empty())
            error(name, at, fmt::format("{}: category is required", label));
        else if (!is_valid_category(rule.category))
            error(name, at,
                  fmt::format("{}: category \"{}\" must be a dotted path such as "
                              "crime.burglary",
                              label, rule.category));
        if (const auto parsed = parse_severity(severity))
            rule.severity = *parsed;
        else
            error(name, at,
                  fmt::format("{}: unknown severity \"{}\" (info, low, medium, high, "
                              "critical)",
                              label, severity));
        std::unique_ptr<rules::Node> query;
        if (!query_node) {
            error(name, at, fmt::format("{}: query is required", label));
        } else if (query_node->is_string()) {
            auto parsed = rules::parse_query(rule.query, this);
            if (parsed.error) {
                const auto [line, column] =
                    locate(query_node->source().begin, rule.query, parsed.error->column - 1);
                m_errors.push_back(fmt::format("{}:{}:{}: {}: {}", name, line, column, label,
                                               parsed.error->message));
            } else {
                query = std::move(parsed.root);
            }
        }
        if (m_errors.size() != errors_before)
            return;
        if (rule.enabled)
            ++m_impl.enabled;
        m_impl.rules.push_back(std::move(rule));
        m_impl.queries.push_back(std::move(query));
    }

    RuleSet::Impl m_impl;
    std::map<std::string, std::string, std::less<>> m_ids;
    std::vector<std::string> m_errors;
    std::vector<std::unique_ptr<toml::table>> m_files;
    std::vector<std::pair<const toml::table*, std::string>> m_rule_tables;
    std::map<std::string, PendingVocabulary, std::less<>> m_vocabularies;
    std::map<std::string, rules::Family, std::less<>> m_families;
    std::unique_ptr<rules::Lexicon> m_lexicon; // only while rules with families compile
};

} // namespace

RuleSet::RuleSet() : m_impl(std::make_shared<const Impl>()) {}
RuleSet::RuleSet(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

RuleSet RuleSet::load(const std::vector<fs::path>& paths) {
    std::shared_ptr<const Impl> impl;
    {
        Loader loader;
        for (const auto& path : paths)
            loader.load_path(path);
        impl = std::make_shared<const Impl>(loader.take());
    }
    // The dictionaries are gone; hand their pages back (a daemon lives long).
    ::malloc_trim(0);
    return RuleSet(std::move(impl));
}

RuleSet RuleSet::parse(std::string_view toml, std::string_view name) {
    Loader loader;
    loader.load_text(toml, std::string(name));
    return RuleSet(std::make_shared<const Impl>(loader.take()));
}

std::vector<Match> RuleSet::evaluate(const Post& post) const {
    std::vector<Match> matches;
    if (!m_impl->matcher)
        return matches;
    // Per-thread working memory: one RuleSet serves any number of threads.
    thread_local rules::TextIndex index;
    thread_local rules::Matcher::Scratch scratch;
    thread_local std::vector<rules::Hit> hits;
    index.build(post.text);
    m_impl->matcher->scan(index, scratch);
    const rules::EvalContext context{post, index, scratch};
    for (const std::uint32_t i : scratch.candidates()) {
        hits.clear();
        if (!rules::evaluate(*m_impl->queries[i], context, hits))
            continue;
        const Rule& rule = m_impl->rules[i];
        Match match{rule.id, rule.category, rule.severity, {}, {}};
        for (const auto& hit : hits) {
            if (std::find(match.terms.begin(), match.terms.end(), *hit.term) == match.terms.end())
                match.terms.push_back(*hit.term);
            match.spans.push_back(hit.span);
        }
        std::sort(match.spans.begin(), match.spans.end());
        match.spans.erase(std::unique(match.spans.begin(), match.spans.end()), match.spans.end());
        matches.push_back(std::move(match));
    }
    return matches;
}

const std::vector<Rule>& RuleSet::rules() const {
    return m_impl->rules;
}
const std::vector<Vocabulary>& RuleSet::vocabularies() const {
    return m_impl->vocabularies;
}
const std::vector<std::string>& RuleSet::warnings() const {
    return m_impl->warnings;
}

namespace {
void expand(const rules::Node& node, Expansion& out) {
    if (!node.vocabulary.empty() && std::find(out.vocabularies.begin(), out.vocabularies.end(),
                                              node.vocabulary) == out.vocabularies.end())
        out.vocabularies.push_back(node.vocabulary);
    for (const auto& word : node.words) {
        if (word.forms.empty())
            continue;
        if (std::none_of(out.families.begin(), out.families.end(),
                         [&](const auto& f) { return f.lemma == word.norm; }))
            out.families.push_back({word.norm, word.forms});
    }
    for (const auto& child : node.children)
        expand(*child, out);
}

void collect_literals(const rules::Node& node, std::vector<std::string>& out) {
    if (node.kind == rules::Node::Kind::phrase) {
        std::string phrase;
        for (const auto& word : node.words)
            phrase += (phrase.empty() ? "" : " ") + word.norm;
        out.push_back(std::move(phrase));
    } else {
        for (const auto& word : node.words) {
            if (word.forms.empty())
                out.push_back(word.norm);
            out.insert(out.end(), word.forms.begin(), word.forms.end());
        }
    }
    for (const auto& child : node.children)
        collect_literals(*child, out);
}
} // namespace

std::vector<std::string> RuleSet::terms() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < m_impl->queries.size(); ++i)
        if (m_impl->rules[i].enabled && m_impl->queries[i])
            collect_literals(*m_impl->queries[i], out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Expansion RuleSet::explain(std::size_t index) const {
    Expansion out;
    if (index < m_impl->queries.size() && m_impl->queries[index])
        expand(*m_impl->queries[index], out);
    return out;
}
std::size_t RuleSet::enabled_count() const {
    return m_impl->enabled;
}

bool RuleSet::uses_places() const {
    return m_impl->uses_places;
}

} // namespace wijkwacht
