// Hostile servers: each misbehaving source fails alone, with a logged reason
// and bounded memory, while a healthy source in the same daemon keeps
// producing alerts.

#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <zlib.h>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

std::string gzip_zeros(std::size_t size) {
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    const std::string zeros(1 << 20, '\0');
    std::string out;
    char buffer[1 << 16];
    for (std::size_t done = 0; done < size; done += zeros.size()) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
        z.avail_in = static_cast<uInt>(zeros.size());
        const int flush = done + zeros.size() >= size ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buffer);
            z.avail_out = sizeof buffer;
            deflate(&z, flush);
            out.append(buffer, sizeof buffer - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    return out;
}

std::string rss(std::string_view items) {
    return fmt::format(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}</channel></rss>",
        items);
}

long vm_hwm_kib(int pid) {
    std::ifstream status(fmt::format("/proc/{}/status", pid));
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmHWM:"))
            return std::stol(line.substr(6));
    return -1;
}

const std::vector<std::string> k_hostile = {"chunked", "bomb",  "trickle", "hang", "loop",
                                            "tofile",  "storm", "toomany", "deep", "truncated"};

} // namespace

TEST_CASE("hostile servers fail their own source only, with a reason and bounded memory") {
    TempDir dir;
    std::atomic<bool> hostile{false};
    const std::string bomb = gzip_zeros(64u << 20);
    const std::string quiet =
        rss("<item><guid>https://q.example/1</guid><title>koffie</title></item>");
    std::string deep = "[";
    for (int i = 0; i < 100000; ++i)
        deep += "[";
    HttpServer server([&](const Request& r) {
        const std::string& t = r.target;
        if (t == "/good.xml")
            return Reply{200,
                         {},
                         hostile ? rss("<item><guid>https://g.example/1</guid><title>Inbraak "
                                       "gemeld</title></item>")
                                 : quiet};
        if (t.find("/api/v1/timelines/tag/") != std::string::npos)
            return Reply{200, {{"Content-Type", "application/json"}}, hostile ? deep : "[]"};
        if (!hostile)
            return Reply{200, {}, quiet};
        Reply reply{200, {}, ""};
        if (t == "/chunked.xml") {
            reply.mode = Reply::Mode::chunked;
            reply.body = std::string(10u << 20, 'x');
        } else if (t == "/bomb.xml") {
            reply.headers = {{"Content-Encoding", "gzip"}};
            reply.body = bomb;
        } else if (t == "/trickle.xml") {
            reply.mode = Reply::Mode::trickle;
            reply.trickle_interval = 1s;
            reply.body = quiet;
        } else if (t == "/hang.xml") {
            reply.mode = Reply::Mode::hang_after_headers;
            reply.body = quiet;
        } else if (t == "/loop.xml") {
            reply = Reply{302, {{"Location", "/loop.xml"}}, ""};
        } else if (t == "/tofile.xml") {
            reply = Reply{302, {{"Location", "file:///etc/passwd"}}, ""};
        } else if (t == "/storm.xml") {
            reply = Reply{500, {}, "no"};
        } else if (t == "/toomany.xml") {
            reply = Reply{429, {{"Retry-After", "3600"}}, ""};
        } else if (t == "/truncated.xml") {
            reply.mode = Reply::Mode::truncated;
            reply.body = rss("<item><guid>https://t.example/1</guid><title>x</title></item>");
        } else if (t == "/badutf8.xml") {
            reply.body = rss("<item><guid>https://b.example/2</guid><title>inbraak \xFF\xFE\xC3 "
                             "fiets</title></item>");
        } else if (t == "/laughs.xml") {
            reply.body =
                "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
                "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><rss version=\"2.0\"><channel>"
                "<item><guid>https://l.example/3</guid><title>&c;</title>"
                "<description>inbraak</description></item></channel></rss>";
        }
        return reply;
    });

    std::string sources;
    for (const auto& name : k_hostile) {
        if (name == "deep")
            sources +=
                fmt::format("[[source]]\nname = \"deep\"\ntype = \"mastodon\"\ninstance = \"{}\"\n"
                            "hashtag = \"deep\"\ninterval = \"300ms\"\n\n",
                            server.url(""));
        else
            sources += fmt::format("[[source]]\nname = \"{}\"\ntype = \"feed\"\nurl = "
                                   "\"{}\"\ninterval = \"300ms\"\n\n",
                                   name, server.url("/" + name + ".xml"));
    }
    for (const auto* name : {"good", "badutf8", "laughs"})
        sources += fmt::format(
            "[[source]]\nname = \"{}\"\ntype = \"feed\"\nurl = \"{}\"\ninterval = \"300ms\"\n\n",
            name, server.url(std::string("/") + name + ".xml"));
    write_burglary_rule(dir.path() / "rules.toml");
    const std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    write_text(
        dir.path() / "w.toml",
        fmt::format(
            "[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\nhttp_timeout = \"2s\"\n"
            "[publish]\nendpoint = \"{}\"\nheartbeat = \"200ms\"\n\n{}",
            endpoint, sources));

    Subscriber sub(endpoint);

    NotifySocket notify(dir.path() / "notify.sock");
    const auto log = dir.path() / "daemon.log";
    Process daemon({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string()},
                   {{"NOTIFY_SOCKET", notify.path().string()}}, log);
    REQUIRE(notify.wait_for("READY=1", 15s));
    REQUIRE(sub.until([](const Message& m) { return m.type() == "heartbeat"; }, 30s));

    hostile = true;
    // The healthy source, and the two odd but readable ones, each raise an alert.
    for (const std::string source : {"good", "badutf8", "laughs"}) {
        CAPTURE(source);
        const std::string needle = "\"source\":\"" + source + "\"";
        const auto alerted = [&](const std::string& m) {
            return m.find(needle) != std::string::npos;
        };
        CHECK((std::any_of(sub.alerts.begin(), sub.alerts.end(), alerted) ||
               sub.until([&](const Message& m) { return m.type() == "alert" && alerted(m.body); },
                         30s)));
    }
    for (const auto& name : k_hostile) {
        CAPTURE(name);
        const std::string needle = fmt::format("\"source\":\"{}\",\"state\":\"failing\"", name);
        const auto failing = [&](const std::string& m) {
            return m.find(needle) != std::string::npos;
        };
        CHECK((std::any_of(sub.health.begin(), sub.health.end(), failing) ||
               sub.until([&](const Message& m) { return failing(m.body); }, 30s)));
    }
    const long hwm = vm_hwm_kib(daemon.pid());
    daemon.signal(SIGTERM);
    CHECK(daemon.wait(10s) == 0);

    const auto text = read_text(log);
    const auto failed = [&](std::string_view source, std::string_view reason) {
        const auto prefix = fmt::format("[source:{}] poll failed", source);
        for (std::size_t at = text.find(prefix); at != std::string::npos;
             at = text.find(prefix, at + 1)) {
            const auto line = text.substr(at, text.find('\n', at) - at);
            if (line.find(reason) != std::string::npos)
                return true;
        }
        MESSAGE("no \"" << reason << "\" for " << source);
        return false;
    };
    CHECK(failed("chunked", "not well-formed XML"));
    CHECK(failed("bomb", "response larger than"));
    CHECK(failed("trickle", "timed out"));
    CHECK(failed("hang", "timed out"));
    CHECK(failed("loop", "more than 5 redirects"));
    CHECK(failed("tofile", "redirect refused: scheme \"file\""));
    CHECK(failed("storm", "HTTP 500"));
    CHECK(failed("toomany", "(rate-limited)"));
    CHECK(failed("deep", "nested deeper than"));
    CHECK(failed("truncated", "transient"));
    CHECK(text.find("[source:badutf8] 1 post(s), 1 new") != std::string::npos);
    CHECK(text.find("[source:laughs] 1 post(s), 1 new") != std::string::npos);
    // Retry-After: 3600 is honoured: one request while hostile.
    CHECK(server.requests("/toomany.xml") <= 2);
    CHECK(hwm > 0);
#ifndef WIJKWACHT_SANITIZED  // ASan's shadow memory and quarantine say nothing about ours
    CHECK(hwm < 200 * 1024); // KiB
#endif
    MESSAGE("daemon peak RSS " << hwm / 1024 << " MiB");
}

TEST_CASE("sources behind slow ones on the same host get their whole timeout") {
    // Two sources whose server answers too slowly hold both connections
    // wijkwacht opens to a host until their 2 s timeout; a third source there
    // must then be polled with a timeout of its own, not fail having waited.
    TempDir dir;
    HttpServer server([&](const Request& r) {
        if (r.target == "/good.xml")
            return Reply{
                200,
                {},
                rss("<item><guid>https://g.example/1</guid><title>Inbraak gemeld</title></item>")};
        // 200 bytes a second: above libcurl's low-speed limit, so only the
        // overall timeout ends them.
        Reply reply{200, {}, rss(std::string(4000, ' '))};
        reply.mode = Reply::Mode::trickle;
        reply.trickle_interval = 5ms;
        return reply;
    });
    std::string sources;
    for (const auto* name : {"slow1", "slow2", "good"})
        sources += fmt::format("[[source]]\nname = \"{}\"\ntype = \"feed\"\nurl = \"{}\"\n\n", name,
                               server.url(std::string("/") + name + ".xml"));
    write_burglary_rule(dir.path() / "rules.toml");
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "http_timeout = \"2s\"\n[publish]\nendpoint = \"ipc://{}\"\n\n{}",
                           (dir.path() / "pub.sock").string(), sources));
    const auto log = dir.path() / "daemon.log";
    Process daemon({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string(), "--once"}, {},
                   log);
    REQUIRE(daemon.wait(30s));
    const auto text = read_text(log);
    CAPTURE(text);
    CHECK(text.find("[source:slow1] poll failed") != std::string::npos);
    CHECK(text.find("[source:slow2] poll failed") != std::string::npos);
    CHECK(text.find("[source:good] poll failed") == std::string::npos);
    CHECK(text.find("[source:good] 1 post(s), 1 new, 1 alert(s)") != std::string::npos);
}
