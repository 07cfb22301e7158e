#include "rules/matcher.hpp"
#include "rules/query.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace wijkwacht {

namespace fs = std::filesystem;

struct RuleSet::Impl {
    std::vector<Rule> rules;
    std::vector<std::unique_ptr<rules::Node>> queries; // parallel to rules; null when disabled
    std::size_t enabled = 0;
    std::unique_ptr<rules::Matcher> matcher;
};

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

class Loader {
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
        for (const auto& [key, node] : root) {
            if (key.str() != "rule") {
                error(
                    name, key.source().begin,
                    fmt::format("unknown key \"{}\": rule files hold [[rule]] tables", key.str()));
                continue;
            }
            const auto* array = node.as_array();
            if (!array || !array->is_array_of_tables()) {
                error(name, node.source().begin, "\"rule\" must be written as [[rule]] tables");
                continue;
            }
            for (const auto& item : *array)
                load_rule(*item.as_table(), name);
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
        if (!m_errors.empty())
            throw ConfigError(std::move(m_errors));
        std::vector<rules::Node*> queries;
        for (auto& query : m_impl.queries)
            queries.push_back(query.get());
        m_impl.matcher = std::make_unique<rules::Matcher>(queries);
        return std::move(m_impl);
    }

private:
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
            auto parsed = rules::parse_query(rule.query);
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
        else
            query.reset();
        m_impl.rules.push_back(std::move(rule));
        m_impl.queries.push_back(std::move(query));
    }

    RuleSet::Impl m_impl;
    std::map<std::string, std::string, std::less<>> m_ids;
    std::vector<std::string> m_errors;
};

} // namespace

RuleSet::RuleSet() : m_impl(std::make_shared<const Impl>()) {}
RuleSet::RuleSet(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

RuleSet RuleSet::load(const std::vector<fs::path>& paths) {
    Loader loader;
    for (const auto& path : paths)
        loader.load_path(path);
    return RuleSet(std::make_shared<const Impl>(loader.take()));
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
std::size_t RuleSet::enabled_count() const {
    return m_impl->enabled;
}

} // namespace wijkwacht
