// wijkwachtd: the daemon. Thin: parse arguments, load config and rules, run.
#include "daemon/app.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>
#include <wijkwacht/places.hpp>
#include <wijkwacht/rules.hpp>
#include <wijkwacht/time.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <map>

using namespace wijkwacht;

namespace {

void print_summary(const Config& config, const RuleSet& rules) {
    fmt::print("{}: OK\n", config.file.string());
    fmt::print("  state_dir  {}\n", config.daemon.state_dir.string());
    fmt::print("  publish    {} (heartbeat {}), replay {}\n", config.publish.endpoint,
               format_duration(config.publish.heartbeat), config.publish.replay_endpoint);
    fmt::print("  workflow   {} (claims expire after {})\n", config.publish.workflow_endpoint,
               config.publish.claim_timeout.count() == 0
                   ? std::string("never")
                   : format_duration(config.publish.claim_timeout));
    fmt::print("  sources    {}\n", config.sources.size());
    for (const auto& s : config.sources) {
        std::string target;
        if (s.type == "feed")
            target = s.url;
        else if (s.type == "mastodon")
            target = s.instance + " " +
                     (!s.account.empty()   ? "@" + s.account
                      : !s.hashtag.empty() ? "#" + s.hashtag
                                           : s.timeline + " timeline");
        else if (s.type == "politie")
            target = s.lat ? fmt::format("{} around {:.4f},{:.4f} within {} km",
                                         fmt::join(s.kinds, ", "), *s.lat, *s.lon, s.radius)
                           : fmt::format("{}, all of the Netherlands", fmt::join(s.kinds, ", "));
        else if (s.type == "jetstream")
            target = fmt::format(
                "{} followed, replies to {}, languages {}", s.follow.size(), s.replies_to.size(),
                s.langs.empty() ? "-" : fmt::format("{}", fmt::join(s.langs, ",")));
        else
            target = s.actor;
        if (s.replies.count() > 0)
            target += ", replies of " + format_duration(s.replies);
        fmt::print("    {:<24} {:<9} {:<11} {}\n", s.name, s.type,
                   is_live(s) ? "live" : "every " + format_duration(s.interval), target);
    }
    fmt::print("  streams    {}\n", config.streams.size());
    for (const auto& s : config.streams)
        fmt::print("    {}\n", s.name);
    std::map<std::string, int> categories;
    for (const auto& rule : rules.rules())
        if (rule.enabled)
            ++categories[rule.category];
    fmt::print("  rules      {} enabled of {}\n", rules.enabled_count(), rules.rules().size());
    for (const auto& [category, count] : categories)
        fmt::print("    {:<28} {}\n", category, count);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwachtd: watches public social media feeds, flags posts about crimes and "
                 "footage with rules, and publishes alerts over ZeroMQ."};
    std::string config_file = "/etc/wijkwacht/wijkwacht.toml";
    bool check = false;
    bool once = false;
    std::string level = "info";
    cli.add_option("-c,--config", config_file, "configuration file")->capture_default_str();
    cli.add_flag("--check", check, "validate the configuration and rules, print a summary, exit");
    cli.add_flag("--once", once, "poll every source once, journal and publish, then exit");
    cli.add_option("--log-level", level, "error, warning, notice, info or debug")
        ->capture_default_str()
        ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
    cli.set_version_flag("--version", std::string("wijkwachtd ") + WIJKWACHT_VERSION);
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = cli.exit(e);
        return rc == 0 ? 0 : 2;
    }
    log::Level threshold = log::Level::info;
    log::parse_level(level, threshold);
    log::set_level(threshold);

    try {
        Config config = load_config(config_file);
        RuleSet rules = RuleSet::load(config.daemon.rules);
        Placing placing = Placing::load(config);
        if (check) {
            // The CURVE key files are configuration too.
            const auto server = load_server_key(config.publish);
            const auto keys = load_authorized_keys(config.publish);
            for (const auto& warning : config.warnings)
                fmt::print(stderr, "warning: {}\n", warning);
            for (const auto& warning : rules.warnings())
                fmt::print(stderr, "{}\n", warning);
            print_summary(config, rules);
            if (placing.enabled())
                fmt::print("  places     {} ({} places, {} area(s))\n", placing.path().string(),
                           placing.tagger()->gazetteer().entries().size(), config.areas.size());
            else
                fmt::print("  places     none: {} does not exist, posts carry no places\n",
                           config.daemon.places.string());
            if (server)
                fmt::print("  curve      on, server key {}, {} authorized key(s)\n",
                           server->public_key, keys.size());
            return 0;
        }
        for (const auto& warning : rules.warnings())
            log::warning("rules", "{}", warning);
        if (rules.enabled_count() == 0)
            log::warning("rules", "no enabled rules in daemon.rules: nothing will be flagged");
        if (!placing.enabled())
            log::warning("places", "no gazetteer at {}: posts carry no places",
                         config.daemon.places.string());
        App app(std::move(config), std::move(rules), std::move(placing), AppOptions{once});
        return app.run();
    } catch (const ConfigError& e) {
        for (const auto& problem : e.problems())
            fmt::print(stderr, "{}\n", problem);
        fmt::print(stderr,
                   "wijkwachtd: fix the errors above (wijkwachtd --config {} --check "
                   "re-checks)\n",
                   config_file);
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wijkwachtd: {}\n", e.what());
        return 1;
    }
}
