// Black-box: the real wijkwachtd places posts with a gazetteer, routes them
// by area, joins them into incidents, and after a kill -9 and a restart
// decides as a run without the kill.

#include "tests/integration/run_tool.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <future>
#include <map>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

std::string item(std::string_view guid, std::string_view title, std::string_view text) {
    return fmt::format("<item><guid>https://wijk.example/{}</guid><title>{}</title>"
                       "<description>{}</description></item>",
                       guid, title, text);
}

// The first poll's feed, and the second's: one more post of the Maarssen
// stabbing, a new one in Nijmegen, and one that names no place.
std::string feed(int version) {
    std::string items =
        item("1", "Steekpartij in Maarssen",
             "Een 34-jarige man uit Breukelen is aangehouden na de steekpartij bij snackbar De "
             "Gouden Hoek aan de Kaatsbaan in Maarssen.") +
        item("2", "Inbraak in Nijmegen", "Bij een woning aan de Waalkade is ingebroken.");
    if (version == 2)
        items += item("3", "Steekpartij Kaatsbaan",
                      "De 34-jarige verdachte uit Breukelen van de steekpartij bij snackbar De "
                      "Gouden Hoek aan de Kaatsbaan zit vast, het slachtoffer ligt in Maarssen in "
                      "het ziekenhuis.") +
                 item("4", "Steekpartij in een woning", "Een man is gewond geraakt.");
    return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wijk</title>" + items +
           "</channel></rss>";
}

constexpr std::string_view k_rules = R"(
[[rule]]
id = "geweld"
category = "crime.violence"
severity = "high"
query = 'steekpartij OR gestoken'
[[rule]]
id = "inbraak"
category = "crime.burglary"
severity = "high"
query = 'inbraak OR ingebroken'
)";

struct Setup {
    TempDir dir;
    std::atomic<int> version{1};
    std::atomic<bool> hang{false};
    std::promise<void> hanging;
    std::atomic<bool> told{false};
    HttpServer server{[this](const Request&) {
        if (hang) {
            if (!told.exchange(true))
                hanging.set_value();
            Reply r{200, {{"Content-Type", "application/rss+xml"}}, ""};
            r.mode = Reply::Mode::hang_after_headers;
            return r;
        }
        return Reply{200, {{"Content-Type", "application/rss+xml"}}, feed(version)};
    }};
    std::filesystem::path config = dir.path() / "wijkwacht.toml";

    Setup() {
        write_text(dir.path() / "rules.toml", std::string(k_rules));
        write_text(
            config,
            fmt::format(
                R"toml(
[daemon]
state_dir = "state"
rules = ["rules.toml"]
places = "{}"

[publish]
endpoint = "ipc://{}"

[[area]]
name = "utrecht-stad"
gemeenten = ["Utrecht"]

[[source]]
name = "wijk"
type = "feed"
url = "{}"

[[stream]]
name = "utrecht"
areas = ["utrecht-stad"]
unplaced = "landelijk"

[[stream]]
name = "landelijk"
categories = ["none"]
)toml",
                (std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "tests/fixtures/places").string(),
                (dir.path() / "pub.sock").string(), server.url("/feed.xml")));
    }

    int once() {
        auto p = start_wijkwachtd(config, dir.path() / "daemon.log", {}, {"--once"});
        return p->wait(30s).value_or(-1);
    }

    // SELECT … FROM the journal: each row's columns joined by '|'.
    std::vector<std::string> query(const std::string& sql) {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2((dir.path() / "state" / "state.db").c_str(), &db,
                                SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        std::vector<std::string> rows;
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::string row;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const auto* text = sqlite3_column_text(st, c);
                row +=
                    (c ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "");
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rows;
    }

    // Post number (the guid's last digit) -> its incident, named by the
    // post number that opened it.
    std::map<std::string, std::string> incidents() {
        std::map<std::string, std::string> by_alert, out;
        for (const auto& row : query("SELECT a.alert_id, i.incident, "
                                     "(SELECT body FROM deliveries d WHERE d.seq = a.seq LIMIT 1) "
                                     "FROM alerts a JOIN incident_alerts i ON i.seq = a.seq")) {
            const auto bar = row.find('|');
            const auto bar2 = row.find('|', bar + 1);
            const auto body = row.substr(bar2 + 1);
            const auto guid = body.find("https://wijk.example/");
            REQUIRE(guid != std::string::npos);
            const std::string post = body.substr(guid + 21, 1);
            by_alert[row.substr(0, bar)] = post;
            out[post] = row.substr(bar + 1, bar2 - bar - 1);
        }
        for (auto& [post, incident] : out)
            incident = by_alert.count(incident) ? by_alert[incident] : "?" + incident;
        return out;
    }
};

} // namespace

TEST_CASE("posts are placed, routed by area and joined into incidents") {
    Setup s;
    REQUIRE(s.once() == 0);
    s.version = 2;
    REQUIRE(s.once() == 0);
    // Maarssen lies in the area: utrecht. Nijmegen does not: only all. The
    // post that names no place goes where `unplaced` says.
    const auto streams =
        s.query("SELECT stream, kind, stream_seq FROM deliveries ORDER BY stream, stream_seq");
    CHECK(streams == std::vector<std::string>{"all|alert|1", "all|alert|2", "all|alert|3",
                                              "all|incident_update|4", "all|alert|5",
                                              "landelijk|alert|1", "utrecht|alert|1",
                                              "utrecht|alert|2", "utrecht|incident_update|3"});
    const auto bodies = s.query("SELECT body FROM deliveries WHERE stream = 'utrecht' "
                                "ORDER BY stream_seq");
    REQUIRE(bodies.size() == 3);
    CHECK(bodies[0].find("\"places\":[{\"name\":\"Maarssen\",\"kind\":\"woonplaats\","
                         "\"code\":\"WP1010\",\"gemeente\":\"Utrecht\"") != std::string::npos);
    CHECK(bodies[0].find("\"areas\":[\"utrecht-stad\"]") != std::string::npos);
    CHECK(bodies[2].find("\"type\":\"incident_update\"") != std::string::npos);
    CHECK(bodies[2].find("\"count\":2") != std::string::npos);
    CHECK(s.incidents() ==
          std::map<std::string, std::string>{{"1", "1"}, {"2", "2"}, {"3", "1"}, {"4", "4"}});
}

TEST_CASE("kill -9 in the middle of a poll: the restart joins as a run without the kill") {
    Setup reference;
    REQUIRE(reference.once() == 0);
    reference.version = 2;
    REQUIRE(reference.once() == 0);

    Setup killed;
    REQUIRE(killed.once() == 0);
    killed.version = 2;
    killed.hang = true;
    auto daemon = start_wijkwachtd(killed.config, killed.dir.path() / "daemon.log", {}, {"--once"});
    REQUIRE(killed.hanging.get_future().wait_for(30s) == std::future_status::ready);
    daemon->signal(SIGKILL);
    REQUIRE(daemon->wait(10s).has_value());
    killed.hang = false;
    REQUIRE(killed.once() == 0);

    CHECK(killed.incidents() == reference.incidents());
    // Each post flagged once, each alert in one incident.
    CHECK(killed.query("SELECT count(*), count(DISTINCT alert_id) FROM alerts") ==
          std::vector<std::string>{"4|4"});
    CHECK(killed.query("SELECT count(*) FROM alerts a LEFT JOIN incident_alerts i ON i.seq = "
                       "a.seq WHERE i.incident IS NULL") == std::vector<std::string>{"0"});
}
