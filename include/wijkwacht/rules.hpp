#pragma once

// The rule engine (SPEC §3). A RuleSet is compiled once per (re)load from
// rule files and evaluated against posts; it is immutable and may be shared
// between threads. Loading checks every query and throws ConfigError whose
// problems read "file:line:col: message".

#include <wijkwacht/post.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

struct Rule {
    std::string id;
    std::string title;
    std::string category;
    Severity severity = Severity::medium;
    std::string query;
    bool enabled = true;
    std::string origin; // "file:line"
};

// A named list of terms that queries use as $name (SPEC §3).
struct Vocabulary {
    std::string name;
    std::string terms;  // as written
    std::string origin; // "file:line"
};

// What one rule's query expands to, for `wijkwacht rules explain`.
struct Expansion {
    struct Family {
        std::string lemma;              // "~stelen"
        std::vector<std::string> forms; // normalised, as matched
    };
    std::vector<Family> families;          // in the order they occur, each once
    std::vector<std::string> vocabularies; // "$name", in the order they occur, each once
};

class RuleSet {
public:
    RuleSet();
    // Files, or directories whose *.toml files are read in name order.
    static RuleSet load(const std::vector<std::filesystem::path>& paths);
    // One rule file's text; `name` stands for the file in messages.
    static RuleSet parse(std::string_view toml, std::string_view name);

    // The matches of every enabled rule that fires, in rule order.
    std::vector<Match> evaluate(const Post& post) const;

    const std::vector<Rule>& rules() const;
    std::size_t enabled_count() const;
    // Whether an enabled rule asks where a post is (in:): only then must a
    // post be placed before it is evaluated.
    bool uses_places() const;
    const std::vector<Vocabulary>& vocabularies() const;
    // Load-time warnings ("file:line:col: warning: …"), e.g. unused vocabularies.
    const std::vector<std::string>& warnings() const;
    // The families and vocabularies in rule `index` of rules().
    Expansion explain(std::size_t index) const;
    // Every word and phrase the enabled rules look for, normalised (word
    // families as their forms, wildcards as the letters they require),
    // sorted and unique: what a fixed-string search would need.
    std::vector<std::string> terms() const;

    struct Impl; // the compiled form, private to the rules library

private:
    explicit RuleSet(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

} // namespace wijkwacht
