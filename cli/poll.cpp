#include "cli/commands.hpp"
#include "connectors/http_client.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/connector.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/rules.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

namespace wijkwacht::cli {

namespace {

struct PollOptions {
    std::string config;
    std::string source;
    std::size_t limit = 0;
    bool flagged = false;
};

int run_poll(const PollOptions& o) {
    const Config config = load_config(o.config);
    const auto it = std::find_if(config.sources.begin(), config.sources.end(),
                                 [&](const SourceConfig& s) { return s.name == o.source; });
    if (it == config.sources.end())
        throw ConfigError({fmt::format("{}: no [[source]] named \"{}\"", o.config, o.source)});
    if (is_live(*it))
        throw ConfigError({fmt::format(
            "{}: source \"{}\" is a live stream (type {}): poll reads polled sources only; "
            "wijkwachtd listens to it (docs/OPERATING.md, \"Listening\")",
            it->origin, o.source, it->type)});
    const auto connector = make_connector(*it);
    std::optional<RuleSet> rules;
    if (o.flagged)
        rules = RuleSet::load(config.daemon.rules);

    boost::asio::io_context io;
    HttpOptions http;
    http.user_agent = config.daemon.user_agent;
    http.allow_plain_http = config.daemon.allow_plain_http;
    HttpClient client(io, http);
    std::size_t printed = 0;
    int pages = 0;
    int rc = 0;
    std::string cursor;
    std::function<void()> fetch_page = [&] {
        client.fetch(connector->next_request(cursor), [&](Result<HttpResponse> response) {
            if (!response) {
                fmt::print(stderr, "{}: {}\n", o.source, response.failure().message);
                rc = 1;
                return;
            }
            auto result = connector->parse(*response, cursor);
            if (!result) {
                fmt::print(stderr, "{}: {}: {}\n", o.source, response->url,
                           result.failure().message);
                rc = 1;
                return;
            }
            for (const auto& post : result->posts) {
                if (o.limit && printed >= o.limit)
                    return;
                if (rules && rules->evaluate(post).empty())
                    continue;
                fmt::print("{}\n", to_json(post));
                ++printed;
            }
            cursor = result->cursor;
            if (result->more && ++pages < 10 && (!o.limit || printed < o.limit))
                fetch_page();
        });
    };
    fetch_page();
    io.run();
    return rc;
}

} // namespace

void add_poll(CLI::App& app, Command& run) {
    auto o = std::make_shared<PollOptions>();
    auto* cmd = app.add_subcommand(
        "poll", "fetch one configured source once and print its posts as Post JSON lines "
                "(no state is written, nothing is published)");
    cmd->add_option("-c,--config", o->config, "wijkwachtd configuration file")->required();
    cmd->add_option("source", o->source, "the [[source]] name")->required();
    cmd->add_option("-n,--limit", o->limit, "print at most this many posts");
    cmd->add_flag("--flagged", o->flagged, "print only posts the configured rules flag");
    cmd->callback([o, &run] {
        run = [o] {
            return run_poll(*o);
        };
    });
}

} // namespace wijkwacht::cli
