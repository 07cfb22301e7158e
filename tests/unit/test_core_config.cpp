#include "tests/support/process.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>

using namespace wijkwacht;
using wijkwacht::test::TempDir;
using wijkwacht::test::write_text;
using namespace std::chrono_literals;

namespace {

// The problems a config text produces, or an empty list if it loads.
std::vector<std::string> problems(std::string_view text) {
    try {
        parse_config(text, "/etc/wijkwacht/w.toml");
    } catch (const ConfigError& e) {
        return e.problems();
    }
    return {};
}

bool has_problem(std::string_view text, std::string_view expected) {
    const auto list = problems(text);
    const bool found = std::any_of(list.begin(), list.end(), [&](const std::string& p) {
        return p.find(expected) != std::string::npos;
    });
    if (!found)
        for (const auto& p : list)
            MESSAGE("got: " << p);
    return found;
}

constexpr std::string_view k_full = R"toml(
[daemon]
state_dir = "state"
rules = ["rules.d", "/abs/extra.toml"]
user_agent = "wijkwacht-test/1 (+mailto:ops@example.org)"
retention = "30d"

[publish]
endpoint = "tcp://127.0.0.1:7750"
heartbeat = "2s"

[[source]]
name = "politie-nieuws"
type = "feed"
url = "https://www.example.nl/rss/nieuws.xml"
interval = "10m"
tags = { region = "amsterdam-centrum", team = "basisteam-centrum" }

[[source]]
name = "wijkagent-centrum"
type = "mastodon"
instance = "https://mastodon.example"
account = "wijkagent_centrum"

[[source]]
name = "politie-bsky"
type = "bluesky"
actor = "politie.example.bsky.social"

[[stream]]
name = "centrum"
match_tags = { region = "amsterdam-centrum" }
categories = ["crime.*", "footage.*"]
min_severity = "medium"
)toml";

} // namespace

TEST_CASE("a full config loads into typed sections") {
    const Config c = parse_config(k_full, "/etc/wijkwacht/w.toml");
    CHECK(c.daemon.state_dir == "/etc/wijkwacht/state");
    REQUIRE(c.daemon.rules.size() == 2);
    CHECK(c.daemon.rules[0] == "/etc/wijkwacht/rules.d");
    CHECK(c.daemon.rules[1] == "/abs/extra.toml");
    CHECK(c.daemon.retention == std::chrono::hours(720));
    CHECK(c.publish.heartbeat == 2s);
    REQUIRE(c.sources.size() == 3);
    CHECK(c.sources[0].interval == 10min);
    CHECK(c.sources[0].tags.at("team") == "basisteam-centrum");
    CHECK(c.sources[0].origin == "/etc/wijkwacht/w.toml:12");
    CHECK(c.sources[1].account == "wijkagent_centrum");
    CHECK(c.sources[2].appview == "https://public.api.bsky.app");
    REQUIRE(c.streams.size() == 2);
    CHECK(c.streams[0].name == "all");
    CHECK(c.streams[1].min_severity == Severity::medium);
    CHECK(c.warnings.empty());
}

TEST_CASE("defaults apply when sections are absent") {
    const Config c = parse_config(
        "[[source]]\nname=\"a\"\ntype=\"feed\"\nurl=\"https://x.example/f\"\n", "c.toml");
    CHECK(c.publish.endpoint == "tcp://127.0.0.1:7750");
    CHECK(c.publish.replay_endpoint == "tcp://127.0.0.1:7751");
    CHECK(c.publish.heartbeat == 5s);
    CHECK(c.sources[0].interval == 5min);
    CHECK(c.daemon.user_agent.starts_with("wijkwacht/"));
}

TEST_CASE("a configured stream named all replaces the built-in one") {
    const Config c =
        parse_config("[[stream]]\nname = \"all\"\nmin_severity = \"high\"\n", "c.toml");
    REQUIRE(c.streams.size() == 1);
    CHECK(c.streams[0].min_severity == Severity::high);
}

TEST_CASE("config errors name file, line and key") {
    CHECK(has_problem("[daemon]\nstate_dri = \"x\"\n", "w.toml:2: daemon.state_dri: unknown key"));
    CHECK(has_problem("[deamon]\n", "w.toml:1: deamon: unknown key"));
    CHECK(has_problem("[daemon]\nstate_dir = 5\n", "w.toml:2: daemon.state_dir: expects a string"));
    CHECK(has_problem("[daemon]\nallow_plain_http = \"yes\"\n",
                      "daemon.allow_plain_http: expects true or false"));
    CHECK(has_problem("[daemon]\nrules = [1]\n", "daemon.rules: expects an array of strings"));
    CHECK(has_problem("[daemon]\nuser_agent = \"\"\n", "daemon.user_agent: must not be empty"));
    CHECK(has_problem("[publish]\nheartbeat = \"soon\"\n",
                      "w.toml:2: publish.heartbeat: \"soon\" is not a duration"));
    CHECK(has_problem("[publish]\nheartbeat = \"1ms\"\n",
                      "publish.heartbeat: must be at least 100ms"));
    CHECK(has_problem("[publish]\nendpoint = \"http://x\"\n",
                      "publish.endpoint: \"http://x\" is not a ZeroMQ"));
    CHECK(has_problem("daemon = 3\n", "daemon: expects a [daemon] table"));
    CHECK(has_problem("publish = 3\n", "publish: expects a [publish] table"));
    CHECK(has_problem("source = 3\n", "source: expects [[source]] tables"));
}

TEST_CASE("TOML syntax errors carry line and column") {
    CHECK(has_problem("[daemon\n", "w.toml:1:"));
    CHECK(has_problem("a = \"unterminated\n", "w.toml:1:"));
}

TEST_CASE("source errors") {
    CHECK(has_problem("[[source]]\ntype = \"feed\"\nurl = \"https://x/f\"\n",
                      "w.toml:1: source.name: is required"));
    CHECK(has_problem("[[source]]\nname = \"Bad Name\"\ntype = \"feed\"\nurl = \"https://x/f\"\n",
                      "source.name: \"Bad Name\" may only use"));
    CHECK(has_problem("[[source]]\nname = \"a\"\n", "source.type: source \"a\": is required"));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"reddit\"\n", "unknown type \"reddit\""));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"feed\"\n",
                      "source.url: source \"a\": is required for type feed"));
    CHECK(has_problem(
        "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\nactor = \"b\"\n",
        "source.actor: source \"a\": does not apply to type \"feed\""));
    CHECK(has_problem(
        "[[source]]\nname = \"a\"\ntype = \"mastodon\"\ninstance = \"https://m.example\"\n",
        "give exactly one of account, hashtag or timeline"));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"bluesky\"\n",
                      "source.actor: source \"a\": is required"));
    CHECK(has_problem(
        "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\ncolour = \"red\"\n",
        "w.toml:5: source.colour: unknown key"));
    CHECK(has_problem(
        "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\ninterval = \"10ms\"\n",
        "source.interval: must be at least 100ms"));
    CHECK(has_problem(
        "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\ntags = { region = 1 }\n",
        "source.tags.region: expects a string"));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\n"
                      "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/g\"\n",
                      "w.toml:5: source.name: \"a\" is already used at /etc/wijkwacht/w.toml:1"));
}

TEST_CASE("plain http is only for loopback unless allowed") {
    const std::string feed =
        "[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"http://news.example/f\"\n";
    CHECK(has_problem(feed, "plain http to news.example is refused"));
    CHECK(problems("[daemon]\nallow_plain_http = true\n" + feed).empty());
    CHECK(problems("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"http://127.0.0.1:8080/f\"\n")
              .empty());
    CHECK(problems("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"http://[::1]:8080/f\"\n")
              .empty());
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"file:///etc/passwd\"\n",
                      "scheme \"file\" is refused"));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"not a url\"\n",
                      "is not an absolute http(s) URL"));
}

TEST_CASE("publishing off loopback needs explicit plaintext consent") {
    CHECK(has_problem("[publish]\nendpoint = \"tcp://0.0.0.0:7750\"\n",
                      "publish.endpoint: \"tcp://0.0.0.0:7750\" is not loopback"));
    CHECK(problems("[publish]\nendpoint = \"tcp://0.0.0.0:7750\"\nreplay_endpoint = "
                   "\"tcp://0.0.0.0:7751\"\n"
                   "allow_plaintext = true\n")
              .empty());
    CHECK(problems("[publish]\nendpoint = \"ipc:///run/wijkwacht/pub\"\n").empty());
    // CURVE makes any endpoint acceptable; it needs both key settings.
    CHECK(problems("[publish]\nendpoint = \"tcp://0.0.0.0:7750\"\n"
                   "server_secret_key = \"keys/server.key_secret\"\n"
                   "authorized_keys = \"keys/authorized.d\"\n")
              .empty());
    CHECK(has_problem("[publish]\nserver_secret_key = \"k\"\n",
                      "w.toml:2: publish.authorized_keys: is required with server_secret_key"));
    CHECK(has_problem("[publish]\nauthorized_keys = \"d\"\n",
                      "w.toml:2: publish.authorized_keys: has no effect without "
                      "server_secret_key"));
}

TEST_CASE("the replay endpoint follows the publish endpoint unless configured") {
    const auto replay = [](std::string_view publish) {
        return parse_config(fmt::format("[publish]\nendpoint = \"{}\"\n", publish), "c.toml")
            .publish.replay_endpoint;
    };
    CHECK(replay("tcp://127.0.0.1:9000") == "tcp://127.0.0.1:9001");
    CHECK(replay("tcp://[::1]:7750") == "tcp://[::1]:7751");
    CHECK(replay("tcp://127.0.0.1:0") == "tcp://127.0.0.1:0");
    CHECK(replay("tcp://127.0.0.1:*") == "tcp://127.0.0.1:*");
    CHECK(replay("ipc:///run/wijkwacht/pub") == "ipc:///run/wijkwacht/pub.replay");
    CHECK(parse_config("[publish]\nreplay_endpoint = \"ipc:///run/r\"\n", "c.toml")
              .publish.replay_endpoint == "ipc:///run/r");
    CHECK(has_problem("[publish]\nreplay_endpoint = \"tcp://0.0.0.0:7751\"\n",
                      "w.toml:2: publish.replay_endpoint: \"tcp://0.0.0.0:7751\" is not loopback"));
}

TEST_CASE("the workflow endpoint is two ports on, and claims expire after 30 minutes by default") {
    const auto workflow = [](std::string_view publish) {
        return parse_config(fmt::format("[publish]\nendpoint = \"{}\"\n", publish), "c.toml")
            .publish.workflow_endpoint;
    };
    CHECK(workflow("tcp://127.0.0.1:9000") == "tcp://127.0.0.1:9002");
    CHECK(workflow("tcp://127.0.0.1:65534") == "tcp://127.0.0.1:65534"); // no port left: as given
    CHECK(workflow("ipc:///run/wijkwacht/pub") == "ipc:///run/wijkwacht/pub.workflow");
    CHECK(parse_config("", "c.toml").publish.claim_timeout == 30min);
    CHECK(parse_config("[publish]\nclaim_timeout = \"0s\"\n", "c.toml").publish.claim_timeout ==
          0s);
    CHECK(parse_config("[publish]\nclaim_timeout = \"2h\"\n", "c.toml").publish.claim_timeout ==
          2h);
    CHECK(has_problem("[publish]\nclaim_timeout = \"500ms\"\n",
                      "w.toml:2: publish.claim_timeout: must be at least 1s"));
    CHECK(has_problem("[publish]\nworkflow_endpoint = \"tcp://0.0.0.0:7752\"\n",
                      "w.toml:2: publish.workflow_endpoint: \"tcp://0.0.0.0:7752\" is not "
                      "loopback"));
    // A non-loopback publish endpoint makes the derived ones non-loopback too.
    CHECK(has_problem("[publish]\nendpoint = \"tcp://192.0.2.1:7750\"\n",
                      "w.toml:2: publish.workflow_endpoint: \"tcp://192.0.2.1:7752\" is not "
                      "loopback"));
}

TEST_CASE("retention is at least an hour") {
    CHECK(has_problem("[daemon]\nretention = \"10m\"\n",
                      "w.toml:2: daemon.retention: must be at least 1h"));
    CHECK(problems("[daemon]\nretention = \"1h\"\n").empty());
}

TEST_CASE("stream errors") {
    CHECK(has_problem("[[stream]]\nname = \"x\"\nmin_severity = \"urgent\"\n",
                      "w.toml:3: stream.min_severity: \"urgent\" is not one of"));
    CHECK(has_problem("[[stream]]\nname = \"ops\"\n", "\"ops\" is reserved"));
    CHECK(has_problem("[[stream]]\nmin_severity = \"low\"\n", "stream.name: is required"));
    CHECK(has_problem("[[stream]]\nname = \"x\"\ncategories = \"crime.*\"\n",
                      "stream.categories: expects an array"));
    CHECK(has_problem("[[stream]]\nname = \"x\"\n[[stream]]\nname = \"x\"\n",
                      "\"x\" is already used"));
}

TEST_CASE("every problem is reported, not just the first") {
    CHECK(problems("[daemon]\nfoo = 1\nbar = 2\n[publish]\nbaz = 3\n").size() == 3);
}

TEST_CASE("a missing file is a clear error") {
    CHECK_THROWS_WITH_AS(load_config("/nonexistent/w.toml"),
                         doctest::Contains("/nonexistent/w.toml: cannot open"), ConfigError);
}

TEST_CASE("category globs and stream routing") {
    CHECK(category_glob_match("crime.*", "crime.burglary"));
    CHECK(category_glob_match("crime.*", "crime.theft.bicycle"));
    CHECK_FALSE(category_glob_match("crime.*", "footage.shared"));
    CHECK(category_glob_match("*", "x"));
    CHECK(category_glob_match("*.shared", "footage.shared"));
    CHECK_FALSE(category_glob_match("crime", "crime.theft"));

    StreamConfig s;
    s.name = "centrum";
    s.match_tags = {{"region", "centrum"}};
    s.categories = {"crime.*"};
    s.min_severity = Severity::medium;
    Alert a;
    a.severity = Severity::high;
    a.categories = {"crime.burglary"};
    a.post.tags = {{"region", "centrum"}};
    CHECK(stream_accepts(s, a));
    a.severity = Severity::low;
    CHECK_FALSE(stream_accepts(s, a));
    a.severity = Severity::high;
    a.post.tags = {{"region", "noord"}};
    CHECK_FALSE(stream_accepts(s, a));
    a.post.tags = {{"region", "centrum"}};
    a.categories = {"public.missing"};
    CHECK_FALSE(stream_accepts(s, a));
}

TEST_CASE("the shipped example configurations load") {
    const std::filesystem::path dir =
        std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "deploy" / "examples";
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".toml")
            continue;
        CAPTURE(entry.path().string());
        CHECK_NOTHROW(load_config(entry.path()));
        ++count;
    }
    CHECK(count >= 2);
}

TEST_CASE("jetstream sources: defaults, and every mistake named") {
    const Config c =
        parse_config("[[source]]\nname = \"bsky\"\ntype = \"jetstream\"\n"
                     "follow = [\"politie.example.bsky.social\", \"did:plc:abc123\"]\n"
                     "replies_to = [\"@wijkagent.example\"]\nlangs = [\"nl\", \"pt-BR\"]\n",
                     "/etc/wijkwacht/w.toml");
    REQUIRE(c.sources.size() == 1);
    const auto& s = c.sources[0];
    CHECK(is_live(s));
    CHECK(s.endpoints == k_jetstream_endpoints); // Bluesky's own instances by default
    CHECK(s.follow.size() == 2);
    CHECK(s.idle_timeout == std::chrono::seconds(20));
    CHECK(s.appview == "https://public.api.bsky.app");

    const std::string head = "[[source]]\nname = \"a\"\ntype = \"jetstream\"\n";
    CHECK(has_problem(head, "source.follow: source \"a\": give at least one of follow, "
                            "replies_to or langs"));
    CHECK(has_problem(head + "langs = [\"nl\"]\nendpoints = [\"https://j.example\"]\n",
                      "source.endpoints: source \"a\": \"https://j.example\" is not a wss:// URL"));
    CHECK(has_problem(head + "langs = [\"nl\"]\nendpoints = [\"ws://j.example\"]\n",
                      "plain ws to j.example is refused"));
    CHECK_FALSE(has_problem(head + "langs = [\"nl\"]\nendpoints = [\"ws://127.0.0.1:9\"]\n", ""));
    CHECK(has_problem(head + "follow = [\"politie\"]\n",
                      "source.follow: source \"a\": \"politie\" is neither a handle"));
    CHECK(has_problem(head + "replies_to = [\"did:\"]\n", "source.replies_to"));
    CHECK(has_problem(head + "langs = [\"nl_NL\"]\n", "\"nl_NL\" is not a language tag"));
    CHECK(has_problem(head + "langs = [\"nl\"]\nidle_timeout = \"100ms\"\n",
                      "source.idle_timeout: must be between 1s and 10m"));
    CHECK(has_problem(head + "langs = [\"nl\"]\nzstd_dictionary = \"/nonexistent.zdict\"\n",
                      "/nonexistent.zdict is not a readable file"));
    CHECK(has_problem(head + "langs = [\"nl\"]\nactor = \"x.example\"\n",
                      "source.actor: source \"a\": does not apply to type \"jetstream\""));
    CHECK(has_problem("[[source]]\nname = \"a\"\ntype = \"feed\"\nurl = \"https://x/f\"\n"
                      "follow = [\"x.example\"]\n",
                      "source.follow: source \"a\": does not apply to type \"feed\""));
    std::string many = head + "follow = [";
    for (int i = 0; i < 10001; ++i)
        many += "\"did:plc:a" + std::to_string(i) + "\",";
    CHECK(has_problem(many + "]\n", "10001 accounts; Jetstream takes at most 10000"));
}

TEST_CASE("politie sources: defaults, and every mistake named") {
    const Config c = parse_config("[[source]]\nname = \"p\"\ntype = \"politie\"\nlat = 52.09\n"
                                  "lon = 5\nradius = 0.5\n",
                                  "/etc/wijkwacht/w.toml");
    const auto& s = c.sources.at(0);
    CHECK(s.url == "https://api.politie.nl");
    CHECK(s.kinds == std::vector<std::string>{"nieuws", "gezocht", "vermist"});
    CHECK(*s.lat == doctest::Approx(52.09));
    CHECK(*s.lon == doctest::Approx(5.0)); // an integer is a number too
    CHECK(s.radius == doctest::Approx(0.5));
    CHECK_FALSE(is_live(s));

    const std::string head = "[[source]]\nname = \"a\"\ntype = \"politie\"\n";
    CHECK(has_problem(
        head + "kinds = [\"nieuws\", \"bureaus\"]\n",
        "source.kinds: source \"a\": \"bureaus\" is not one of nieuws, gezocht, vermist"));
    CHECK(has_problem(head + "lat = 52\n", "source.lat: source \"a\": give both lat and lon"));
    CHECK(has_problem(head + "lat = 152\nlon = 5\n", "152 is not a latitude"));
    CHECK(has_problem(head + "lat = \"52\"\nlon = 5\n", "source.lat: expects a number"));
    CHECK(has_problem(
        head + "radius = 3\n",
        "source.radius: source \"a\": 3 km is not one the API takes (0.5, 2, 5, 10 or 25)"));
    CHECK(has_problem(head + "url = \"http://api.example\"\n",
                      "plain http to api.example is refused"));
    CHECK(has_problem(head + "follow = [\"x.example\"]\n", "does not apply to type \"politie\""));
}

TEST_CASE("mastodon timelines and live streaming: what they need") {
    const TempDir dir;
    const auto token = dir.path() / "token";
    write_text(token, "secret\n");
    const std::string head = "[[source]]\nname = \"m\"\ntype = \"mastodon\"\n"
                             "instance = \"https://m.example\"\n";
    const Config c =
        parse_config(head + "timeline = \"local\"\nlive = true\naccess_token_file = \"" +
                         token.string() + "\"\n",
                     "/etc/wijkwacht/w.toml");
    CHECK(c.sources.at(0).timeline == "local");
    CHECK(is_live(c.sources.at(0)));
    CHECK(has_problem(head + "timeline = \"home\"\n", "\"home\" is not local or public"));
    CHECK(has_problem(head + "timeline = \"local\"\nhashtag = \"x\"\n",
                      "give exactly one of account, hashtag or timeline"));
    CHECK(has_problem(head + "hashtag = \"inbraak\"\nlive = true\n",
                      "source.live: source \"m\": the streaming API needs a user's token since "
                      "Mastodon 4.2: set access_token_file"));
    CHECK(has_problem(head + "account = \"x\"\nlive = true\naccess_token_file = \"" +
                          token.string() + "\"\n",
                      "Mastodon streams timelines and hashtags, not one account"));
}

TEST_CASE("replies: a window under an account's posts") {
    const std::string head = "[[source]]\nname = \"m\"\ntype = \"mastodon\"\n"
                             "instance = \"https://m.example\"\n";
    const Config c =
        parse_config(head + "account = \"wijkagent\"\nreplies = \"7d\"\n", "/etc/wijkwacht/w.toml");
    CHECK(c.sources.at(0).replies == std::chrono::hours(24 * 7));
    CHECK(has_problem(head + "hashtag = \"x\"\nreplies = \"7d\"\n",
                      "replies are read under an account's posts: give account"));
    CHECK(has_problem(head + "account = \"x\"\nreplies = \"90d\"\n", "must be between 1h and 30d"));
    CHECK(has_problem("[[source]]\nname = \"f\"\ntype = \"feed\"\nurl = \"https://x/f\"\n"
                      "replies = \"7d\"\n",
                      "does not apply to type \"feed\""));
    CHECK_FALSE(has_problem("[[source]]\nname = \"b\"\ntype = \"bluesky\"\nactor = \"x.example\"\n"
                            "replies = \"2d\"\n",
                            ""));
}
