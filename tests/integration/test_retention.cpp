// Black-box test of daemon.retention: the real wijkwachtd, run with --once
// as cron would, over a journal whose rows are aged by hand in between.

#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

std::string feed(bool with_b) {
    std::string items = "<item><guid>https://w.example/a</guid><title>Inbraak A</title></item>";
    if (with_b)
        items += "<item><guid>https://w.example/b</guid><title>Inbraak B</title></item>";
    return "<rss version=\"2.0\"><channel><title>W</title>" + items + "</channel></rss>";
}

void sql(const std::filesystem::path& db, const char* statements) {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
    CHECK(sqlite3_exec(handle, statements, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(handle);
}

} // namespace

TEST_CASE("retention purges old published alerts and ids of posts gone from the feed") {
    TempDir dir;
    std::atomic<bool> with_b{true};
    HttpServer server([&](const Request&) {
        return Reply{200, {{"Content-Type", "application/rss+xml"}}, feed(with_b)};
    });
    write_burglary_rule(dir.path() / "rules.toml");
    write_text(dir.path() / "w.toml",
               fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                           "retention = \"1h\"\n[publish]\nendpoint = \"ipc://{}\"\n"
                           "[[source]]\nname = \"w\"\ntype = \"feed\"\nurl = \"{}\"\n",
                           (dir.path() / "pub.sock").string(), server.url("/w.xml")));
    const auto log = dir.path() / "daemon.log";
    const auto once = [&] {
        std::filesystem::remove(log);
        Process p({WIJKWACHTD_PATH, "--config", (dir.path() / "w.toml").string(), "--once"}, {},
                  log);
        REQUIRE(p.wait(30s) == 0);
        return read_text(log);
    };
    const auto db = dir.path() / "state" / "state.db";
    const auto age = [&](bool purge_due) {
        sql(db, "UPDATE seen SET first_seen = 0; UPDATE deliveries SET created = 0;");
        // The last purge long ago too: the next start purges.
        if (purge_due)
            sql(db, "UPDATE meta SET value = '0' WHERE key = 'purged_at';");
    };

    CHECK(once().find("2 alert(s)") != std::string::npos);
    // Old alerts, but a purge ran moments ago: a cron run does not repeat it.
    age(false);
    CHECK(once().find("purged") == std::string::npos);
    age(true);
    // The alerts are old and published: purged. Both posts are still in the
    // feed: their ids stay, and nothing is flagged twice.
    auto out = once();
    CHECK(out.find("purged 2 alert(s) and 0 seen post id(s) older than 1h") != std::string::npos);
    CHECK(out.find(" new, ") == std::string::npos); // logged only when something is new
    // B leaves the feed; once it is old, its id goes too.
    with_b = false;
    out = once();
    age(true);
    out = once();
    CHECK(out.find("purged 0 alert(s) and 1 seen post id(s)") != std::string::npos);
    // A is never flagged twice while the feed carries it.
    with_b = true;
    out = once();
    CHECK(out.find("2 post(s), 1 new, 1 alert(s)") != std::string::npos);
}
