// Black-box tests of Mastodon streaming: the real wijkwachtd against a
// loopback instance (REST timeline, /api/v2/instance and server-sent events
// on one HTTP server) and a real ZeroMQ subscriber.

#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <mutex>
#include <thread>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s;
constexpr std::string_view k_token = "secret-token-4711";

std::string status(int id, std::string_view text) {
    return fmt::format(
        R"({{"id":"{0}","created_at":"2026-11-29T09:58:00.000Z","in_reply_to_id":null,)"
        R"("uri":"https://m.example/users/buurt/statuses/{0}","url":"https://m.example/@buurt/{0}",)"
        R"("language":"nl","content":"<p>{1}</p>","account":{{"id":"1","acct":"buurt",)"
        R"("display_name":"Buurt","url":"https://m.example/@buurt"}},"media_attachments":[],)"
        R"("mentions":[],"reblog":null}})",
        id, text);
}

struct Instance {
    TempDir dir;
    std::mutex mutex;
    std::vector<std::pair<int, std::string>> timeline; // id, status JSON
    std::vector<std::string> stream_auth;              // Authorization of each stream request
    int stream_status = 200;
    StreamChannel channel;
    HttpServer server{[this](const Request& r) {
        return answer(r);
    }};
    std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    std::filesystem::path config = dir.path() / "wijkwacht.toml";
    std::filesystem::path log = dir.path() / "daemon.log";

    Instance() {
        write_text(dir.path() / "token", std::string(k_token) + "\n");
        write_burglary_rule(dir.path() / "rules.toml");
        write_text(config, fmt::format(R"toml(
[daemon]
state_dir = "state"
rules = ["rules.toml"]
user_agent = "wijkwacht-test/1"

[publish]
endpoint = "{}"
heartbeat = "200ms"

[[source]]
name = "mastodon-live"
type = "mastodon"
instance = "{}"
timeline = "local"
live = true
access_token_file = "token"
)toml",
                                       endpoint, server.url("")));
    }

    ~Instance() { channel.close(); }

    Reply answer(const Request& r) {
        const std::lock_guard lock(mutex);
        if (r.target == "/api/v2/instance")
            return Reply{200,
                         {{"Content-Type", "application/json"}},
                         fmt::format(R"({{"configuration":{{"urls":{{"streaming":"{}"}}}}}})",
                                     "ws" + server.url("").substr(4))};
        if (r.target.starts_with("/api/v1/timelines/public?")) {
            int after = 0;
            if (const auto at = r.target.find("min_id="); at != std::string::npos)
                after = std::stoi(r.target.substr(at + 7));
            std::string body;
            for (auto it = timeline.rbegin(); it != timeline.rend(); ++it)
                if (it->first > after)
                    body += (body.empty() ? "" : ",") + it->second;
            return Reply{200, {{"Content-Type", "application/json"}}, "[" + body + "]"};
        }
        if (r.target == "/api/v1/streaming/public/local") {
            stream_auth.push_back(r.header("authorization"));
            if (stream_status != 200)
                return Reply{stream_status, {}, R"({"error":"Invalid access token"})"};
            Reply reply{200, {{"Content-Type", "text/event-stream"}}, ""};
            reply.mode = Reply::Mode::stream;
            reply.next_chunk = channel.reader();
            return reply;
        }
        return Reply{404, {}, "{}"};
    }

    void post(int id, std::string_view text) {
        const std::lock_guard lock(mutex);
        timeline.emplace_back(id, status(id, text));
    }
    std::size_t streams() {
        const std::lock_guard lock(mutex);
        return stream_auth.size();
    }
    bool wait_streams(std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + k_wait;
        while (streams() < n) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    std::unique_ptr<Process> start_daemon() { return start_wijkwachtd(config, log); }
};

std::string next_text(Subscriber& sub) {
    const auto alert = sub.until([](const Message& m) { return m.type() == "alert"; }, k_wait);
    REQUIRE(alert);
    return alert->json["post"]["text"].GetString();
}

} // namespace

TEST_CASE("mastodon live: the stream's updates become alerts; after a cut the REST timeline "
          "fills the gap; nothing twice; the token never logged") {
    Instance m;
    m.stream_status = 503; // the streaming server is not up yet
    Subscriber sub(m.endpoint);
    auto daemon = m.start_daemon();
    REQUIRE(sub.until([](const Message& msg) { return msg.type() == "heartbeat"; }, k_wait));
    REQUIRE(m.wait_streams(1));
    m.post(100, "Inbraak één");
    {
        const std::lock_guard lock(m.mutex);
        m.stream_status = 200;
    }
    REQUIRE(m.wait_streams(2)); // after catching up over REST
    CHECK(next_text(sub) == "Inbraak één");
    CHECK(m.stream_auth.at(1) == "Bearer " + std::string(k_token));

    m.channel.push(":)\n");
    m.channel.push("event: update\ndata: " + status(101, "Inbraak twee") + "\n\n");
    CHECK(next_text(sub) == "Inbraak twee");
    m.channel.push(":thump\n");
    m.channel.push("event: delete\ndata: 99\n\n");
    m.channel.push("event: update\ndata: {not json\n\n"); // skipped, the stream goes on

    // The stream breaks; meanwhile a status appears that it never carries.
    m.channel.cut();
    m.post(101, "Inbraak twee");
    m.post(102, "Inbraak drie");
    REQUIRE(m.wait_streams(3));
    CHECK(next_text(sub) == "Inbraak drie"); // caught up over REST, 101 not repeated
    m.channel.push("event: status.update\ndata: " + status(102, "Inbraak drie (bewerkt)") + "\n\n");
    m.channel.push("event: update\ndata: " + status(103, "Inbraak vier") + "\n\n");
    CHECK(next_text(sub) == "Inbraak vier"); // an edit is no new alert
    CHECK(sub.alerts.size() == 4);

    const auto log = read_text(m.log);
    CHECK(log.find(std::string(k_token)) == std::string::npos);
    CHECK(log.find("[source:mastodon-live] streaming from " + m.server.url("")) !=
          std::string::npos);
    CHECK(log.find("skipped 1 event(s) that could not be read") != std::string::npos);
    CHECK(log.find("/api/v1/streaming/public/local: the server broke the connection off; "
                   "reconnecting in") != std::string::npos);
}

TEST_CASE("mastodon live: a refused token is logged with what to do, and retried") {
    Instance m;
    m.stream_status = 401;
    auto daemon = m.start_daemon();
    REQUIRE(m.wait_streams(2));
    const auto log = read_text(m.log);
    CHECK(log.find("/api/v1/streaming/public/local: HTTP 401 (the instance refuses the token: a "
                   "user's token is needed, app tokens are not accepted); reconnecting in") !=
          std::string::npos);
}

TEST_CASE("mastodon live: a stream that falls silent is noticed, reported on ops and reopened") {
    Instance m;
    write_text(m.config, read_text(m.config) + "idle_timeout = \"1s\"\n");
    Subscriber sub(m.endpoint);
    auto daemon = m.start_daemon();
    REQUIRE(sub.until([](const Message& msg) { return msg.type() == "heartbeat"; }, k_wait));
    REQUIRE(m.wait_streams(1));
    m.channel.push(":)\n"); // then nothing: no heartbeat
    const auto failing = sub.until(
        [](const Message& msg) {
            return msg.type() == "source_health" &&
                   msg.body.find("\"state\":\"failing\"") != std::string::npos;
        },
        k_wait);
    REQUIRE(failing);
    CHECK(failing->stream == "ops");
    CHECK(failing->body.find("no event and no heartbeat (the stream is dead)") !=
          std::string::npos);
    // The server's side of the dead stream ends too; then the next one is opened.
    m.channel.cut();
    REQUIRE(m.wait_streams(m.streams() + 1));
    m.channel.push("event: update\ndata: " + status(200, "Inbraak na de stilte") + "\n\n");
    CHECK(next_text(sub) == "Inbraak na de stilte");
    // Reported before the alert it came with.
    CHECK(std::any_of(sub.health.begin(), sub.health.end(), [](const std::string& h) {
        return h.find("\"state\":\"recovered\"") != std::string::npos;
    }));
}
