#include "connectors/http_client.hpp"
#include "tests/support/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <zlib.h>

using namespace wijkwacht;
using wijkwacht::test::HttpServer;
using wijkwacht::test::Reply;
using wijkwacht::test::Request;
using namespace std::chrono_literals;

namespace {

HttpOptions test_options() {
    HttpOptions o;
    o.user_agent = "wijkwacht-test/1 (+mailto:ops@example.org)";
    o.max_body_bytes = 64 * 1024;
    o.total_timeout = 5s;
    return o;
}

// Runs one fetch to completion on a private io_context.
Result<HttpResponse> fetch(const std::string& url, HttpOptions options = test_options(),
                           Headers headers = {}) {
    boost::asio::io_context io;
    HttpClient client(io, std::move(options));
    std::optional<Result<HttpResponse>> out;
    client.fetch({url, std::move(headers)},
                 [&](Result<HttpResponse> r) { out.emplace(std::move(r)); });
    io.run();
    REQUIRE(out.has_value());
    CHECK(client.in_flight() == 0);
    return std::move(*out);
}

std::string gzip(std::string_view data) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, data.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

} // namespace

TEST_CASE("a 200 response arrives with body, headers and the request headers we sent") {
    Request seen;
    HttpServer server([&](const Request& r) {
        seen = r;
        return Reply{200, {{"ETag", "\"v1\""}, {"Content-Type", "application/rss+xml"}}, "<rss/>"};
    });
    const auto r = fetch(server.url("/feed.xml"), test_options(), {{"If-None-Match", "\"v0\""}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "<rss/>");
    CHECK(r->header("etag") == "\"v1\"");
    CHECK(r->url == server.url("/feed.xml"));
    CHECK_FALSE(r->fetched_at.empty());
    CHECK(seen.header("user-agent") == "wijkwacht-test/1 (+mailto:ops@example.org)");
    CHECK(seen.header("if-none-match") == "\"v0\"");
    CHECK(seen.header("accept-encoding").find("gzip") != std::string::npos);
}

TEST_CASE("304 Not Modified is a success without a body") {
    HttpServer server([](const Request&) { return Reply{304, {{"ETag", "\"v1\""}}, ""}; });
    const auto r = fetch(server.url("/f"));
    REQUIRE(r.ok());
    CHECK(r->status == 304);
}

TEST_CASE("gzip bodies are decoded; the size cap counts decoded bytes") {
    const std::string text(40 * 1024, 'a');
    HttpServer server([&](const Request& r) {
        const std::string payload = r.target == "/big" ? std::string(10u << 20, 'b') : text;
        return Reply{200, {{"Content-Encoding", "gzip"}}, gzip(payload)};
    });
    const auto small = fetch(server.url("/small"));
    REQUIRE(small.ok());
    CHECK(small->body == text);
    const auto bomb = fetch(server.url("/big")); // ~10 KiB on the wire, 10 MiB decoded
    REQUIRE_FALSE(bomb.ok());
    CHECK(bomb.failure().kind == FailureKind::permanent);
    CHECK(bomb.failure().message.find("response larger than 65536 bytes") != std::string::npos);
}

TEST_CASE("a chunked body past the cap is cut off") {
    HttpServer server([](const Request&) {
        Reply reply{200, {}, std::string(1u << 20, 'x')};
        reply.mode = Reply::Mode::chunked;
        return reply;
    });
    const auto r = fetch(server.url("/chunked"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure().message.find("larger than") != std::string::npos);
}

TEST_CASE("HTTP errors are classified, with the status in the message") {
    HttpServer server([](const Request& r) {
        if (r.target == "/500")
            return Reply{500, {}, "oops"};
        if (r.target == "/429")
            return Reply{429, {{"Retry-After", "120"}}, ""};
        if (r.target == "/503")
            return Reply{503, {{"Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"}}, ""};
        return Reply{404, {}, "nope"};
    });
    const auto e500 = fetch(server.url("/500"));
    REQUIRE_FALSE(e500.ok());
    CHECK(e500.failure().kind == FailureKind::transient);
    CHECK(e500.failure().message == server.url("/500") + ": HTTP 500 Internal Server Error");

    const auto e429 = fetch(server.url("/429"));
    CHECK(e429.failure().kind == FailureKind::rate_limited);
    CHECK(e429.failure().retry_after == 120s);

    const auto e503 = fetch(server.url("/503"));
    CHECK(e503.failure().kind == FailureKind::rate_limited);
    CHECK(e503.failure().retry_after == std::chrono::seconds(7 * 86400)); // capped

    const auto e404 = fetch(server.url("/404"));
    CHECK(e404.failure().kind == FailureKind::permanent);
    CHECK(e404.failure().message.find("HTTP 404") != std::string::npos);
}

TEST_CASE("redirects are followed by hand, bounded and checked") {
    HttpServer server([&](const Request& r) {
        if (r.target == "/moved")
            return Reply{301, {{"Location", "/feed.xml"}}, ""};
        if (r.target == "/loop")
            return Reply{302, {{"Location", "/loop"}}, ""};
        if (r.target == "/to-file")
            return Reply{302, {{"Location", "file:///etc/passwd"}}, ""};
        if (r.target == "/to-plain")
            return Reply{302, {{"Location", "http://news.example/feed"}}, ""};
        return Reply{200, {}, "final"};
    });
    const auto moved = fetch(server.url("/moved"));
    REQUIRE(moved.ok());
    CHECK(moved->body == "final");
    CHECK(moved->url == server.url("/feed.xml"));

    const auto loop = fetch(server.url("/loop"));
    REQUIRE_FALSE(loop.ok());
    CHECK(loop.failure().message.find("more than 5 redirects") != std::string::npos);
    CHECK(server.requests("/loop") == 6);

    const auto file = fetch(server.url("/to-file"));
    REQUIRE_FALSE(file.ok());
    CHECK(file.failure().message.find("redirect refused: scheme \"file\"") != std::string::npos);

    const auto plain = fetch(server.url("/to-plain"));
    REQUIRE_FALSE(plain.ok());
    CHECK(plain.failure().message.find("plain http to news.example is refused") !=
          std::string::npos);
}

TEST_CASE("slow and broken servers time out or fail without hanging") {
    HttpServer server([](const Request& r) {
        Reply reply{200, {}, std::string(100, 'x')};
        if (r.target == "/hang")
            reply.mode = Reply::Mode::hang_after_headers;
        else if (r.target == "/truncated")
            reply.mode = Reply::Mode::truncated;
        else
            reply.mode = Reply::Mode::close_early;
        return reply;
    });
    auto options = test_options();
    options.total_timeout = 500ms;
    const auto hang = fetch(server.url("/hang"), options);
    REQUIRE_FALSE(hang.ok());
    CHECK(hang.failure().kind == FailureKind::transient);
    CHECK(hang.failure().message.find("timed out") != std::string::npos);

    const auto truncated = fetch(server.url("/truncated"), options);
    REQUIRE_FALSE(truncated.ok());
    CHECK(truncated.failure().kind == FailureKind::transient);

    const auto closed = fetch(server.url("/close"), options);
    REQUIRE_FALSE(closed.ok());
    server.stop();
}

TEST_CASE("a refused connection and a refused URL are failures, not exceptions") {
    std::string url;
    {
        HttpServer gone([](const Request&) { return Reply{}; });
        url = gone.url("/x");
    }
    const auto refused = fetch(url);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.failure().kind == FailureKind::transient);

    const auto plain = fetch("http://news.example/feed.xml");
    REQUIRE_FALSE(plain.ok());
    CHECK(plain.failure().kind == FailureKind::permanent);
}

TEST_CASE("many concurrent fetches on one loop all complete once") {
    HttpServer server([](const Request& r) { return Reply{200, {}, r.target}; });
    boost::asio::io_context io;
    HttpClient client(io, test_options());
    std::map<std::string, int> done;
    for (int i = 0; i < 40; ++i) {
        const std::string path = "/item/" + std::to_string(i);
        client.fetch({server.url(path), {}}, [&done, path](Result<HttpResponse> r) {
            REQUIRE(r.ok());
            CHECK(r->body == path);
            ++done[path];
        });
    }
    io.run();
    CHECK(done.size() == 40);
    for (const auto& [path, count] : done)
        CHECK(count == 1);
}

TEST_CASE("no more than max_host_connections requests reach one host at once") {
    // Each request is held until a third one arrives beside it, or 200 ms
    // pass: with the limit of two per host, a third never arrives.
    std::mutex mutex;
    std::condition_variable changed;
    int active = 0, most = 0;
    HttpServer server([&](const Request& r) {
        std::unique_lock lock(mutex);
        most = std::max(most, ++active);
        changed.notify_all();
        changed.wait_for(lock, 200ms, [&] { return active > 2; });
        --active;
        return Reply{200, {}, r.target};
    });
    boost::asio::io_context io;
    HttpOptions options = test_options();
    options.max_host_connections = 2;
    HttpClient client(io, options);
    int done = 0;
    for (int i = 0; i < 6; ++i)
        client.fetch({server.url("/held/" + std::to_string(i)), {}}, [&](Result<HttpResponse> r) {
            CHECK(r.ok());
            ++done;
        });
    io.run();
    CHECK(done == 6);
    CHECK(most == 2);
}

TEST_CASE("cancel_all completes every transfer with a failure") {
    HttpServer server([](const Request&) {
        Reply reply{200, {}, "x"};
        reply.mode = Reply::Mode::hang_after_headers;
        return reply;
    });
    boost::asio::io_context io;
    HttpClient client(io, test_options());
    int failures = 0;
    for (int i = 0; i < 3; ++i)
        client.fetch({server.url("/hang"), {}}, [&](Result<HttpResponse> r) {
            CHECK_FALSE(r.ok());
            ++failures;
        });
    // Drive the loop until the server holds two of them (two per host at once).
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.requests("/hang") < 2 && std::chrono::steady_clock::now() < deadline)
        io.run_for(10ms);
    REQUIRE(server.requests("/hang") == 2);
    client.cancel_all();
    io.restart();
    io.run();
    CHECK(failures == 3);
    server.stop();
}

TEST_CASE("Retry-After parsing") {
    CHECK(parse_retry_after("30") == 30s);
    CHECK(parse_retry_after("0") == 0s);
    CHECK(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0s);
    CHECK_FALSE(parse_retry_after("soon"));
}
