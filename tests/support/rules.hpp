#pragma once

// Small rule sets for tests of the rule language: a query as the one rule
// of a file, whether it fires on a text, and what a rule file fails with.

#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace wijkwacht::test {

// A rule file whose one rule has `query` (between ''' quotes, so the
// query's first character is on line 4, column 12).
inline std::string rule_file(std::string_view query) {
    return fmt::format("[[rule]]\nid = \"r\"\ncategory = \"crime.x\"\nquery = '''{}'''\n", query);
}

inline RuleSet one_rule(std::string_view query, std::string_view file = "r.toml") {
    return RuleSet::parse(rule_file(query), file);
}

inline bool fires(const RuleSet& set, std::string text, Post post = {}) {
    post.text = std::move(text);
    if (post.platform.empty())
        post.platform = "mastodon";
    return !set.evaluate(post).empty();
}

// The error a rule file's text fails to load with, or "".
inline std::string load_error(std::string_view toml, std::string_view file = "r.toml") {
    try {
        RuleSet::parse(toml, file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace wijkwacht::test
