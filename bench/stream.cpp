// wijkwacht-bench-stream: the real wijkwachtd listening to a loopback
// Jetstream. Measures the posts per second the daemon sustains (parsing,
// rules, journal, publishing; the daemon pinned to one core when taskset is
// there), and the latency from an event leaving the server to its alert
// reaching a subscriber at a steady rate.
// Usage: wijkwacht-bench-stream [--posts N] [--rate R] [--seconds S]

#include "tests/support/jetstream_server.hpp"
#include "tests/support/process.hpp"

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <fmt/format.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace wijkwacht::test;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

unsigned short free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

// wijkwacht_source_posts_total of the source, from /metrics.
std::uint64_t posts_read(const std::string& url) {
    std::string body;
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
    curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    const std::string key = "wijkwacht_source_posts_total{source=\"bluesky\"} ";
    const auto at = body.find(key);
    return at == std::string::npos ? 0 : std::stoull(body.substr(at + key.size()));
}

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Where the posts say they are: names the tagger takes, shares, drops.
constexpr const char* k_where[] = {"in Utrecht",  "in Bergen bij Alkmaar", "aan de Utrechtseweg",
                                   "in Best",     "in de Haagse wijk",     "bij #politieAmersfoort",
                                   "in de buurt", "van Kees van Amsterdam"};

std::string event(std::int64_t time_us, std::size_t i, bool flagged) {
    return fmt::format(
        R"({{"did":"did:plc:user{}","time_us":{},"kind":"commit","commit":{{"rev":"3mrev{}",)"
        R"("operation":"create","collection":"app.bsky.feed.post","rkey":"3k{}",)"
        R"("record":{{"$type":"app.bsky.feed.post","createdAt":"2026-11-29T09:58:00.000Z",)"
        R"("langs":["nl"],"text":"{} #{} {}, wie heeft iets gezien of gehoord? Bel de )"
        R"(politie of laat een tip achter."}},"cid":"bafyrei{}"}}}})",
        i % 5000, time_us, i, i, flagged ? "Inbraak" : "Buurtfeest", i,
        k_where[i % std::size(k_where)], i);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-stream: wijkwachtd's throughput and alert latency from a "
                 "loopback Jetstream"};
    std::size_t posts = 200000;
    std::size_t rate = 1000;
    std::size_t seconds = 10;
    std::string daemon = WIJKWACHTD_PATH;
    cli.add_option("--posts", posts, "posts for the throughput run")->capture_default_str();
    cli.add_option("--rate", rate, "posts per second for the latency run")->capture_default_str();
    cli.add_option("--seconds", seconds, "length of the latency run")->capture_default_str();
    cli.add_option("--daemon", daemon, "wijkwachtd to run")->capture_default_str();
    std::string places;
    cli.add_option("--places", places,
                   "a gazetteer (scripts/places-build) to place every post with, and an area "
                   "the one stream routes on");
    CLI11_PARSE(cli, argc, argv);

    TempDir dir;
    JetstreamServer jetstream;
    const auto metrics = free_port();
    const std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    write_text(dir.path() / "rules.toml",
               "[[rule]]\nid = \"inbraak\"\ncategory = \"crime.burglary\"\nquery = 'inbraak'\n");
    const std::string placing =
        places.empty()
            ? ""
            : fmt::format("places = \"{}\"\n", std::filesystem::absolute(places).string());
    const std::string area = places.empty()
                                 ? ""
                                 : "[[area]]\nname = \"nl\"\nprovincies = "
                                   "[\"Utrecht\", \"Noord-Holland\"]\n[[stream]]\nname = "
                                   "\"team\"\nareas = [\"nl\"]\n";
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n{}"
                           "[publish]\nendpoint = \"{}\"\n[metrics]\nlisten = \"127.0.0.1:{}\"\n"
                           "[[source]]\nname = \"bluesky\"\ntype = \"jetstream\"\n"
                           "endpoints = [\"{}\"]\nlangs = [\"nl\"]\n{}",
                           placing, endpoint, metrics, jetstream.url(), area));
    std::vector<std::string> argv_daemon{daemon, "--config", (dir.path() / "w.toml").string(),
                                         "--log-level", "warning"};
    // The daemon on core 1, this process (server and subscriber) on core 0.
    const bool pinned =
        ::access("/usr/bin/taskset", X_OK) == 0 && std::thread::hardware_concurrency() >= 2;
    if (pinned) {
        argv_daemon.insert(argv_daemon.begin(), {"/usr/bin/taskset", "-c", "1"});
        cpu_set_t self;
        CPU_ZERO(&self);
        CPU_SET(0, &self);
        ::sched_setaffinity(0, sizeof self, &self);
    }
    Process process(argv_daemon, {}, dir.path() / "daemon.log");
    if (!jetstream.wait_for(1, 15s)) {
        fmt::print(stderr, "the daemon did not connect; its log:\n{}\n",
                   read_text(dir.path() / "daemon.log"));
        return 1;
    }
    const std::string metrics_url = fmt::format("http://127.0.0.1:{}/metrics", metrics);

    // Throughput: a backlog of posts, 1 in 20 flagged, as fast as the daemon takes them.
    std::vector<std::string> batch;
    const auto t0 = now_us();
    for (std::size_t i = 0; i < posts; ++i)
        batch.push_back(event(t0 + static_cast<std::int64_t>(i), i, i % 20 == 0));
    const auto start = Clock::now();
    for (std::size_t i = 0; i < posts; i += 10000)
        jetstream.publish(std::vector<std::string>(
            batch.begin() + static_cast<std::ptrdiff_t>(i),
            batch.begin() + static_cast<std::ptrdiff_t>(std::min(posts, i + 10000))));
    std::uint64_t read = 0;
    while ((read = posts_read(metrics_url)) < posts && Clock::now() - start < 120s)
        std::this_thread::sleep_for(20ms);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("throughput: {} posts ({} flagged) in {:.2f} s: {:.0f} posts/s sustained{}\n", read,
               posts / 20, elapsed, static_cast<double>(read) / elapsed,
               pinned ? ", the daemon on one core" : "");

    // Latency: every post flagged, at a steady rate, to a live subscriber.
    zmq::context_t context;
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::rcvhwm, 0);
    sub.set(zmq::sockopt::subscribe, "all");
    sub.connect(endpoint);
    std::this_thread::sleep_for(500ms); // the subscription reaches the publisher
    const std::size_t total = rate * seconds;
    std::vector<Clock::time_point> sent(total);
    std::vector<double> latency;
    latency.reserve(total);
    std::thread receiver([&] {
        while (latency.size() < total) {
            std::vector<zmq::message_t> frames;
            zmq::pollitem_t item{static_cast<void*>(sub), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1, 10s) <= 0)
                break;
            if (!zmq::recv_multipart(sub, std::back_inserter(frames)) || frames.size() != 2)
                continue;
            const std::string body = frames[1].to_string();
            const auto at = body.find("Inbraak #");
            if (at == std::string::npos)
                continue;
            const std::size_t i = std::stoull(body.substr(at + 9)) - posts;
            if (i < total)
                latency.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - sent[i]).count());
        }
    });
    const auto begin = Clock::now();
    const auto t1 = now_us();
    for (std::size_t i = 0; i < total; ++i) {
        std::this_thread::sleep_until(begin + std::chrono::microseconds(1000000 * i / rate));
        sent[i] = Clock::now();
        jetstream.publish(event(t1 + static_cast<std::int64_t>(i), posts + i, true));
    }
    receiver.join();
    std::sort(latency.begin(), latency.end());
    const auto pct = [&](double p) {
        return latency.empty() ? 0.0
                               : latency[std::min(latency.size() - 1,
                                                  static_cast<std::size_t>(p * latency.size()))];
    };
    fmt::print("latency at {} posts/s for {} s: {} of {} alerts, p50 {:.1f} ms, p99 {:.1f} ms, "
               "max {:.1f} ms (server to subscriber)\n",
               rate, seconds, latency.size(), total, pct(0.50), pct(0.99),
               latency.empty() ? 0.0 : latency.back());
}
