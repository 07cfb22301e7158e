// Black-box test of metrics.listen: the real wijkwachtd scraped with libcurl
// on loopback.

#include "tests/integration/run_tool.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <curl/curl.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <csignal>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s;

struct Got {
    long status = 0;
    std::string body;
    std::string content_type;
};

Got get(const std::string& url, const char* method = "GET") {
    Got got;
    CURL* curl = curl_easy_init();
    REQUIRE(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t, size_t n, void* out) {
            static_cast<std::string*>(out)->append(data, n);
            return n;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got.body);
    REQUIRE(curl_easy_perform(curl) == CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &got.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    got.content_type = type ? type : "";
    curl_easy_cleanup(curl);
    return got;
}

// The value of a sample line "name{labels} value", or -1.
double sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos)
        return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

TEST_CASE("metrics.listen serves Prometheus metrics and a health check") {
    TempDir dir;
    HttpServer server([](const Request& r) {
        if (r.target == "/broken.xml")
            return Reply{500, {}, "no"};
        return Reply{200,
                     {{"Content-Type", "application/rss+xml"}},
                     "<rss version=\"2.0\"><channel><title>W</title><item><guid>https://w.example/"
                     "1</guid><title>Inbraak Molenweg</title></item></channel></rss>"};
    });
    write_burglary_rule(dir.path() / "rules.toml");
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "[publish]\nendpoint = \"ipc://{}\"\n[metrics]\nlisten = "
                           "\"127.0.0.1:0\"\n"
                           "[[source]]\nname = \"wijk\"\ntype = \"feed\"\nurl = \"{}\"\n"
                           "interval = \"300ms\"\n"
                           "[[source]]\nname = \"broken\"\ntype = \"feed\"\nurl = \"{}\"\n"
                           "interval = \"1h\"\n",
                           (dir.path() / "pub.sock").string(), server.url("/w.xml"),
                           server.url("/broken.xml")));
    NotifySocket notify(dir.path() / "notify.sock");
    const auto log = dir.path() / "daemon.log";
    Process daemon({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string()},
                   {{"NOTIFY_SOCKET", notify.path().string()}}, log);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    std::smatch found;
    const std::string text = read_text(log);
    REQUIRE(std::regex_search(text, found,
                              std::regex(R"(metrics on (http://127\.0\.0\.1:\d+)/metrics)")));
    const std::string base = found[1];

    // A connection that sends nothing does not hold up the others.
    const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port =
        htons(static_cast<std::uint16_t>(std::stoi(base.substr(base.rfind(':') + 1))));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);

    // Two more cycles of wijk's 300 ms interval after broken was asked: its
    // immediate 500 has been handled by then, and wijk's polls accounted.
    REQUIRE(server.wait_for_requests(1, "/broken.xml", k_wait));
    REQUIRE(server.wait_for_requests(std::max<std::size_t>(server.requests("/w.xml"), 1) + 2,
                                     "/w.xml", k_wait));
    const auto metrics = get(base + "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
    const auto& m = metrics.body;
    CHECK(m.find("# TYPE wijkwacht_source_polls_total counter") != std::string::npos);
    CHECK(sample(m, R"(wijkwacht_source_polls_total{source="wijk",result="ok"})") >= 2);
    CHECK(sample(m, R"(wijkwacht_source_polls_total{source="broken",result="transient"})") == 1);
    CHECK(sample(m, R"(wijkwacht_source_up{source="wijk"})") == 1);
    CHECK(sample(m, R"(wijkwacht_source_up{source="broken"})") == 0);
    CHECK(sample(m, R"(wijkwacht_source_alerts_total{source="wijk"})") == 1);
    CHECK(sample(m, R"(wijkwacht_source_new_posts_total{source="wijk"})") == 1);
    CHECK(sample(m, R"(wijkwacht_stream_seq{stream="all"})") == 1);
    CHECK(sample(m, "wijkwacht_alerts_published_total") == 1);
    CHECK(sample(m, "wijkwacht_sources") == 2);
    CHECK(sample(m, R"(wijkwacht_build_info{version="0.1.0"})") == 1);
    CHECK(sample(m, R"(wijkwacht_source_last_success_timestamp_seconds{source="wijk"})") > 1.7e9);

    // What each key did (without CURVE: "-" for replay, the claimed name for
    // the workflow).
    const std::string pub = "ipc://" + (dir.path() / "pub.sock").string();
    const auto replayed =
        run_tool(dir, {"replay", "--endpoint", pub + ".replay", "--stream", "all", "--json"});
    REQUIRE(replayed.status == 0);
    const auto at = replayed.output.find("\"id\":\"");
    REQUIRE(at != std::string::npos);
    const std::string id = replayed.output.substr(at + 6, 32);
    CHECK(run_tool(dir, {"claim", id, "--endpoint", pub, "--as", "anna"}).status == 0);
    const auto keyed = get(base + "/metrics").body;
    CHECK(sample(keyed, R"(wijkwacht_key_events_total{key="-",event="replay"})") == 1);
    CHECK(sample(keyed, R"(wijkwacht_key_events_total{key="anna",event="workflow"})") == 1);
    CHECK(sample(keyed, R"(wijkwacht_workflow_requests_total{result="accepted"})") == 1);

    // An oversized request is cut off; the server carries on.
    {
        const int big = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(::connect(big, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        const std::string request =
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(100000, 'a');
        // The server may close before all of it is written.
        (void)::send(big, request.data(), request.size(), MSG_NOSIGNAL);
        char reply[256];
        timeval wait{10, 0};
        ::setsockopt(big, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        const auto got = ::recv(big, reply, sizeof reply, 0);
        CHECK(got <= 0); // closed (or reset), no answer
        ::close(big);
    }

    const auto health = get(base + "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\nsources 2, failing 1\n");
    CHECK(get(base + "/nope").status == 404);
    CHECK(get(base + "/metrics", "POST").status == 405);
    ::close(idle);

    daemon.signal(SIGHUP);
    REQUIRE(notify.wait_for("READY=1", k_wait));
    CHECK(sample(get(base + "/metrics").body, R"(wijkwacht_reloads_total{result="ok"})") == 1);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait(10s) == 0);
}

TEST_CASE("a metrics address that cannot be used stops the daemon at start") {
    TempDir dir;
    write_burglary_rule(dir.path() / "rules.toml");
    // Hold a port, then ask the daemon for the same one.
    const int held = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(held, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(held, 1) == 0);
    socklen_t length = sizeof address;
    ::getsockname(held, reinterpret_cast<sockaddr*>(&address), &length);
    const int port = ntohs(address.sin_port);
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "[publish]\nendpoint = \"ipc://{}\"\n[metrics]\nlisten = "
                           "\"127.0.0.1:{}\"\n",
                           (dir.path() / "pub.sock").string(), port));
    const auto out = dir.path() / "out.txt";
    Process daemon({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string()}, {}, out);
    CHECK(daemon.wait(k_wait) == 1);
    CHECK(read_text(out).find(fmt::format("metrics.listen 127.0.0.1:{}: cannot listen: Address "
                                          "already in use",
                                          port)) != std::string::npos);
    ::close(held);

    write_text(dir.path() / "w.toml", "[metrics]\nlisten = \"localhost:9750\"\n");
    Process check({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string(), "--check"}, {},
                  out);
    CHECK(check.wait(k_wait) == 2);
    CHECK(read_text(out).find("metrics.listen: \"localhost:9750\" is not IP:PORT") !=
          std::string::npos);
}
