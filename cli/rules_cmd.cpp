#include "cli/commands.hpp"
#include "cli/format.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/rules.hpp>

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <unistd.h>

namespace wijkwacht::cli {

namespace {

struct RulesOptions {
    std::vector<std::string> paths; // check: files or dirs; test: --rules
    std::string posts = "-";
    bool json = false;
};

std::vector<std::filesystem::path> as_paths(const std::vector<std::string>& in) {
    return {in.begin(), in.end()};
}

int run_check(const RulesOptions& o) {
    try {
        const RuleSet set = RuleSet::load(as_paths(o.paths));
        fmt::print("{} rule(s), {} enabled: OK\n", set.rules().size(), set.enabled_count());
        return 0;
    } catch (const ConfigError& e) {
        for (const auto& problem : e.problems())
            fmt::print(stderr, "{}\n", problem);
        fmt::print(stderr, "{} error(s)\n", e.problems().size());
        return 2;
    }
}

int run_test(const RulesOptions& o) {
    const RuleSet set = RuleSet::load(as_paths(o.paths));
    std::ifstream file;
    std::istream* in = &std::cin;
    const std::string name = o.posts == "-" ? "<stdin>" : o.posts;
    if (o.posts != "-") {
        file.open(o.posts, std::ios::binary);
        if (!file)
            throw Error(fmt::format("{}: cannot open: {}", o.posts, std::strerror(errno)));
        in = &file;
    }
    const bool color = !o.json && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    std::string line;
    std::size_t number = 0, posts = 0, flagged = 0, bad = 0;
    std::string out;
    while (std::getline(*in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        auto post = post_from_json(line);
        if (!post) {
            fmt::print(stderr, "{}:{}: {}\n", name, number, post.failure().message);
            ++bad;
            continue;
        }
        ++posts;
        auto matches = set.evaluate(*post);
        if (matches.empty())
            continue;
        ++flagged;
        Alert alert;
        alert.id = alert_id(post->platform, post->id);
        alert.matches = std::move(matches);
        summarise_matches(alert);
        alert.post = std::move(*post);
        if (o.json) {
            out += to_json(alert);
            out += '\n';
        } else {
            out += fmt::format("{}:{}: {} [{}] {}\n", name, number, alert.post.id,
                               to_string(alert.severity), fmt::join(alert.categories, ", "));
            for (const auto& m : alert.matches) {
                out += fmt::format("  {} ({}, {}): {}\n", m.rule, m.category, to_string(m.severity),
                                   fmt::join(m.terms, ", "));
            }
            out += "  " + emphasise(alert.post.text, match_spans(alert), color) + "\n\n";
        }
        if (out.size() > (1u << 16)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (!o.json)
        fmt::print(stderr, "{} post(s), {} flagged{}\n", posts, flagged,
                   bad ? fmt::format(", {} unreadable line(s)", bad) : "");
    return bad ? 1 : 0;
}

} // namespace

void add_rules(CLI::App& app, Command& run) {
    auto* rules = app.add_subcommand("rules", "check rule files and try them on posts");
    rules->require_subcommand(1);

    auto check = std::make_shared<RulesOptions>();
    auto* c = rules->add_subcommand("check", "validate rule files; errors as file:line:col");
    c->add_option("paths", check->paths, "rule files or directories of *.toml")->required();
    c->callback([check, &run] {
        run = [check] {
            return run_check(*check);
        };
    });

    auto test = std::make_shared<RulesOptions>();
    auto* t = rules->add_subcommand("test", "evaluate posts (Post JSON lines) against rules");
    t->add_option("-r,--rules", test->paths, "rule file or directory (repeat for more)")
        ->required()
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    t->add_option("posts", test->posts, "Post JSON lines file, or - for stdin")
        ->capture_default_str();
    t->add_flag("--json", test->json, "print one Alert JSON (without seq) per flagged post");
    t->callback([test, &run] {
        run = [test] {
            return run_test(*test);
        };
    });
}

} // namespace wijkwacht::cli
