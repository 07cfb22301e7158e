// wijkwacht-demo-feed: serves the demo's sample posts as RSS feeds on
// loopback, releasing a few more every interval, so the demo shows alerts
// arriving as posts appear. Each post's "source" names its feed:
// /<source>.xml. Supports conditional GET (ETag).

#include "tests/support/http_server.hpp"

#include <wijkwacht/json.hpp>
#include <wijkwacht/time.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};

std::string xml_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string rss(const std::string& feed, const std::vector<wijkwacht::Post>& posts,
                std::size_t released) {
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel>\n";
    out += fmt::format("<title>{}</title><link>https://demo.wijkwacht.example/{}</link>\n",
                       xml_escape(feed), xml_escape(feed));
    for (std::size_t i = released; i-- > 0;) {
        const auto& p = posts[i];
        if (p.source != feed)
            continue;
        const auto nl = p.text.find('\n');
        const std::string title = p.text.substr(0, nl);
        const std::string body = nl == std::string::npos ? "" : p.text.substr(nl + 1);
        out += "<item>";
        out += fmt::format("<guid>{}</guid><title>{}</title><link>{}</link>", xml_escape(p.id),
                           xml_escape(title), xml_escape(p.url));
        out += fmt::format("<description>{}</description>",
                           xml_escape("<p>" + xml_escape(body) + "</p>"));
        out += fmt::format("<pubDate>{}</pubDate>", p.created_at);
        if (!p.author.name.empty())
            out += fmt::format("<author>{}</author>", xml_escape(p.author.name));
        for (const auto& m : p.media)
            out += fmt::format("<media:content url=\"{}\" medium=\"{}\"/>", xml_escape(m.url),
                               wijkwacht::to_string(m.kind));
        out += "</item>\n";
    }
    return out + "</channel></rss>\n";
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "wijkwacht-demo-feed: serves sample posts as RSS on 127.0.0.1, a few more at a time"};
    std::string posts_file;
    unsigned short port = 8750;
    std::size_t batch = 3;
    std::string every = "5s";
    cli.add_option("--posts", posts_file, "Post JSON lines; each post's source names its feed")
        ->required();
    cli.add_option("--port", port, "port on 127.0.0.1")->capture_default_str();
    cli.add_option("--batch", batch, "posts released per step")->capture_default_str();
    cli.add_option("--every", every, "time between releases")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    const auto interval = wijkwacht::parse_duration(every);
    if (!interval) {
        fmt::print(stderr, "--every: \"{}\" is not a duration\n", every);
        return 2;
    }

    std::vector<wijkwacht::Post> posts;
    std::ifstream in(posts_file);
    if (!in) {
        fmt::print(stderr, "{}: cannot open\n", posts_file);
        return 1;
    }
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        auto post = wijkwacht::post_from_json(line);
        if (!post) {
            fmt::print(stderr, "{}:{}: {}\n", posts_file, n, post.failure().message);
            return 1;
        }
        posts.push_back(std::move(*post));
    }

    std::mutex mutex;
    std::size_t released = 0;
    wijkwacht::test::HttpServer server(
        [&](const wijkwacht::test::Request& request) {
            const std::lock_guard lock(mutex);
            std::string feed = request.target.substr(1);
            if (!feed.ends_with(".xml"))
                return wijkwacht::test::Reply{404, {}, "not found\n"};
            feed.resize(feed.size() - 4);
            const std::string etag = fmt::format("\"{}-{}\"", feed, released);
            if (request.header("if-none-match") == etag)
                return wijkwacht::test::Reply{304, {{"ETag", etag}}, ""};
            return wijkwacht::test::Reply{
                200,
                {{"Content-Type", "application/rss+xml; charset=utf-8"}, {"ETag", etag}},
                rss(feed, posts, released)};
        },
        port);
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    fmt::print(stderr, "demo feed: {} posts on {}, {} more every {}\n", posts.size(),
               server.url("/<source>.xml"), batch, every);
    auto next = std::chrono::steady_clock::now() + *interval;
    while (!g_stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (std::chrono::steady_clock::now() < next)
            continue;
        next += *interval;
        const std::lock_guard lock(mutex);
        if (released < posts.size()) {
            const auto now = wijkwacht::format_rfc3339(std::chrono::system_clock::now());
            const std::size_t until = std::min(posts.size(), released + batch);
            for (std::size_t i = released; i < until; ++i)
                posts[i].created_at = now;
            released = until;
            fmt::print(stderr, "demo feed: {} of {} posts published\n", released, posts.size());
        }
    }
    server.stop();
    return 0;
}
