// Black-box tests: the real wijkwachtd against a loopback feed server and a
// real ZeroMQ subscriber, with its real SQLite journal on disk.

#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <mutex>
#include <optional>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s; // generous bound for slow CI machines; events end waits early

std::string rss(bool with_burglary) {
    std::string items =
        "<item><guid>https://wijk.example/1</guid><title>Koffie met de wijkagent</title>"
        "<description>Woensdag in het buurthuis, kom gerust langs!</description></item>";
    if (with_burglary)
        items = "<item><guid>https://wijk.example/2</guid><title>Inbraak Lindenstraat</title>"
                "<link>https://wijk.example/nieuws/2</link>"
                "<description>&lt;p&gt;Vannacht is er ingebroken bij een "
                "woning.&lt;/p&gt;</description>"
                "<enclosure url=\"https://wijk.example/cam.mp4\" type=\"video/mp4\"/></item>" +
                items;
    return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wijk</title>" + items +
           "</channel></rss>";
}

constexpr std::string_view k_rules = R"(
[[rule]]
id = "inbraak"
title = "Inbraak"
category = "crime.burglary"
severity = "high"
query = '(inbraak OR ingebroken OR *inbraak*) -preventie'
)";

struct Fixture {
    TempDir dir;
    std::atomic<bool> burglary{false};
    std::atomic<bool> healed{false};
    // The other two sources break when the burglary appears (so the
    // subscriber is live to see them fail) and heal when told.
    HttpServer server{[this](const Request& r) {
        if (r.target == "/wijk.xml")
            return Reply{200, {{"Content-Type", "application/rss+xml"}}, rss(burglary)};
        if (!burglary || healed)
            return Reply{200, {{"Content-Type", "application/rss+xml"}}, rss(false)};
        if (r.target == "/broken.xml")
            return Reply{500, {}, "internal error"};
        return Reply{200, {{"Content-Type", "application/rss+xml"}}, "<rss><channel><item>garbage"};
    }};
    std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    std::filesystem::path config = dir.path() / "wijkwacht.toml";
    std::filesystem::path log = dir.path() / "daemon.log";

    Fixture() {
        write_text(dir.path() / "rules.toml", std::string(k_rules));
        write_text(config, fmt::format(R"toml(
[daemon]
state_dir = "state"
rules = ["rules.toml"]
user_agent = "wijkwacht-test/1 (+mailto:ops@example.org)"

[publish]
endpoint = "{}"
heartbeat = "200ms"

[[source]]
name = "wijk"
type = "feed"
url = "{}"
interval = "300ms"
tags = {{ region = "centrum" }}

[[source]]
name = "broken"
type = "feed"
url = "{}"
interval = "300ms"

[[source]]
name = "garbage"
type = "feed"
url = "{}"
interval = "300ms"
)toml",
                                       endpoint, server.url("/wijk.xml"), server.url("/broken.xml"),
                                       server.url("/garbage.xml")));
    }

    std::unique_ptr<Process> start_daemon(NotifySocket& notify,
                                          std::vector<std::string> extra = {}) {
        return start_wijkwachtd(config, log, {{"NOTIFY_SOCKET", notify.path().string()}},
                                std::move(extra));
    }
};

// Now as RFC 3339 UTC, comparable as a string with the daemon's timestamps.
std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

bool is_heartbeat_of(const Message& m, std::string_view stream) {
    return m.type() == "heartbeat" && m.stream == stream;
}

} // namespace

TEST_CASE("a burglary post becomes exactly one alert, once, across polls and restarts") {
    Fixture f;
    Subscriber sub(f.endpoint);
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));

    // The subscription is live once a heartbeat arrives.
    const auto first = sub.until([](const Message& m) { return is_heartbeat_of(m, "all"); });
    REQUIRE(first);
    CHECK((*first).stream_seq() == 0);
    const std::string epoch = (*first).json["epoch"].GetString();
    CHECK(epoch.size() == 32);

    // A harmless post produces no alert.
    REQUIRE(f.server.wait_for_requests(2, "/wijk.xml", k_wait));
    f.burglary = true;

    const auto alert = sub.until([](const Message& m) { return m.type() == "alert"; });
    REQUIRE(alert);
    const auto& a = alert->json;
    CHECK(alert->stream == "all");
    CHECK(a["stream"].GetString() == std::string("all"));
    CHECK(a["stream_seq"].GetInt64() == 1);
    CHECK(a["seq"].GetInt64() == 1);
    CHECK(a["epoch"].GetString() == epoch);
    CHECK(a["severity"].GetString() == std::string("high"));
    REQUIRE(a["categories"].Size() == 1);
    CHECK(a["categories"][0].GetString() == std::string("crime.burglary"));
    CHECK(a["id"].GetStringLength() == 32);
    const auto& post = a["post"];
    CHECK(post["source"].GetString() == std::string("wijk"));
    CHECK(post["platform"].GetString() == std::string("feed"));
    CHECK(post["id"].GetString() == std::string("https://wijk.example/2"));
    CHECK(post["url"].GetString() == std::string("https://wijk.example/nieuws/2"));
    const std::string text = post["text"].GetString();
    CHECK(text == "Inbraak Lindenstraat\nVannacht is er ingebroken bij een woning.");
    CHECK(post["tags"]["region"].GetString() == std::string("centrum"));
    CHECK(post["media"][0]["kind"].GetString() == std::string("video"));
    const auto& match = a["matches"][0];
    CHECK(match["rule"].GetString() == std::string("inbraak"));
    REQUIRE(match["spans"].Size() == 2);
    const auto span = [&](unsigned i) {
        const auto b = match["spans"][i][0].GetUint64(), e = match["spans"][i][1].GetUint64();
        return text.substr(b, e - b);
    };
    CHECK(span(0) == "Inbraak");
    CHECK(span(1) == "ingebroken");

    // Two more complete polls, then a heartbeat: still one alert.
    const auto polled = f.server.requests("/wijk.xml");
    REQUIRE(f.server.wait_for_requests(polled + 2, "/wijk.xml", k_wait));
    const auto after = sub.until([](const Message& m) { return is_heartbeat_of(m, "all"); });
    REQUIRE(after);
    CHECK(after->stream_seq() == 1);
    CHECK(sub.alerts.size() == 1);

    const auto reported = [&](std::string_view source, std::string_view state) {
        const std::string needle = fmt::format("\"source\":\"{}\",\"state\":\"{}\"", source, state);
        return std::any_of(sub.health.begin(), sub.health.end(), [&](const std::string& h) {
            return h.find(needle) != std::string::npos;
        });
    };
    // Broken sources are reported on the ops stream and logged with the
    // reason, and did not stop the good one.
    CHECK(sub.until([&](const Message&) { return reported("broken", "failing"); }));
    CHECK(sub.until([&](const Message&) { return reported("garbage", "failing"); }));
    CHECK_FALSE(reported("wijk", "failing"));
    const auto log = read_text(f.log);
    CHECK(log.find("[source:broken] poll failed (transient): " + f.server.url("/broken.xml") +
                   ": HTTP 500 Internal Server Error") != std::string::npos);
    CHECK(log.find("[source:garbage] poll failed (permanent): " + f.server.url("/garbage.xml") +
                   ": not well-formed XML at 1:") != std::string::npos);

    // When the servers heal, staff hear so on the ops stream.
    f.healed = true;
    CHECK(sub.until([&](const Message&) { return reported("broken", "recovered"); }));
    CHECK(sub.until([&](const Message&) { return reported("garbage", "recovered"); }));

    daemon->signal(SIGTERM);
    CHECK(daemon->wait(10s) == 0);

    // A restart on the same journal: same epoch, no duplicate.
    const std::string restarted_at = utc_now();
    auto again = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    const auto before = f.server.requests("/wijk.xml");
    REQUIRE(f.server.wait_for_requests(before + 2, "/wijk.xml", k_wait));
    const auto hb = sub.until([&](const Message& m) {
        return is_heartbeat_of(m, "all") && std::string(m.json["at"].GetString()) >= restarted_at;
    });
    REQUIRE(hb);
    CHECK(hb->json["epoch"].GetString() == epoch);
    CHECK(hb->stream_seq() == 1);
    CHECK(sub.alerts.size() == 1);
    again->signal(SIGTERM);
    CHECK(again->wait(10s) == 0);
}

TEST_CASE("--check reports config errors with file and line and exits 2") {
    TempDir dir;
    const auto config = dir.path() / "bad.toml";
    write_text(config, "[daemon]\nstate_dri = \"x\"\n");
    const auto out = dir.path() / "out.log";
    Process p({WIJKWACHTD_PATH, "--config", config.string(), "--check"}, {}, out);
    CHECK(p.wait(k_wait) == 2);
    CHECK(read_text(out).find(config.string() + ":2: daemon.state_dri: unknown key") !=
          std::string::npos);
}

TEST_CASE("bad rule files stop start-up with file:line:col and exit 2") {
    TempDir dir;
    write_text(dir.path() / "rules.toml",
               "[[rule]]\nid = \"x\"\ncategory = \"crime.x\"\nquery = 'a AND b OR c'\n");
    write_text(dir.path() / "w.toml",
               "[daemon]\nrules = [\"rules.toml\"]\nstate_dir = \"state\"\n");
    const auto out = dir.path() / "out.log";
    Process p({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string()}, {}, out);
    CHECK(p.wait(k_wait) == 2);
    CHECK(read_text(out).find((dir.path() / "rules.toml").string() +
                              ":4:18: rule \"x\": AND and OR are mixed") != std::string::npos);
}

TEST_CASE("--once polls every source once, journals, and exits 0") {
    Fixture f;
    f.burglary = true;
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify, {"--once"});
    REQUIRE(daemon->wait(k_wait) == 0);
    CHECK(f.server.requests("/wijk.xml") == 1);
    CHECK(f.server.requests("/broken.xml") == 1);
    const auto log = read_text(f.log);
    CHECK(log.find("[source:wijk] 2 post(s), 2 new, 1 alert(s)") != std::string::npos);
    CHECK(log.find("stopping (every source polled once)") != std::string::npos);
}

TEST_CASE("wijkwacht tail shows alerts as JSON and readably") {
    Fixture f;
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    Process json({WIJKWACHT_PATH, "tail", "--json", "--heartbeats", "--count", "1", "--endpoint",
                  f.endpoint, "all"},
                 {}, "");
    Process human({WIJKWACHT_PATH, "tail", "--heartbeats", "--count", "1", "--config",
                   f.config.string(), "centrum", "all"},
                  {{"NO_COLOR", "1"}}, "");
    // Both are subscribed once they print a heartbeat.
    const auto first = json.read_line(k_wait);
    REQUIRE(first);
    CHECK(first->find("\"type\":\"heartbeat\"") != std::string::npos);
    const auto hb = human.read_line(k_wait);
    REQUIRE(hb);
    CHECK(hb->starts_with("[all] heartbeat #0"));

    f.burglary = true;
    std::optional<std::string> line;
    while ((line = json.read_line(k_wait)) &&
           line->find("\"type\":\"alert\"") == std::string::npos) {
    }
    REQUIRE(line);
    CHECK(line->find("\"rule\":\"inbraak\"") != std::string::npos);
    CHECK(json.wait(k_wait) == 0); // --count 1

    std::string screen;
    while ((line = human.read_line(k_wait)))
        if (line->find("heartbeat") == std::string::npos)
            screen += *line + "\n";
    CHECK(human.wait(k_wait) == 0);
    CHECK(screen.find("HIGH     crime.burglary  [all #1]") != std::string::npos);
    CHECK(screen.find("  wijk · Wijk") != std::string::npos);
    CHECK(screen.find("  [Inbraak] Lindenstraat\n  Vannacht is er [ingebroken] bij een woning.") !=
          std::string::npos);
    CHECK(screen.find("  https://wijk.example/nieuws/2\n") != std::string::npos);
    CHECK(screen.find("  video: https://wijk.example/cam.mp4\n") != std::string::npos);
    CHECK(screen.find("  rules: inbraak (inbraak, ingebroken, *inbraak*)\n") != std::string::npos);
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(10s) == 0);
}

TEST_CASE("conditional GET: validators are stored, sent, and a 304 changes nothing") {
    TempDir dir;
    std::atomic<int> not_modified{0};
    std::vector<std::string> seen_validators;
    std::mutex mutex;
    HttpServer server([&](const Request& r) {
        const std::lock_guard lock(mutex);
        seen_validators.push_back(r.header("if-none-match") + "|" + r.header("if-modified-since"));
        if (r.header("if-none-match") == "\"v1\"") {
            ++not_modified;
            return Reply{304, {{"ETag", "\"v1\""}}, ""};
        }
        return Reply{200,
                     {{"ETag", "\"v1\""}, {"Last-Modified", "Sun, 29 Nov 2026 09:00:00 GMT"}},
                     rss(true)};
    });
    write_text(dir.path() / "rules.toml", std::string(k_rules));
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "[publish]\nendpoint = \"ipc://{}\"\n"
                           "[[source]]\nname = \"wijk\"\ntype = \"feed\"\nurl = \"{}\"\n",
                           (dir.path() / "pub.sock").string(), server.url("/wijk.xml")));
    const auto log = dir.path() / "log";
    for (int run = 0; run < 2; ++run) {
        Process p({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string(), "--once",
                   "--log-level", "debug"},
                  {}, log);
        REQUIRE(p.wait(k_wait) == 0);
    }
    const std::lock_guard lock(mutex);
    REQUIRE(seen_validators.size() == 2);
    CHECK(seen_validators[0] == "|");
    CHECK(seen_validators[1] == "\"v1\"|Sun, 29 Nov 2026 09:00:00 GMT");
    CHECK(not_modified == 1);
    CHECK(read_text(log).find("[source:wijk] not modified") != std::string::npos);
}

TEST_CASE("SIGHUP reloads; a bad new config is rejected and the old one keeps running") {
    Fixture f;
    Subscriber sub(f.endpoint);
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    const std::string good = read_text(f.config);

    std::string bad = good;
    bad.replace(bad.find("interval ="), 8, "intervall");
    write_text(f.config, bad);
    daemon->signal(SIGHUP);
    REQUIRE(notify.wait_for("RELOADING=1", k_wait));
    REQUIRE(notify.wait_for("READY=1", k_wait));
    auto log = read_text(f.log);
    CHECK(log.find("source.intervall: unknown key") != std::string::npos);
    CHECK(log.find("reload rejected; the previous configuration keeps running") !=
          std::string::npos);

    // Still polling and publishing under the old configuration.
    const auto polled = f.server.requests("/wijk.xml");
    REQUIRE(f.server.wait_for_requests(polled + 1, "/wijk.xml", k_wait));
    CHECK(sub.until([](const Message& m) { return is_heartbeat_of(m, "all"); }));

    // A good change (a new stream, one source fewer) takes effect.
    std::string changed = good.substr(0, good.find("[[source]]\nname = \"garbage\""));
    changed += "[[stream]]\nname = \"centrum\"\nmatch_tags = { region = \"centrum\" }\n";
    write_text(f.config, changed);
    daemon->signal(SIGHUP);
    REQUIRE(notify.wait_for("RELOADING=1", k_wait));
    REQUIRE(notify.wait_for("READY=1", k_wait));
    log = read_text(f.log);
    CHECK(log.find("reloaded: 2 source(s), 2 stream(s), 1 rule(s)") != std::string::npos);
    CHECK(sub.until([](const Message& m) { return is_heartbeat_of(m, "centrum"); }));

    f.burglary = true;
    const auto alert =
        sub.until([](const Message& m) { return m.type() == "alert" && m.stream == "centrum"; });
    REQUIRE(alert);
    CHECK(alert->stream_seq() == 1);
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(10s) == 0);
}

TEST_CASE("the status line tells the truth: failing sources, alerts of the last hour, recovery") {
    Fixture f;
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    CHECK(notify.wait_for("STATUS=3 source(s), 0 failing; no alert yet; 1 rule(s)", k_wait));
    // A burglary, and two sources break at the same moment.
    f.burglary = true;
    CHECK(notify.wait_for("STATUS=3 source(s), 2 failing; 1 alert(s) in the last hour, newest #1",
                          k_wait));
    f.healed = true;
    CHECK(notify.wait_for("STATUS=3 source(s), 0 failing; 1 alert(s) in the last hour, newest #1",
                          k_wait));
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(k_wait) == 0);
}

TEST_CASE("wijkwacht backup copies the journal while the daemon runs; a copy restores it") {
    Fixture f;
    Subscriber sub(f.endpoint);
    NotifySocket notify(f.dir.path() / "notify.sock");
    auto daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    // Subscribed once a heartbeat arrives; then the burglary.
    REQUIRE(sub.until([](const Message& m) { return is_heartbeat_of(m, "all"); }));
    f.burglary = true;
    REQUIRE(sub.until([](const Message& m) { return m.type() == "alert"; }));

    const auto copy = f.dir.path() / "backup.db";
    auto r = run_tool(f.dir, {"backup", "--config", f.config.string(), copy.string()});
    CHECK(r.status == 0);
    CHECK(r.output.find(copy.string() + ": 1 alert(s), epoch ") != std::string::npos);
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, nullptr);
        REQUIRE(sqlite3_step(q) == SQLITE_ROW);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))) == "ok");
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    // Never over an existing file; a state directory without a journal is named.
    r = run_tool(f.dir, {"backup", "--config", f.config.string(), copy.string()});
    CHECK(r.status == 1);
    CHECK(r.output.find("exists already") != std::string::npos);
    r = run_tool(f.dir, {"backup", "--state-dir", f.dir.path().string(), "x.db"});
    CHECK(r.status == 1);
    CHECK(r.output.find("no journal here") != std::string::npos);

    // Restore: stopped, the copy in place, started: the same epoch and the
    // alert is not flagged again.
    daemon->signal(SIGTERM);
    REQUIRE(daemon->wait(k_wait) == 0);
    const auto state = f.dir.path() / "state";
    for (const auto* name : {"state.db", "state.db-wal", "state.db-shm"})
        std::filesystem::remove(state / name);
    std::filesystem::copy_file(copy, state / "state.db");
    Subscriber again(f.endpoint);
    daemon = f.start_daemon(notify);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    const auto beat = again.until([](const Message& m) { return is_heartbeat_of(m, "all"); });
    REQUIRE(beat);
    CHECK(beat->stream_seq() == 1);
    const auto polled = f.server.requests("/wijk.xml");
    REQUIRE(f.server.wait_for_requests(polled + 2, "/wijk.xml", k_wait));
    CHECK(again.alerts.empty());
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(k_wait) == 0);
}
