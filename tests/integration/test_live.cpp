// Black-box tests of live listening: the real wijkwachtd connected to a
// loopback Jetstream (a real websocket server), a loopback AppView for
// handles, and a real ZeroMQ subscriber.

#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/jetstream_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zstd_dict.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <thread>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s; // generous bound for slow CI machines; events end waits early
// Jetstream stamps events with its clock: now, in µs, never the same twice.
std::int64_t now_us() {
    static std::int64_t last = 0;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    last = std::max(now, last + 1);
    return last;
}
constexpr std::string_view k_officer = "did:plc:wijkagent";

std::string post_event(std::string_view did, std::int64_t time_us, std::string_view rkey,
                       std::string_view text, std::string_view extra = "") {
    return fmt::format(
        R"({{"did":"{}","time_us":{},"kind":"commit","commit":{{"rev":"3mrev{}","operation":"create",)"
        R"("collection":"app.bsky.feed.post","rkey":"{}","record":{{"$type":"app.bsky.feed.post",)"
        R"("createdAt":"2026-11-29T09:58:00.000Z","langs":["nl"],"text":"{}"{}}},"cid":"bafyrei{}"}}}})",
        did, time_us, rkey, rkey, text, extra, rkey);
}

std::string reply_to_officer(std::string_view parent_rkey) {
    return fmt::format(
        R"(,"reply":{{"parent":{{"cid":"c","uri":"at://{0}/app.bsky.feed.post/{1}"}},)"
        R"("root":{{"cid":"c","uri":"at://{0}/app.bsky.feed.post/{1}"}}}})",
        k_officer, parent_rkey);
}

struct Live {
    TempDir dir;
    JetstreamServer jetstream;
    HttpServer appview{[](const Request& r) {
        if (r.target == "/xrpc/com.atproto.identity.resolveHandle?handle=wijkagent.example")
            return Reply{
                200, {{"Content-Type", "application/json"}}, R"({"did":"did:plc:wijkagent"})"};
        return Reply{400,
                     {{"Content-Type", "application/json"}},
                     R"({"error":"InvalidRequest","message":"Unable to resolve handle"})"};
    }};
    std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    std::filesystem::path config = dir.path() / "wijkwacht.toml";
    std::filesystem::path log = dir.path() / "daemon.log";

    explicit Live(std::string_view extra = "",
                  std::string_view follow = R"(["wijkagent.example"])") {
        write_text(dir.path() / "rules.toml", R"(
[[rule]]
id = "misdrijf"
category = "crime.burglary"
severity = "high"
query = 'inbraak OR gestolen OR deurbelcamera OR plofkraak'
)");
        write_text(config, fmt::format(R"toml(
[daemon]
state_dir = "state"
rules = ["rules.toml"]
user_agent = "wijkwacht-test/1 (+mailto:ops@example.org)"

[publish]
endpoint = "{}"
heartbeat = "200ms"

[[source]]
name = "bluesky-nl"
type = "jetstream"
endpoints = ["{}"]
appview = "{}"
follow = {}
replies_to = ["wijkagent.example"]
tags = {{ region = "centrum" }}
{}
)toml",
                                       endpoint, jetstream.url(), appview.url(""), follow, extra));
    }

    std::unique_ptr<Process> start_daemon() { return start_wijkwachtd(config, log); }

    bool logged(const std::string& text) const { return wait_for_text(log, text, k_wait); }
};

std::optional<Message> next_alert(Subscriber& sub) {
    return sub.until([](const Message& m) { return m.type() == "alert"; }, k_wait);
}

std::string text_of(const Message& alert) {
    return alert.json["post"]["text"].GetString();
}

void wait_subscribed(Subscriber& sub) {
    REQUIRE(sub.until([](const Message& m) { return m.type() == "heartbeat"; }, k_wait));
}

} // namespace

TEST_CASE("jetstream: posts of followed accounts, replies to them and mentions of them become "
          "alerts; the rest of the network does not") {
    Live f;
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    const auto first = f.jetstream.connections().at(0);
    CHECK(first.target == "/subscribe?wantedCollections=app.bsky.feed.post&requireHello=true");
    CHECK(first.user_agent == "wijkwacht-test/1 (+mailto:ops@example.org)");
    // replies_to needs the whole network: no author filter on the server.
    CHECK(first.hello == R"({"type":"options_update","payload":{"wantedCollections":)"
                         R"(["app.bsky.feed.post"],"wantedDids":[]}})");
    wait_subscribed(sub);

    f.jetstream.publish(post_event(k_officer, now_us(), "3kinbraak",
                                   "Inbraak aan de Lindenstraat. Wie heeft iets gezien?"));
    f.jetstream.publish(post_event("did:plc:stranger", now_us(), "3kplof",
                                   "Weer een plofkraak in het dorp")); // nobody we listen to
    f.jetstream.publish(post_event("did:plc:burger", now_us(), "3kantwoord",
                                   "Ik heb hem op mijn deurbelcamera",
                                   reply_to_officer("3kinbraak")));
    f.jetstream.publish(post_event(
        "did:plc:citizen", now_us(), "3kmention", "@wijkagent.example fiets gestolen",
        R"(,"facets":[{"features":[{"$type":"app.bsky.richtext.facet#mention","did":"did:plc:wijkagent"}],"index":{"byteStart":0,"byteEnd":18}}])"));

    const auto a1 = next_alert(sub);
    REQUIRE(a1);
    CHECK(text_of(*a1) == "Inbraak aan de Lindenstraat. Wie heeft iets gezien?");
    const auto& post = a1->json["post"];
    CHECK(post["source"].GetString() == std::string("bluesky-nl"));
    CHECK(post["platform"].GetString() == std::string("bluesky"));
    CHECK(post["id"].GetString() ==
          std::string("at://did:plc:wijkagent/app.bsky.feed.post/3kinbraak"));
    CHECK(post["author"]["handle"].GetString() == std::string("wijkagent.example")); // resolved
    CHECK(post["tags"]["region"].GetString() == std::string("centrum"));

    const auto a2 = next_alert(sub);
    REQUIRE(a2);
    CHECK(text_of(*a2) == "Ik heb hem op mijn deurbelcamera"); // the plofkraak was not taken
    CHECK(a2->json["post"]["reply_to"]["author"]["handle"].GetString() ==
          std::string("wijkagent.example"));
    const auto a3 = next_alert(sub);
    REQUIRE(a3);
    CHECK(text_of(*a3) == "@wijkagent.example fiets gestolen");
    // The reply joined the incident of the post it answers: its
    // incident_update took stream_seq 3.
    CHECK(std::string(a2->json["incident"].GetString()) == a1->json["incident"].GetString());
    CHECK(a3->json["stream_seq"].GetInt64() == 4);
    CHECK(f.logged("wijkagent.example is did:plc:wijkagent"));
}

TEST_CASE("jetstream: a dropped connection resumes at the cursor minus a margin and repeats "
          "nothing") {
    Live f;
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    wait_subscribed(sub);
    const auto first = now_us();
    f.jetstream.publish(post_event(k_officer, first, "3ka", "Inbraak één"));
    REQUIRE(next_alert(sub));

    f.jetstream.drop(); // like Jetstream's slow-consumer cut: no close frame
    REQUIRE(f.jetstream.wait_for(2, k_wait));
    // The server replays from the cursor (inclusive): "Inbraak één" again.
    CHECK(f.jetstream.connections().at(1).target ==
          fmt::format("/subscribe?wantedCollections=app.bsky.feed.post&requireHello=true"
                      "&cursor={}",
                      first - 5'000'000));
    f.jetstream.publish(post_event(k_officer, now_us(), "3kb", "Inbraak twee"));
    const auto next = next_alert(sub);
    REQUIRE(next);
    CHECK(text_of(*next) == "Inbraak twee"); // not a repeat of the first
    CHECK(next->json["stream_seq"].GetInt64() == 2);
    CHECK(f.logged("[source:bluesky-nl] ws://"));
}

TEST_CASE("jetstream: kill -9 and a restart lose nothing and repeat nothing") {
    Live f;
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    wait_subscribed(sub);
    const auto killed_at = now_us();
    f.jetstream.publish(post_event(k_officer, killed_at, "3ka", "Inbraak voor de kill"));
    const auto before = next_alert(sub);
    REQUIRE(before); // journaled with its cursor, then published
    daemon->signal(SIGKILL);
    REQUIRE(daemon->wait(k_wait));
    // While it is down, the network goes on.
    f.jetstream.publish(post_event(k_officer, now_us(), "3kb", "Inbraak terwijl hij weg was"));
    f.jetstream.publish(post_event(k_officer, now_us(), "3kc", "Nog een inbraak"));

    daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(2, k_wait));
    const auto resumed = f.jetstream.connections().at(1).target;
    CHECK(resumed.find(fmt::format("&cursor={}", killed_at - 5'000'000)) != std::string::npos);
    // The new daemon may publish before the subscription reaches it: the
    // journal is the record. Every post once, in order, nothing twice.
    const auto deadline = std::chrono::steady_clock::now() + k_wait;
    std::string replayed;
    while (std::count(replayed.begin(), replayed.end(), '\n') < 3 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
        replayed =
            run_tool(f.dir, {"replay", "--config", f.config.string(), "--stream", "all", "--json"})
                .output;
    }
    REQUIRE(std::count(replayed.begin(), replayed.end(), '\n') == 3);
    const auto first = replayed.find("Inbraak voor de kill");
    const auto second = replayed.find("Inbraak terwijl hij weg was");
    const auto third = replayed.find("Nog een inbraak");
    CHECK(first < second);
    CHECK(second < third);
    CHECK(third != std::string::npos);
    CHECK(replayed.find("\"stream_seq\":3") != std::string::npos);
}

TEST_CASE("jetstream: zstd frames decode with the configured dictionary") {
    const TempDir keep;
    const auto dictionary = keep.path() / "jetstream.zdict";
    write_text(dictionary, event_dictionary());
    Live f(fmt::format("zstd_dictionary = \"{}\"", dictionary.string()));
    f.jetstream.compress_with(event_dictionary());
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    CHECK(f.jetstream.connections().at(0).target.find("&compress=true") != std::string::npos);
    wait_subscribed(sub);
    f.jetstream.publish(post_event(k_officer, now_us(), "3kz", "Inbraak, gecomprimeerd"));
    const auto alert = next_alert(sub);
    REQUIRE(alert);
    CHECK(text_of(*alert) == "Inbraak, gecomprimeerd");
    CHECK(f.logged(", zstd"));
}

TEST_CASE("jetstream: unreadable events are skipped and logged; the connection stays") {
    Live f;
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    wait_subscribed(sub);
    f.jetstream.send_raw("{\"did\":\"did:plc:x\",\"time_us\":");
    f.jetstream.send_raw(std::string(100000, '['));
    f.jetstream.send_raw(R"({"kind":"commit","commit":{"collection":"app.bsky.feed.post"}})");
    f.jetstream.publish(post_event(k_officer, now_us(), "3kok", "Inbraak na de rommel"));
    const auto alert = next_alert(sub);
    REQUIRE(alert);
    CHECK(text_of(*alert) == "Inbraak na de rommel");
    CHECK(f.logged("[source:bluesky-nl] skipped 1 event(s) that could not be read; the last: "
                   "event is not JSON: offset"));
    CHECK(f.jetstream.connections().size() == 1); // never reconnected

    // Invalid UTF-8 in a text frame breaks the websocket protocol: the
    // connection is dropped, and the next one resumes where this one was.
    f.jetstream.send_raw("{\"text\":\"\xFF\xFE\"}");
    f.jetstream.publish(post_event(k_officer, now_us(), "3kna", "Inbraak na de breuk"));
    const auto after = next_alert(sub);
    REQUIRE(after);
    CHECK(text_of(*after) == "Inbraak na de breuk");
    CHECK(f.jetstream.connections().size() == 2);
    CHECK(f.logged("payload was not valid utf8; reconnecting in"));
}

TEST_CASE("jetstream: a refused upgrade is logged with its status and retried; a handle that "
          "does not resolve is named") {
    Live f("", R"(["wijkagent.example", "nobody.example"])");
    f.jetstream.refuse(400, "invalid subscriber options: too many wanted DIDs");
    auto daemon = f.start_daemon();
    CHECK(f.logged("resolving the handle nobody.example: " + f.appview.url("/xrpc/")));
    CHECK(f.logged("HTTP 400 Status (the AppView does not know it: check the spelling, or give "
                   "the account's DID)"));
    // Fix the configuration: only the officer.
    write_text(f.config,
               read_text(f.config).replace(read_text(f.config).find(", \"nobody.example\""),
                                           std::string_view(", \"nobody.example\"").size(), ""));
    daemon->signal(SIGHUP);
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    CHECK(
        f.logged(": HTTP 400: invalid subscriber options: too many wanted DIDs; reconnecting in"));
    f.jetstream.refuse(0);
    Subscriber sub(f.endpoint);
    REQUIRE(f.jetstream.wait_for(2, k_wait + 10s)); // after the backoff
    wait_subscribed(sub);
    f.jetstream.publish(post_event(k_officer, now_us(), "3kok", "Inbraak na de weigering"));
    const auto alert = next_alert(sub);
    REQUIRE(alert);
    CHECK(text_of(*alert) == "Inbraak na de weigering");
}

TEST_CASE("jetstream: a connection that stops answering is noticed within the idle timeout and "
          "replaced") {
    Live f("idle_timeout = \"1s\"");
    f.jetstream.stall(true);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    f.jetstream.stall(false);
    REQUIRE(f.jetstream.wait_for(2, k_wait));
    CHECK(f.logged("no data and no answer to a ping (the connection is dead); reconnecting in"));
    Subscriber sub(f.endpoint);
    wait_subscribed(sub);
    f.jetstream.publish(post_event(k_officer, now_us(), "3kok", "Inbraak na de stilte"));
    const auto alert = next_alert(sub);
    REQUIRE(alert);
    CHECK(text_of(*alert) == "Inbraak na de stilte");
}

TEST_CASE("jetstream: the recorded events of ../shared/fixtures pass through, every kind of "
          "event among them") {
    const auto dir = std::filesystem::path(WIJKWACHT_SOURCE_DIR).parent_path() / "shared" /
                     "fixtures" / "listening";
    if (!std::filesystem::exists(dir / "jetstream_v1_subscribe_golden.jsonl")) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    Live f("langs = [\"en\", \"nl\", \"de\", \"ja\", \"pt\", \"es\", \"fr\", \"ko\"]");
    Subscriber sub(f.endpoint);
    auto daemon = f.start_daemon();
    REQUIRE(f.jetstream.wait_for(1, k_wait));
    wait_subscribed(sub);
    std::vector<std::string> recorded;
    for (const auto* name :
         {"jetstream_v1_subscribe_golden.jsonl", "jetstream_v1_subscribe_selected_events.jsonl"}) {
        std::istringstream in(read_text(dir / name));
        for (std::string line; std::getline(in, line);)
            if (!line.empty())
                recorded.push_back(line);
    }
    REQUIRE(recorded.size() >= 15);
    f.jetstream.publish(recorded); // identity, account, commits of every collection
    f.jetstream.publish(post_event(k_officer, now_us(), "3kna", "Inbraak na de opname"));
    const auto alert = next_alert(sub);
    REQUIRE(alert);
    CHECK(text_of(*alert) == "Inbraak na de opname");
    CHECK(read_text(f.log).find("could not be read") == std::string::npos);
}

TEST_CASE("jetstream: --check shows a live source and what it listens to") {
    Live f;
    const auto out = f.dir.path() / "check.txt";
    Process check({WIJKWACHTD_PATH, "--config", f.config.string(), "--check"}, {}, out);
    CHECK(check.wait(k_wait) == 0);
    const auto text = read_text(out);
    CHECK(text.find("bluesky-nl               jetstream live        1 followed, replies to 1, "
                    "languages -") != std::string::npos);
}
