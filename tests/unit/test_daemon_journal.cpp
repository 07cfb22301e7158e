#include "daemon/journal.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace wijkwacht;
using wijkwacht::test::fixture;
using wijkwacht::test::read_file;
using wijkwacht::test::TempDir;

namespace {

Post post(std::string id, std::string text = "x", std::string platform = "feed") {
    Post p;
    p.source = "wijk";
    p.platform = std::move(platform);
    p.id = std::move(id);
    p.text = std::move(text);
    return p;
}

// Flags posts whose text mentions "inbraak", to the given streams.
Journal::Flagger flag_burglary(std::vector<std::string> streams = {"all"}) {
    return [streams](const Post& p) -> std::optional<RoutedAlert> {
        if (p.text.find("inbraak") == std::string::npos)
            return std::nullopt;
        RoutedAlert r;
        r.alert.id = alert_id(p.platform, p.id);
        r.alert.flagged_at = "2026-11-29T10:00:00Z";
        r.alert.matches.push_back({"inbraak", "crime.burglary", Severity::high, {"inbraak"}, {}});
        summarise_matches(r.alert);
        r.alert.post = p;
        r.streams = streams;
        return r;
    };
}

} // namespace

TEST_CASE("a new journal has a random epoch that survives reopening") {
    TempDir dir;
    std::string epoch;
    {
        Journal j(dir.path() / "state");
        epoch = j.epoch();
        CHECK(epoch.size() == 32);
    }
    Journal again(dir.path() / "state");
    CHECK(again.epoch() == epoch);
    TempDir other;
    CHECK(Journal(other.path()).epoch() != epoch);
    struct stat st {};
    REQUIRE(::stat((dir.path() / "state").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0750);
}

TEST_CASE("posts are flagged once; alerts get per-stream sequence numbers") {
    TempDir dir;
    Journal j(dir.path());
    const SourceState state{"cursor-1", "\"etag\"", "Sun, 29 Nov 2026 10:00:00 GMT"};
    auto stats =
        j.commit("wijk", state, {post("a", "inbraak"), post("b", "koffie"), post("c", "inbraak")},
                 flag_burglary({"all", "centrum"}));
    CHECK(stats.posts == 3);
    CHECK(stats.new_posts == 3);
    CHECK(stats.alerts == 2);
    CHECK(j.source_state("wijk") == state);

    auto pending = j.unpublished(100);
    // In stream order, stream by stream.
    REQUIRE(pending.size() == 4);
    CHECK(pending[0].stream == "all");
    CHECK(pending[0].stream_seq == 1);
    CHECK(pending[1].stream == "all");
    CHECK(pending[1].stream_seq == 2);
    CHECK(pending[2].stream == "centrum");
    CHECK(pending[2].stream_seq == 1);
    const auto alert = alert_from_json(pending[1].body);
    REQUIRE(alert.ok());
    CHECK(alert->seq == 2);
    CHECK(alert->epoch == j.epoch());
    CHECK(alert->stream == "all");
    CHECK(alert->post.id == "c");

    j.mark_published(pending);
    CHECK(j.unpublished(100).empty());

    // The same posts again (the next poll): nothing new.
    stats = j.commit("wijk", state, {post("a", "inbraak"), post("c", "inbraak")}, flag_burglary());
    CHECK(stats.new_posts == 0);
    CHECK(stats.alerts == 0);
    CHECK(j.stream_heads() == std::map<std::string, std::int64_t>{{"all", 2}, {"centrum", 2}});
}

TEST_CASE("the same post from another source is not flagged twice; another platform is") {
    TempDir dir;
    Journal j(dir.path());
    j.commit("wijk", {}, {post("https://x/1", "inbraak")}, flag_burglary());
    auto stats = j.commit("nieuws", {}, {post("https://x/1", "inbraak")}, flag_burglary());
    CHECK(stats.alerts == 0);
    stats = j.commit("video", {}, {post("https://x/1", "inbraak", "youtube")}, flag_burglary());
    CHECK(stats.alerts == 1);
}

TEST_CASE("unpublished alerts survive a restart; sequences continue") {
    TempDir dir;
    {
        Journal j(dir.path());
        j.commit("wijk", {}, {post("a", "inbraak")}, flag_burglary());
    }
    Journal j(dir.path());
    auto pending = j.unpublished(10);
    REQUIRE(pending.size() == 1);
    j.mark_published(pending);
    j.commit("wijk", {}, {post("b", "inbraak")}, flag_burglary());
    pending = j.unpublished(10);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].stream_seq == 2);
}

TEST_CASE("a failure inside the transaction commits nothing") {
    TempDir dir;
    Journal j(dir.path());
    const auto throwing = [](const Post& p) -> std::optional<RoutedAlert> {
        if (p.id == "boom")
            throw Error("rules exploded");
        return std::nullopt;
    };
    CHECK_THROWS_AS(j.commit("wijk", {"new-cursor", "", ""}, {post("a"), post("boom")}, throwing),
                    Error);
    CHECK(j.source_state("wijk").cursor.empty());
    // "a" was not marked seen: it is flagged when the batch comes again.
    const auto stats = j.commit("wijk", {"c2", "", ""}, {post("a", "inbraak")}, flag_burglary());
    CHECK(stats.alerts == 1);
}

TEST_CASE("an unusable state directory is a clear error") {
    TempDir dir;
    wijkwacht::test::write_text(dir.path() / "file", "x");
    CHECK_THROWS_WITH_AS(Journal(dir.path() / "file" / "state"),
                         doctest::Contains("cannot create state directory"), Error);
}

TEST_CASE("a journal written by a newer version is refused, and left as it is") {
    TempDir dir;
    { Journal j(dir.path()); }
    {
        sql::Database db(dir.path() / "state.db");
        db.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH_AS(Journal(dir.path()),
                         doctest::Contains("schema version 99, written by a newer wijkwacht"),
                         Error);
    sql::Database db(dir.path() / "state.db");
    sql::Statement version(db, "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.integer(0) == 99);
}

TEST_CASE("a 0.1.0 journal is upgraded in place, with a copy of the old one kept") {
    TempDir dir;
    {
        sql::Database db(dir.path() / "state.db");
        db.exec(read_file(fixture("journal/v0.1.0.sql")));
        // Made some time ago: keep it inside any retention.
        db.exec("UPDATE deliveries SET created = strftime('%s','now')");
    }
    std::string epoch;
    std::int64_t all_head = 0;
    {
        Journal j(dir.path());
        epoch = j.epoch();
        CHECK(epoch == "24173defe24122ab8b85638a65dde34d"); // the 0.1.0 journal's own
        all_head = j.stream_heads().at("all");
        CHECK(all_head == 10);
        // New alerts continue the numbering; the workflow works on old ones.
        j.commit("wijk", {}, {post("new-1", "inbraak")}, flag_burglary());
        CHECK(j.stream_heads().at("all") == 11);
    }
    CHECK(std::filesystem::exists(dir.path() / "state.db.schema-1.bak"));
    {
        sql::Database old(dir.path() / "state.db.schema-1.bak", sql::Database::Mode::read_only);
        sql::Statement q(old, "SELECT count(*) FROM alerts");
        REQUIRE(q.step());
        CHECK(q.integer(0) == 10);
    }
    Journal again(dir.path()); // opening an upgraded journal changes nothing
    CHECK(again.epoch() == epoch);
    JournalReader reader(dir.path());
    const auto page = reader.replay("all", 0, 100, true);
    REQUIRE(page.alerts.size() == 11);
    const auto first = alert_from_json(page.alerts.front());
    REQUIRE(first);
    CHECK(first->stream_seq == 1);
    CHECK(page.alerts.front().find("\"state\":\"new\"") != std::string::npos);
    WorkflowRequest claim{"claim", first->id, "", "", false, ""};
    const auto result = again.workflow(claim, "anna", {"all", "centrum", "noord"});
    CHECK(result.error.empty());
    CHECK(result.now.state == "claimed");
    CHECK(again.stream_heads().at("all") == 12);
}

TEST_CASE("a reader sees committed alerts of a stream, paged, and says when some were purged") {
    TempDir dir;
    Journal j(dir.path());
    JournalReader reader(dir.path());
    CHECK_FALSE(reader.knows("all"));
    auto page = reader.replay("all", 0, 10);
    CHECK(page.alerts.empty());
    CHECK(page.head == 0);
    CHECK_FALSE(page.truncated);

    std::vector<Post> posts;
    for (int i = 1; i <= 5; ++i)
        posts.push_back(post("p" + std::to_string(i), "inbraak " + std::to_string(i)));
    j.commit("wijk", {}, posts, flag_burglary({"all", "centrum"}));
    CHECK(reader.knows("centrum"));
    page = reader.replay("centrum", 1, 2);
    REQUIRE(page.alerts.size() == 2);
    const auto second = alert_from_json(page.alerts[0]);
    REQUIRE(second.ok());
    CHECK(second->stream == "centrum");
    CHECK(second->stream_seq == 2);
    CHECK(second->post.id == "p2");
    CHECK(page.head == 5);
    CHECK_FALSE(page.truncated);
    CHECK(reader.replay("centrum", 5, 10).alerts.empty());

    // Alerts purged from the front: a request from before them is told.
    {
        sql::Database db(dir.path() / "state.db");
        db.exec("DELETE FROM deliveries WHERE stream = 'all' AND stream_seq <= 3");
    }
    page = reader.replay("all", 1, 10);
    CHECK(page.truncated);
    REQUIRE(page.alerts.size() == 2);
    CHECK(alert_from_json(page.alerts[0])->stream_seq == 4);
    CHECK_FALSE(reader.replay("all", 3, 10).truncated);
    {
        sql::Database db(dir.path() / "state.db");
        db.exec("DELETE FROM deliveries WHERE stream = 'all'");
    }
    page = reader.replay("all", 2, 10);
    CHECK(page.truncated);
    CHECK(page.head == 5);
    CHECK_FALSE(reader.replay("all", 5, 10).truncated);
}

TEST_CASE("a reader needs an existing journal") {
    TempDir dir;
    CHECK_THROWS_AS(JournalReader(dir.path() / "nowhere"), Error);
}

TEST_CASE("purging keeps what is unpublished, recent, or still carried by a source") {
    TempDir dir;
    Journal j(dir.path());
    const auto count = [&](const char* sql) {
        sql::Database db(dir.path() / "state.db");
        sql::Statement q(db, sql);
        REQUIRE(q.step());
        return q.integer(0);
    };
    const auto age = [&] {
        sql::Database db(dir.path() / "state.db");
        db.exec("UPDATE seen SET first_seen = 0; UPDATE deliveries SET created = 0");
    };
    j.commit("wijk", {}, {post("a", "inbraak a"), post("b", "inbraak b")}, flag_burglary());
    j.commit("oud", {}, {post("c", "inbraak c")}, flag_burglary());
    const std::set<std::string> sources{"wijk"}; // "oud" is no longer configured

    // Nothing is old yet.
    auto purged = j.purge(std::chrono::hours(1), sources);
    CHECK(purged.alerts == 0);
    CHECK(purged.seen == 0);

    age();
    // Unpublished alerts are never purged.
    purged = j.purge(std::chrono::hours(1), sources);
    CHECK(purged.alerts == 0);
    // c's source is gone, so c is forgotten; a and b are still in wijk's feed.
    CHECK(purged.seen == 1);
    j.mark_published(j.unpublished(10));
    purged = j.purge(std::chrono::hours(1), sources);
    CHECK(purged.alerts == 3);
    CHECK(count("SELECT COUNT(*) FROM deliveries") == 0);
    CHECK(count("SELECT COUNT(*) FROM seen") == 2);

    // wijk's feed now carries only a: b is forgotten, a is still a duplicate.
    j.commit("wijk", {}, {post("a", "inbraak a")}, flag_burglary());
    age();
    purged = j.purge(std::chrono::hours(1), sources);
    CHECK(purged.seen == 1);
    const auto again =
        j.commit("wijk", {}, {post("a", "inbraak a"), post("b", "inbraak b")}, flag_burglary());
    CHECK(again.new_posts == 1); // b, after the retention: new again
    CHECK(again.alerts == 1);
    // Sequence numbers go on where they were.
    const auto heads = j.stream_heads();
    CHECK(heads.at("all") == 4);
    CHECK(count("SELECT MAX(seq) FROM alerts") == 4);
}

TEST_CASE("posts no rule flags leave no id, text or author in the journal; flagged ones do") {
    TempDir dir;
    {
        Journal j(dir.path() / "state");
        Post citizen = post("at://did:plc:citizen4711/app.bsky.feed.post/3kprivate",
                            "mijn kat heet Minoes", "bluesky");
        citizen.author.handle = "citizen4711.example";
        Post flagged = post("at://did:plc:victim0815/app.bsky.feed.post/3kinbraak",
                            "inbraak bij mij thuis", "bluesky");
        const auto stats = j.commit("bluesky-nl", {}, {citizen, flagged}, flag_burglary());
        CHECK(stats.new_posts == 2);
        CHECK(stats.alerts == 1);
        // Seen all the same: not new a second time.
        CHECK(j.commit("bluesky-nl", {}, {citizen}, flag_burglary()).new_posts == 0);
    }
    std::string bytes;
    for (const auto* name : {"state.db", "state.db-wal"})
        if (std::filesystem::exists(dir.path() / "state" / name))
            bytes += wijkwacht::test::read_text(dir.path() / "state" / name);
    CHECK(bytes.find("citizen4711") == std::string::npos);
    CHECK(bytes.find("Minoes") == std::string::npos);
    CHECK(bytes.find("did:plc:victim0815") != std::string::npos); // the alert keeps its post
}

TEST_CASE("an alert's incident is journaled with it, and a join is an incident_update") {
    TempDir dir;
    const auto joining = [](const Post& p) -> std::optional<RoutedAlert> {
        auto r = flag_burglary({"all", "centrum"})(p);
        if (!r)
            return r;
        r->alert.incident = p.id == "b" ? "inc-a" : "inc-" + p.id;
        if (p.id == "b") {
            Incident now;
            now.id = "inc-a";
            now.count = 2;
            now.first_at = 1'795'945'800;
            now.last_at = 1'795'946'400;
            now.categories = {"crime.burglary"};
            Place utrecht;
            utrecht.name = "Utrecht";
            utrecht.kind = "woonplaats";
            utrecht.code = "WP3295";
            now.places = {utrecht};
            now.alerts = {"x", "y"};
            r->joined = now;
        }
        return r;
    };
    {
        Journal j(dir.path());
        j.commit("wijk", {}, {post("a", "inbraak Utrecht"), post("b", "inbraak Utrecht, weer")},
                 joining);
        const auto pending = j.unpublished(100);
        // all: alert a, alert b, b's incident_update; centrum likewise.
        REQUIRE(pending.size() == 6);
        CHECK(pending[2].stream == "all");
        CHECK(pending[2].stream_seq == 3);
        const auto update = pending[2].body;
        CHECK(update.find("\"type\":\"incident_update\"") != std::string::npos);
        CHECK(update.find("\"incident\":\"inc-a\"") != std::string::npos);
        CHECK(update.find("\"op\":\"joined\"") != std::string::npos);
        CHECK(update.find("\"count\":2") != std::string::npos);
        CHECK(update.find("\"first_at\":\"2026-11-29T09:50:00Z\"") != std::string::npos);
        CHECK(update.find("\"name\":\"Utrecht\"") != std::string::npos);
        CHECK(update.find("\"epoch\":\"" + j.epoch() + "\"") != std::string::npos);
        const auto second = alert_from_json(pending[1].body);
        REQUIRE(second);
        CHECK(second->incident == "inc-a");
    }
    // What a restart rebuilds its index from.
    Journal again(dir.path());
    const auto recorded = again.incident_alerts(0);
    REQUIRE(recorded.size() == 2);
    CHECK(recorded[0].incident == "inc-a");
    CHECK(recorded[1].incident == "inc-a");
    CHECK(recorded[1].alert.post.id == "b");
    CHECK(recorded[0].flagged_at == 1'795'946'400);
    CHECK(again.incident_alerts(1'795'946'401).empty());
    // Replay hands the updates out in their place.
    JournalReader reader(dir.path());
    const auto page = reader.replay("centrum", 0, 10);
    REQUIRE(page.alerts.size() == 3);
    CHECK(page.alerts[2].find("incident_update") != std::string::npos);
    // Retention takes an alert's incident with it.
    again.mark_published(again.unpublished(100));
    {
        sql::Database db(dir.path() / "state.db");
        db.exec("UPDATE deliveries SET created = 0");
    }
    CHECK(again.purge(std::chrono::hours(1), {"wijk"}).alerts == 2);
    CHECK(again.incident_alerts(0).empty());
    sql::Database db(dir.path() / "state.db");
    sql::Statement left(db, "SELECT count(*) FROM incident_alerts");
    REQUIRE(left.step());
    CHECK(left.integer(0) == 0);
}
