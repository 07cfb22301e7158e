#include "daemon/journal.hpp"

#include "core/hash.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <chrono>
#include <sys/stat.h>

namespace wijkwacht {

namespace {

constexpr int k_schema_version = 1;

std::filesystem::path prepare_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw Error(fmt::format("{}: cannot create state directory: {} (create it, or set "
                                "daemon.state_dir to a writable directory)",
                                dir.string(), ec.message()));
    ::chmod(dir.c_str(), 0750);
    return dir / "state.db";
}

} // namespace

Journal::Journal(const std::filesystem::path& state_dir) : m_db(prepare_dir(state_dir)) {
    m_db.exec("PRAGMA journal_mode=WAL");
    m_db.exec("PRAGMA synchronous=FULL");
    m_db.exec(R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
    name TEXT PRIMARY KEY,
    cursor TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen(
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL, -- alert_id(platform, id): a hash, not the id
    source TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY(platform, post_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    flagged_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS streams(name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries(
    stream TEXT NOT NULL,
    stream_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES alerts(seq),
    body TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    PRIMARY KEY(stream, stream_seq));
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(seq) WHERE published = 0;
CREATE TABLE IF NOT EXISTS current(
    source TEXT NOT NULL,
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    PRIMARY KEY(source, platform, post_id)) WITHOUT ROWID;
)sql");
    sql::Transaction txn(m_db);
    sql::Statement get(m_db, "SELECT value FROM meta WHERE key = ?");
    if (get.bind(1, "schema_version").step()) {
        const std::string version = get.text(0);
        if (version != std::to_string(k_schema_version))
            throw Error(fmt::format("{}: state schema version {} is not {} (written by another "
                                    "wijkwacht version)",
                                    m_db.file().string(), version, k_schema_version));
    }
    get.reset();
    if (get.bind(1, "epoch").step()) {
        m_epoch = get.text(0);
        get.reset();
    } else {
        get.reset();
        m_epoch = random_hex(16);
        sql::Statement put(m_db, "INSERT INTO meta(key, value) VALUES (?, ?)");
        put.bind(1, "epoch").bind(2, m_epoch).run();
        put.bind(1, "schema_version").bind(2, std::to_string(k_schema_version)).run();
    }
    txn.commit();
}

SourceState Journal::source_state(const std::string& source) {
    sql::Statement q(m_db, "SELECT cursor, etag, last_modified FROM sources WHERE name = ?");
    SourceState state;
    if (q.bind(1, source).step())
        state = {q.text(0), q.text(1), q.text(2)};
    return state;
}

namespace {
void store_state(sql::Database& db, const std::string& source, const SourceState& state) {
    sql::Statement q(db,
                     "INSERT INTO sources(name, cursor, etag, last_modified, updated_at) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                     "cursor = excluded.cursor, etag = excluded.etag, "
                     "last_modified = excluded.last_modified, updated_at = excluded.updated_at");
    q.bind(1, source).bind(2, state.cursor).bind(3, state.etag).bind(4, state.last_modified);
    q.bind(5, unix_now()).run();
}
} // namespace

void Journal::save_source_state(const std::string& source, const SourceState& state) {
    sql::Transaction txn(m_db);
    store_state(m_db, source, state);
    txn.commit();
}

CommitStats Journal::commit(const std::string& source, const SourceState& state,
                            const std::vector<Post>& posts, const Flagger& flag, bool carried) {
    CommitStats stats;
    stats.posts = posts.size();
    sql::Transaction txn(m_db);
    sql::Statement mark(m_db, "INSERT OR IGNORE INTO seen(platform, post_id, source, first_seen) "
                              "VALUES (?, ?, ?, ?)");
    sql::Statement add_alert(m_db, "INSERT INTO alerts(alert_id, flagged_at) VALUES (?, ?)");
    sql::Statement next_seq(m_db, "INSERT INTO streams(name, last_seq) VALUES (?, 1) "
                                  "ON CONFLICT(name) DO UPDATE SET last_seq = last_seq + 1 "
                                  "RETURNING last_seq");
    sql::Statement deliver(m_db, "INSERT INTO deliveries(stream, stream_seq, seq, body, created) "
                                 "VALUES (?, ?, ?, ?, ?)");
    // What the source carries now: never purged from `seen` while it does.
    sql::Statement forget(m_db, "DELETE FROM current WHERE source = ?");
    if (carried)
        forget.bind(1, source).run();
    sql::Statement carry(
        m_db, "INSERT OR IGNORE INTO current(source, platform, post_id) VALUES (?, ?, ?)");
    const auto now = unix_now();
    for (const Post& post : posts) {
        // Posts are known by a hash of their id: for posts no rule flags
        // (citizens' posts, mostly) nothing of the post or its author is kept.
        const std::string key = alert_id(post.platform, post.id);
        if (carried)
            carry.bind(1, source).bind(2, post.platform).bind(3, key).run();
        mark.bind(1, post.platform).bind(2, key).bind(3, source).bind(4, now).run();
        if (m_db.changes() == 0)
            continue; // seen before, by this source or another
        ++stats.new_posts;
        auto routed = flag(post);
        if (!routed)
            continue;
        Alert& alert = routed->alert;
        alert.epoch = m_epoch;
        add_alert.bind(1, alert.id).bind(2, alert.flagged_at).run();
        alert.seq = m_db.last_insert_rowid();
        ++stats.alerts;
        for (const auto& stream : routed->streams) {
            if (!next_seq.bind(1, stream).step())
                m_db.fail("stream sequence");
            alert.stream = stream;
            alert.stream_seq = next_seq.integer(0);
            next_seq.reset();
            deliver.bind(1, stream).bind(2, alert.stream_seq).bind(3, alert.seq);
            deliver.bind(4, to_json(alert)).bind(5, now).run();
        }
    }
    store_state(m_db, source, state);
    txn.commit();
    return stats;
}

std::vector<Delivery> Journal::unpublished(std::size_t limit) {
    sql::Statement q(m_db, "SELECT stream, stream_seq, body FROM deliveries WHERE published = 0 "
                           "ORDER BY seq, stream LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<Delivery> out;
    while (q.step())
        out.push_back({q.text(0), q.integer(1), q.text(2)});
    return out;
}

void Journal::mark_published(const std::vector<Delivery>& deliveries) {
    if (deliveries.empty())
        return;
    sql::Transaction txn(m_db);
    sql::Statement q(m_db,
                     "UPDATE deliveries SET published = 1 WHERE stream = ? AND stream_seq = ?");
    for (const auto& d : deliveries)
        q.bind(1, d.stream).bind(2, d.stream_seq).run();
    txn.commit();
}

bool Journal::purge_due(std::chrono::seconds every) {
    sql::Statement q(m_db, "SELECT value FROM meta WHERE key = 'purged_at'");
    if (!q.step())
        return true;
    return unix_now() - std::stoll(q.text(0)) >= every.count();
}

PurgeStats Journal::purge(std::chrono::seconds retention, const std::set<std::string>& sources) {
    const std::int64_t now = unix_now();
    const std::int64_t cutoff = now - retention.count();
    PurgeStats stats;
    sql::Transaction txn(m_db);
    // What sources no longer configured carried protects nothing; what the
    // others carry now is kept (an index of it lives for this purge only,
    // so polls do not pay for one).
    m_db.exec("CREATE TEMP TABLE IF NOT EXISTS configured(name TEXT PRIMARY KEY)");
    m_db.exec("DELETE FROM configured");
    sql::Statement add(m_db, "INSERT OR IGNORE INTO configured(name) VALUES (?)");
    for (const auto& name : sources)
        add.bind(1, name).run();
    m_db.exec("DELETE FROM current WHERE source NOT IN (SELECT name FROM configured)");
    m_db.exec("CREATE TEMP TABLE IF NOT EXISTS carried(platform TEXT, post_id TEXT, "
              "PRIMARY KEY(platform, post_id)) WITHOUT ROWID");
    m_db.exec("DELETE FROM carried");
    m_db.exec("INSERT OR IGNORE INTO carried SELECT platform, post_id FROM current");
    sql::Statement seen(m_db, "DELETE FROM seen WHERE first_seen < ? AND NOT EXISTS (SELECT 1 "
                              "FROM carried c WHERE c.platform = seen.platform AND c.post_id = "
                              "seen.post_id)");
    seen.bind(1, cutoff).run();
    stats.seen = static_cast<std::size_t>(m_db.changes());
    // Published deliveries only: what is not yet out is never thrown away.
    sql::Statement deliveries(m_db, "DELETE FROM deliveries WHERE published = 1 AND created < ?");
    deliveries.bind(1, cutoff).run();
    m_db.exec("DELETE FROM alerts WHERE seq NOT IN (SELECT seq FROM deliveries)");
    stats.alerts = static_cast<std::size_t>(m_db.changes());
    m_db.exec("DROP TABLE configured");
    m_db.exec("DROP TABLE carried");
    sql::Statement mark(m_db, "INSERT INTO meta(key, value) VALUES ('purged_at', ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    mark.bind(1, std::to_string(now)).run();
    txn.commit();
    return stats;
}

std::map<std::string, std::int64_t> Journal::stream_heads() {
    sql::Statement q(m_db, "SELECT name, last_seq FROM streams");
    std::map<std::string, std::int64_t> out;
    while (q.step())
        out.emplace(q.text(0), q.integer(1));
    return out;
}

JournalReader::JournalReader(const std::filesystem::path& state_dir)
    : m_db(state_dir / "state.db", sql::Database::Mode::read_only) {}

ReplayPage JournalReader::replay(const std::string& stream, std::int64_t after, std::size_t limit) {
    // One read transaction, so head, oldest and rows agree.
    m_db.exec("BEGIN");
    ReplayPage page;
    try {
        sql::Statement head(m_db, "SELECT last_seq FROM streams WHERE name = ?");
        if (head.bind(1, stream).step())
            page.head = head.integer(0);
        sql::Statement oldest(m_db, "SELECT MIN(stream_seq) FROM deliveries WHERE stream = ?");
        if (oldest.bind(1, stream).step() && oldest.integer(0) > 0)
            page.truncated = after + 1 < oldest.integer(0);
        else
            page.truncated = after < page.head; // numbered, but every alert purged
        sql::Statement rows(m_db, "SELECT body FROM deliveries WHERE stream = ? AND stream_seq > ? "
                                  "ORDER BY stream_seq LIMIT ?");
        rows.bind(1, stream).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
        while (rows.step())
            page.alerts.push_back(rows.text(0));
    } catch (...) {
        m_db.exec("ROLLBACK");
        throw;
    }
    m_db.exec("COMMIT");
    return page;
}

bool JournalReader::knows(const std::string& stream) {
    sql::Statement q(m_db, "SELECT 1 FROM streams WHERE name = ?");
    return q.bind(1, stream).step();
}

} // namespace wijkwacht
