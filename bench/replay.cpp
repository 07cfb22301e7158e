// wijkwacht-bench-replay: the journal and the replay endpoint at scale.
// Fills a journal with N alerts (as the daemon commits them, in batches of
// 20), then measures: a subscriber catching up on all of them over a real
// ROUTER socket in pages of 1,000; the round trip of a small gap fill; and
// a retention purge of all of them; and workflow steps (claim, release) on
// them.
// Usage: wijkwacht-bench-replay [--alerts N]

#include "daemon/replay.hpp"

#include "daemon/journal.hpp"

#include <wijkwacht/json.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

using namespace wijkwacht;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<zmq::message_t> ask(zmq::socket_t& socket, const std::string& request) {
    socket.send(zmq::buffer(request), zmq::send_flags::none);
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket, std::back_inserter(frames)))
        throw std::runtime_error("no reply");
    return frames;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-replay: journal commits, replay and purge at scale"};
    std::size_t count = 100000;
    cli.add_option("--alerts", count, "alerts to journal and replay")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);

    char pattern[] = "/tmp/wijkwacht-bench-replay-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(pattern);
    {
        Journal journal(dir);
        // Commit like the daemon: one transaction per response of 20 posts.
        const auto flag = [](const Post& p) -> std::optional<RoutedAlert> {
            RoutedAlert r;
            r.alert.id = alert_id(p.platform, p.id);
            r.alert.flagged_at = "2026-11-29T10:00:00Z";
            r.alert.matches.push_back(
                {"inbraak", "crime.burglary", Severity::high, {"inbraak"}, {{0, 7}}});
            summarise_matches(r.alert);
            r.alert.post = p;
            r.streams = {"all"};
            return r;
        };
        auto start = Clock::now();
        std::vector<Post> batch;
        for (std::size_t i = 0; i < count; ++i) {
            Post p;
            p.source = "wijk";
            p.platform = "feed";
            p.id = fmt::format("https://politie.example/nieuws/{}", i);
            p.url = p.id;
            p.text = "Inbraak in een woning aan de Lindenstraat; de politie zoekt getuigen.";
            batch.push_back(std::move(p));
            if (batch.size() == 20 || i + 1 == count) {
                journal.commit("wijk", {}, batch, flag);
                batch.clear();
            }
        }
        const double commit = since(start);
        journal.mark_published(journal.unpublished(count));
        fmt::print("journal  {} alerts committed in batches of 20: {:.2f} s ({:.0f} alerts/s)\n",
                   count, commit, count / commit);

        zmq::context_t context(1);
        const std::string endpoint = "ipc://" + (dir / "replay.sock").string();
        ReplayServer server(context, endpoint, dir, journal.epoch(), {"all"});
        zmq::socket_t client(context, zmq::socket_type::req);
        client.connect(endpoint);

        // A subscriber catching up on everything, a page at a time.
        start = Clock::now();
        std::int64_t after = 0;
        std::size_t received = 0, bytes = 0;
        for (;;) {
            auto frames =
                ask(client, fmt::format(R"({{"stream":"all","after":{},"limit":1000}})", after));
            const std::size_t alerts = frames.size() - 1;
            if (alerts == 0)
                break;
            for (std::size_t i = 0; i < alerts; ++i)
                bytes += frames[i].size();
            received += alerts;
            after += static_cast<std::int64_t>(alerts);
        }
        const double replay = since(start);
        fmt::print("replay   {} alerts ({:.0f} MiB) in pages of 1,000: {:.2f} s ({:.0f} "
                   "alerts/s)\n",
                   received, bytes / 1048576.0, replay, received / replay);

        // A gap fill: ten alerts from the middle, many times.
        std::vector<double> times;
        for (int i = 0; i < 200; ++i) {
            start = Clock::now();
            ask(client, fmt::format(R"({{"stream":"all","after":{},"limit":10}})",
                                    static_cast<std::int64_t>(count / 2) + i));
            times.push_back(since(start) * 1e6);
        }
        std::sort(times.begin(), times.end());
        fmt::print("gap fill 10 alerts: median {:.0f} µs, p99 {:.0f} µs\n", times[times.size() / 2],
                   times[times.size() * 99 / 100]);

        // The team at work: claims and releases of alerts across the journal,
        // each one transaction with its update numbered and stored.
        {
            std::vector<std::string> ids;
            sql::Database db(dir / "state.db", sql::Database::Mode::read_only);
            sql::Statement q(db, "SELECT alert_id FROM alerts ORDER BY seq");
            while (q.step())
                ids.push_back(q.text(0));
            const std::size_t steps = std::min<std::size_t>(2000, ids.size() * 2);
            start = Clock::now();
            for (std::size_t i = 0; i < steps; ++i) {
                WorkflowRequest r;
                r.op = i % 2 ? "release" : "claim";
                r.alert = ids[(i / 2) * (ids.size() / (steps / 2 + 1)) % ids.size()];
                if (!journal.workflow(r, "anna", {"all"}).error.empty())
                    throw std::runtime_error("workflow step refused");
            }
            const double took = since(start);
            journal.mark_published(journal.unpublished(steps));
            fmt::print("workflow {} claims and releases: {:.2f} s ({:.0f} µs each)\n", steps, took,
                       took / static_cast<double>(steps) * 1e6);
        }

        // Retention: everything is old.
        {
            sql::Database db(dir / "state.db");
            db.exec("UPDATE seen SET first_seen = 0; UPDATE deliveries SET created = 0; "
                    "DELETE FROM current");
        }
        start = Clock::now();
        const auto purged = journal.purge(std::chrono::hours(1), {"wijk"});
        fmt::print("purge    {} alerts and {} seen ids: {:.2f} s\n", purged.alerts, purged.seen,
                   since(start));
    }
    std::filesystem::remove_all(dir);
    return 0;
}
