// Black-box tests of the team workflow (SPEC §5): the real wijkwachtd and
// the real `wijkwacht claim|ack|note|escalate|…`, `tail` and `replay`.

#include "tests/integration/curve_daemon.hpp"
#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s;

std::string text_of(const Message& m, const char* key) {
    const auto it = m.json.FindMember(key);
    return it != m.json.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// The next alert_update on `stream` with this op.
Message update(Subscriber& sub, const std::string& stream, const std::string& op) {
    auto found = sub.until([&](const Message& m) {
        return m.type() == "alert_update" && m.stream == stream && text_of(m, "op") == op;
    });
    REQUIRE_MESSAGE(found, "no " << op << " update on " << stream);
    return std::move(*found);
}

} // namespace

TEST_CASE("two staff race for a claim; updates are numbered, escalated, and survive a restart") {
    CurveDaemon d({"alice", "bob"}, "[[stream]]\nname = \"recherche\"\ncategories = "
                                    "[\"footage.*\"]\n");
    d.start();
    const auto keyed = [&](const std::string& who, std::vector<std::string> args) {
        const auto keys = d.tool_keys(who);
        args.insert(args.end(), keys.begin(), keys.end());
        return args;
    };
    // The alert may be out before this subscriber is: a heartbeat says
    // when the stream holds it, and replay hands it over.
    auto sub = std::make_unique<Subscriber>(d.endpoint, d.keys_of("alice"));
    REQUIRE(sub->until([](const Message& m) {
        return m.type() == "heartbeat" && m.stream == "all" && m.stream_seq() >= 1;
    }));
    const auto stored = run_tool(
        d.dir, keyed("alice", {"replay", "--endpoint", d.replay, "--stream", "all", "--json"}));
    REQUIRE(stored.status == 0);
    const auto found = stored.output.find("\"id\":\"");
    REQUIRE(found != std::string::npos);
    const std::string id = stored.output.substr(found + 6, 32);
    const std::int64_t alert_seq = 1;
    const auto as = [&](const std::string& who, std::vector<std::string> args) {
        args.insert(args.end(), {"--workflow-endpoint", d.workflow});
        return keyed(who, args);
    };

    // Both claim at once: one wins, the other is told who.
    std::vector<std::string> claim_a = as("alice", {WIJKWACHT_PATH, "claim", id.substr(0, 8)});
    std::vector<std::string> claim_b = as("bob", {WIJKWACHT_PATH, "claim", id.substr(0, 8)});
    Process a(claim_a, {{"NO_COLOR", "1"}}, d.dir.path() / "a.txt");
    Process b(claim_b, {{"NO_COLOR", "1"}}, d.dir.path() / "b.txt");
    const auto status_a = a.wait(k_wait), status_b = b.wait(k_wait);
    REQUIRE(status_a);
    REQUIRE(status_b);
    CHECK(*status_a + *status_b == 1);
    const std::string winner = *status_a == 0 ? "alice" : "bob";
    const std::string loser = *status_a == 0 ? "bob" : "alice";
    const auto lost = read_text(d.dir.path() / (loser == "alice" ? "a.txt" : "b.txt"));
    CHECK(lost.find("claimed by " + winner + " since") != std::string::npos);
    CHECK(lost.find("(--force)") != std::string::npos);
    CHECK(read_text(d.dir.path() / (winner == "alice" ? "a.txt" : "b.txt"))
              .find(id.substr(0, 12) + ": claimed by " + winner) != std::string::npos);

    // The claim is published with the next number of the stream, by the
    // key's name.
    auto claimed = update(*sub, "all", "claim");
    CHECK(claimed.stream_seq() == alert_seq + 1);
    CHECK(text_of(claimed, "by") == winner);
    CHECK(text_of(claimed, "alert") == id);
    CHECK(text_of(claimed, "state") == "claimed");

    // Anyone may add a note; nobody may name themselves with CURVE on; an
    // unknown key is refused.
    auto r = run_tool(d.dir, as(loser, {"note", id, "--note", "I know the street"}));
    CHECK(r.status == 0);
    CHECK(text_of(update(*sub, "all", "note"), "by") == loser);
    r = run_tool(d.dir, as(loser, {"claim", id, "--as", winner}));
    CHECK(r.status == 2);
    CHECK(r.output.find("--as is for daemons without CURVE") != std::string::npos);
    r = run_tool(d.dir, as("mallory", {"claim", id}));
    CHECK(r.status == 1);
    CHECK(r.output.find("refused your key") != std::string::npos);
    r = run_tool(d.dir, as(winner, {"ack", id}));
    CHECK(r.status == 0);
    update(*sub, "all", "ack");

    // A restart keeps the states.
    sub.reset();
    d.stop();
    d.start();
    sub = std::make_unique<Subscriber>(d.endpoint, d.keys_of("alice"));
    REQUIRE(sub->until([](const Message& m) { return m.type() == "heartbeat"; }));
    r = run_tool(d.dir, as(loser, {"claim", id}));
    CHECK(r.status == 1);
    CHECK(r.output.find("acknowledged by " + winner) != std::string::npos);
    r = run_tool(d.dir, keyed(loser, {"replay", "--endpoint", d.replay, "--stream", "all", "--json",
                                      "--states"}));
    REQUIRE(r.status == 0);
    CHECK(r.output.find("\"state\":\"acknowledged\",\"owner\":\"" + winner + "\"") !=
          std::string::npos);

    // Escalated: the alert appears on the target stream, then the update,
    // which also goes to the stream it came from.
    r = run_tool(d.dir, as(winner, {"escalate", id, "--to", "recherche", "--note",
                                    "same man as last week"}));
    CHECK(r.status == 0);
    // Streams are numbered (and published) each on its own: collect all three.
    std::optional<Message> moved, escalated, escalated_all;
    const auto deadline = std::chrono::steady_clock::now() + k_wait;
    while (!moved || !escalated || !escalated_all) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        auto m = sub->next(k_wait);
        REQUIRE(m);
        if (m->type() == "alert" && m->stream == "recherche")
            moved = std::move(m);
        else if (m->type() == "alert_update" && text_of(*m, "op") == "escalate")
            (m->stream == "recherche" ? escalated : escalated_all) = std::move(m);
    }
    CHECK(text_of(*moved, "id") == id);
    CHECK(moved->stream_seq() == 1);
    CHECK(escalated->stream_seq() == 2);
    CHECK(text_of(*escalated, "note") == "same man as last week");
    CHECK(escalated_all->stream_seq() == alert_seq + 4);

    // Every step is on record by key name; the notes' text is not.
    CHECK(wait_for_text(d.log,
                        "[audit] workflow key=" + winner + " op=claim alert=" + id +
                            " result=accepted state=claimed",
                        k_wait));
    CHECK(wait_for_text(
        d.log, "[audit] workflow key=" + loser + " op=claim alert=" + id + " result=refused",
        k_wait));
    CHECK(wait_for_text(d.log, "[audit] workflow key=" + loser + " op=note", k_wait));
    CHECK(read_text(d.log).find("I know the street") == std::string::npos);
    CHECK(read_text(d.log).find("same man as last week") == std::string::npos);

    // tail shows the history inline, in order, from the journal.
    r = run_tool(d.dir, keyed(loser, {"tail", "--endpoint", d.endpoint, "--replay-endpoint",
                                      d.replay, "--since-seq", "0", "-n", "5", "all"}));
    CHECK(r.status == 0);
    const auto at = [&](const std::string& text) {
        return r.output.find(text);
    };
    REQUIRE(at("[all #1] " + id.substr(0, 12)) != std::string::npos);
    CHECK(at(id.substr(0, 12) + " claimed by " + winner) > at("[all #1]"));
    CHECK(at("note by " + loser) > at("claimed by"));
    CHECK(at("\n    I know the street") > at("note by"));
    CHECK(at("acknowledged by " + winner) > at("note by"));
    CHECK(at("escalated to recherche by " + winner) > at("acknowledged by"));
}

TEST_CASE(
    "a 0.1.0 journal is upgraded at start; without CURVE staff name themselves; claims expire") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "state");
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((dir.path() / "state" / "state.db").c_str(), &db) == SQLITE_OK);
        const std::string dump = read_file(fixture("journal/v0.1.0.sql")) +
                                 "UPDATE deliveries SET created = strftime('%s','now');";
        CHECK(sqlite3_exec(db, dump.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    const std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    write_burglary_rule(dir.path() / "rules.toml");
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "[publish]\nendpoint = \"{}\"\nheartbeat = \"200ms\"\n"
                           "claim_timeout = \"1s\"\n",
                           endpoint));
    NotifySocket notify(dir.path() / "notify.sock");
    const auto log = dir.path() / "daemon.log";
    auto daemon =
        start_wijkwachtd(dir.path() / "w.toml", log, {{"NOTIFY_SOCKET", notify.path().string()}});
    REQUIRE(notify.wait_for("READY=1", k_wait));
    CHECK(read_text(log).find("from schema 1 to 3") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path() / "state" / "state.db.schema-1.bak"));
    Subscriber sub(endpoint);
    REQUIRE(sub.until([](const Message& m) { return m.type() == "heartbeat"; }));

    // The old alerts are all there, and the workflow works on them.
    auto r = run_tool(dir, {"replay", "--endpoint", endpoint + ".replay", "--stream", "all",
                            "--json", "--states"});
    REQUIRE(r.status == 0);
    const auto first = r.output.find("\"id\":\"");
    REQUIRE(first != std::string::npos);
    const std::string id = r.output.substr(first + 6, 32);
    CHECK(r.output.find("\"stream_seq\":10") != std::string::npos);
    CHECK(r.output.find("\"state\":\"new\"") != std::string::npos);
    const std::vector<std::string> to{"--endpoint", endpoint};
    const auto run_as = [&](std::vector<std::string> args) {
        args.insert(args.end(), to.begin(), to.end());
        return run_tool(dir, args);
    };
    r = run_as({"claim", id, "--as", "anna"});
    CHECK_MESSAGE(r.status == 0, r.output);
    CHECK(r.output.find("claimed by anna") != std::string::npos);
    const auto claimed = update(sub, "all", "claim");
    CHECK(claimed.stream_seq() == 11); // the numbering of 0.1.0 goes on
    CHECK(text_of(claimed, "by") == "anna");

    // Untouched for claim_timeout, the claim goes back to new for anyone.
    const auto expired = update(sub, "all", "expire");
    CHECK(text_of(expired, "by") == "wijkwacht");
    CHECK(text_of(expired, "state") == "new");
    r = run_as({"claim", id, "--as", "bert"});
    CHECK(r.status == 0);

    // Bad requests are refused with what to do instead.
    r = run_as({"claim", "xyz", "--as", "anna"});
    CHECK(r.status == 1);
    CHECK(r.output.find("\"alert\" must be an alert id") != std::string::npos);
    r = run_as({"reopen", id});
    CHECK(r.status == 1);
    CHECK(r.output.find("not resolved") != std::string::npos);
    r = run_as({"escalate", id});
    CHECK(r.status == 2); // --to is required
    r = run_tool(dir, {"claim", id, "--workflow-endpoint",
                       "ipc://" + (dir.path() / "none").string(), "--timeout", "300"});
    CHECK(r.status == 1);
    CHECK(r.output.find("is this its publish.workflow_endpoint") != std::string::npos);
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(10s) == 0);
}
