// wijkwacht replay: stored alerts of a stream after a sequence number.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/replay_client.hpp"
#include "core/url.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/json.hpp>

#include <fmt/format.h>

#include <unistd.h>

namespace wijkwacht::cli {

namespace {

struct ReplayOptions {
    std::string endpoint;
    std::string config;
    std::string stream;
    std::int64_t after = 0;
    std::size_t limit = 0;
    bool json = false;
    bool states = false;
    bool color = false;
    int timeout_ms = 5000;
    CurveFiles curve;
};

int run_replay(const ReplayOptions& o) {
    std::string endpoint = o.endpoint;
    if (endpoint.empty())
        endpoint = o.config.empty() ? default_replay_endpoint(PublishConfig{}.endpoint)
                                    : load_config(o.config).publish.replay_endpoint;
    zmq::context_t context(1);
    ReplayClient client(context, endpoint, std::chrono::milliseconds(o.timeout_ms),
                        load_client_keys(o.curve));
    std::int64_t after = o.after;
    std::size_t printed = 0;
    for (;;) {
        const std::size_t want =
            o.limit == 0 ? 1000 : std::min<std::size_t>(1000, o.limit - printed);
        auto page = client.fetch(o.stream, after, want, o.states);
        if (!page) {
            fmt::print(stderr, "wijkwacht replay: {}\n", page.failure().message);
            return 1;
        }
        if (page->truncated && printed == 0)
            fmt::print(stderr,
                       "wijkwacht replay: [{}] alerts after #{} are partly purged already "
                       "(daemon.retention); showing the oldest kept\n",
                       o.stream, after);
        for (const auto& body : page->alerts) {
            if (o.json)
                fmt::print("{}\n", body);
            else
                print_message("wijkwacht replay", o.stream, body, o.color);
        }
        std::fflush(stdout);
        printed += page->alerts.size();
        if (page->alerts.empty() || (o.limit != 0 && printed >= o.limit))
            break;
        after = stream_seq_of(page->alerts.back());
        if (after >= page->head)
            break;
    }
    if (!o.json)
        fmt::print(stderr, "wijkwacht replay: {} message(s) of {} after #{}\n", printed, o.stream,
                   o.after);
    return 0;
}

} // namespace

void add_replay(CLI::App& app, Command& run) {
    auto o = std::make_shared<ReplayOptions>();
    auto* cmd = app.add_subcommand(
        "replay", "print stored alerts and their updates of a stream after a sequence");
    cmd->add_option("-s,--stream", o->stream, "the stream")->required();
    cmd->add_option("-a,--after", o->after, "print alerts with a stream_seq above this")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("-n,--limit", o->limit, "print at most this many (0: all)")
        ->capture_default_str();
    cmd->add_option("-e,--endpoint", o->endpoint,
                    "the daemon's replay endpoint (default: tcp://127.0.0.1:7751)");
    cmd->add_option("-c,--config", o->config,
                    "read the replay endpoint from this wijkwachtd config");
    cmd->add_flag("--json", o->json, "print each alert and alert update as one line of JSON");
    cmd->add_flag("--states", o->states,
                  "add to each alert where it stands now (claimed by whom, resolved, …)");
    cmd->add_option("--timeout", o->timeout_ms, "milliseconds to wait for the daemon's answer")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    add_curve_options(*cmd, o->curve);
    cmd->callback([o, &run] {
        o->color = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
        run = [o] {
            return run_replay(*o);
        };
    });
}

} // namespace wijkwacht::cli
