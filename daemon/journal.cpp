#include "daemon/journal.hpp"

#include "core/hash.hpp"
#include "core/json_util.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <chrono>
#include <sys/stat.h>

namespace wijkwacht {

namespace {

// The schema as 0.1.0 created it (schema 1); later versions are reached by
// the migrations below, in order. PRAGMA user_version holds the version
// (0.1.0 kept it in meta.schema_version only).
constexpr std::string_view k_base_schema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources(
    name TEXT PRIMARY KEY,
    cursor TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL);
CREATE TABLE seen(
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL, -- alert_id(platform, id): a hash, not the id
    source TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY(platform, post_id)) WITHOUT ROWID;
CREATE TABLE alerts(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    flagged_at TEXT NOT NULL);
CREATE TABLE streams(name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE deliveries(
    stream TEXT NOT NULL,
    stream_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES alerts(seq),
    body TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    PRIMARY KEY(stream, stream_seq));
CREATE INDEX deliveries_pending ON deliveries(seq) WHERE published = 0;
CREATE TABLE current(
    source TEXT NOT NULL,
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    PRIMARY KEY(source, platform, post_id)) WITHOUT ROWID;
)sql";

// k_migrations[i] takes schema i + 1 to schema i + 2.
constexpr std::string_view k_migrations[] = {
    // 2: the team workflow. Deliveries are alerts or alert updates; every
    // alert without a row in alert_state is new.
    // Unpublished messages go out in stream order (an update of an old
    // alert may be numbered after a newer alert).
    R"sql(
ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert';
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries(stream, stream_seq) WHERE published = 0;
CREATE INDEX deliveries_by_alert ON deliveries(seq);
CREATE INDEX alerts_by_id ON alerts(alert_id);
CREATE TABLE alert_state(
    seq INTEGER PRIMARY KEY REFERENCES alerts(seq),
    state TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    changed_at INTEGER NOT NULL);
CREATE INDEX alert_state_claimed ON alert_state(changed_at) WHERE state = 'claimed';
CREATE TABLE transitions(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL REFERENCES alerts(seq),
    op TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '');
CREATE INDEX transitions_by_alert ON transitions(seq);
)sql",
    // 3: incidents. Each alert's incident, decided when it was flagged and
    // journaled with it; incident updates are deliveries of kind
    // 'incident_update'.
    R"sql(
CREATE TABLE incident_alerts(
    seq INTEGER PRIMARY KEY REFERENCES alerts(seq),
    incident TEXT NOT NULL);
CREATE INDEX incident_alerts_by_incident ON incident_alerts(incident);
CREATE INDEX alerts_by_time ON alerts(flagged_at);
)sql",
};

constexpr int k_schema_version = 1 + static_cast<int>(std::size(k_migrations));

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

int schema_version(sql::Database& db) {
    sql::Statement version(db, "PRAGMA user_version");
    if (version.step() && version.integer(0) > 0)
        return static_cast<int>(version.integer(0));
    sql::Statement has_meta(db,
                            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    if (!has_meta.step())
        return 0; // a new, empty file
    sql::Statement legacy(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (legacy.step()) {
        const std::string text = legacy.text(0);
        if (text == "1")
            return 1;
        throw Error(fmt::format("{}: unreadable schema version \"{}\"", db.file().string(), text));
    }
    return 0;
}

std::string rfc3339_of(std::int64_t unix_seconds) {
    return format_rfc3339(SysTime(std::chrono::seconds(unix_seconds)));
}

} // namespace

Journal::Journal(const std::filesystem::path& state_dir) : m_db(prepare_dir(state_dir)) {
    m_db.exec("PRAGMA journal_mode=WAL");
    m_db.exec("PRAGMA synchronous=FULL");
    int version = schema_version(m_db);
    if (version > k_schema_version)
        throw Error(fmt::format(
            "{}: the journal has schema version {}, written by a newer wijkwacht; this one "
            "(" WIJKWACHT_VERSION ") knows versions up to {}: run the newer wijkwacht, or restore "
            "a backup of the state directory made with this one",
            m_db.file().string(), version, k_schema_version));
    if (version > 0 && version < k_schema_version) {
        // A copy of the journal as it was, before anything is changed.
        const auto backup = m_db.file().string() + fmt::format(".schema-{}.bak", version);
        std::filesystem::remove(backup);
        sql::Statement copy(m_db, "VACUUM INTO ?");
        copy.bind(1, backup).run();
        log::notice("journal", "upgrading {} from schema {} to {} (the old one is kept as {})",
                    m_db.file().string(), version, k_schema_version, backup);
    }
    sql::Transaction txn(m_db);
    if (version == 0) {
        m_db.exec(k_base_schema);
        m_epoch = random_hex(16);
        sql::Statement put(m_db, "INSERT INTO meta(key, value) VALUES (?, ?)");
        put.bind(1, "epoch").bind(2, m_epoch).run();
        version = 1;
    }
    for (; version < k_schema_version; ++version)
        m_db.exec(k_migrations[version - 1]);
    m_db.exec(fmt::format("PRAGMA user_version = {}", k_schema_version));
    sql::Statement put(m_db, "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    put.bind(1, std::to_string(k_schema_version)).run();
    sql::Statement get(m_db, "SELECT value FROM meta WHERE key = 'epoch'");
    if (!get.step())
        throw Error(fmt::format("{}: the journal has no epoch", m_db.file().string()));
    m_epoch = get.text(0);
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

// Numbers a stream's messages (alerts and alert updates alike, SPEC §5) and
// stores them for publishing and replay.
class Deliveries {
public:
    explicit Deliveries(sql::Database& db)
        : m_db(db), m_next(db, "INSERT INTO streams(name, last_seq) VALUES (?, 1) "
                               "ON CONFLICT(name) DO UPDATE SET last_seq = last_seq + 1 "
                               "RETURNING last_seq"),
          m_add(db, "INSERT INTO deliveries(stream, stream_seq, seq, body, created, kind) "
                    "VALUES (?, ?, ?, ?, ?, ?)") {}

    // The next stream_seq of `stream`, taken.
    std::int64_t next(const std::string& stream) {
        if (!m_next.bind(1, stream).step())
            m_db.fail("stream sequence");
        const auto seq = m_next.integer(0);
        m_next.reset();
        return seq;
    }
    // Stores a message of `alert_seq` numbered by next(stream).
    void add(const std::string& stream, std::int64_t stream_seq, std::int64_t alert_seq,
             std::string_view body, std::string_view kind) {
        m_add.bind(1, stream).bind(2, stream_seq).bind(3, alert_seq).bind(4, body);
        m_add.bind(5, unix_now()).bind(6, kind).run();
    }

private:
    sql::Database& m_db;
    sql::Statement m_next, m_add;
};

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
    sql::Statement add_incident(m_db, "INSERT INTO incident_alerts(seq, incident) VALUES (?, ?)");
    Deliveries deliveries(m_db);
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
        if (!alert.incident.empty())
            add_incident.bind(1, alert.seq).bind(2, alert.incident).run();
        for (const auto& stream : routed->streams) {
            alert.stream = stream;
            alert.stream_seq = deliveries.next(stream);
            deliveries.add(stream, alert.stream_seq, alert.seq, to_json(alert), "alert");
            if (routed->joined) {
                const auto seq = deliveries.next(stream);
                deliveries.add(
                    stream, seq, alert.seq,
                    incident_update_json(*routed->joined, "joined", alert.id, m_epoch, stream, seq),
                    "incident_update");
            }
        }
    }
    store_state(m_db, source, state);
    txn.commit();
    return stats;
}

std::vector<RecordedAlert> Journal::incident_alerts(std::int64_t since) {
    sql::Statement q(m_db,
                     "SELECT a.flagged_at, i.incident, "
                     "(SELECT body FROM deliveries d WHERE d.seq = a.seq AND d.kind = 'alert' "
                     "LIMIT 1) FROM alerts a JOIN incident_alerts i ON i.seq = a.seq "
                     "WHERE a.flagged_at >= ? ORDER BY a.seq");
    q.bind(1, rfc3339_of(since));
    std::vector<RecordedAlert> out;
    while (q.step()) {
        auto alert = alert_from_json(q.text(2));
        const auto at = parse_rfc3339(q.text(0));
        if (!alert || !at)
            continue; // its deliveries purged: nothing left to join to
        out.push_back(
            {std::move(*alert), q.text(1),
             std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch()).count()});
    }
    return out;
}

std::string incident_update_json(const Incident& incident, std::string_view op,
                                 std::string_view alert, std::string_view epoch,
                                 std::string_view stream, std::int64_t stream_seq) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    const auto field = [&](std::string_view key, std::string_view value) {
        write_key(out, key);
        write_string(out, value);
    };
    field("type", "incident_update");
    field("epoch", epoch);
    field("stream", stream);
    write_key(out, "stream_seq");
    out.Int64(stream_seq);
    field("incident", incident.id);
    field("op", op);
    field("alert", alert);
    write_key(out, "count");
    out.Uint64(incident.count);
    field("first_at", rfc3339_of(incident.first_at));
    field("last_at", rfc3339_of(incident.last_at));
    write_key(out, "places");
    out.StartArray();
    for (const auto& p : incident.places)
        write_place(out, p);
    out.EndArray();
    write_key(out, "categories");
    out.StartArray();
    for (const auto& c : incident.categories)
        write_string(out, c);
    out.EndArray();
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::vector<Delivery> Journal::unpublished(std::size_t limit) {
    sql::Statement q(m_db, "SELECT stream, stream_seq, body FROM deliveries WHERE published = 0 "
                           "ORDER BY stream, stream_seq LIMIT ?");
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
    m_db.exec("DELETE FROM alert_state WHERE seq NOT IN (SELECT seq FROM alerts)");
    m_db.exec("DELETE FROM transitions WHERE seq NOT IN (SELECT seq FROM alerts)");
    m_db.exec("DELETE FROM incident_alerts WHERE seq NOT IN (SELECT seq FROM alerts)");
    m_db.exec("DROP TABLE configured");
    m_db.exec("DROP TABLE carried");
    sql::Statement mark(m_db, "INSERT INTO meta(key, value) VALUES ('purged_at', ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    mark.bind(1, std::to_string(now)).run();
    txn.commit();
    return stats;
}

namespace detail {
struct FoundAlert {
    std::int64_t seq = 0;
    std::string id;
    WorkState state;
};
} // namespace detail

namespace {
using detail::FoundAlert;

// The alert an id (or the first hex digits of one) names, or why none.
std::variant<FoundAlert, std::string> find_alert(sql::Database& db, const std::string& ref) {
    // Hex digits only: every id starting with `ref` sorts in [ref, ref + "g").
    sql::Statement q(db, "SELECT a.seq, a.alert_id, s.state, s.owner, s.changed_at FROM alerts a "
                         "LEFT JOIN alert_state s ON s.seq = a.seq "
                         "WHERE a.alert_id >= ? AND a.alert_id < ? ORDER BY a.seq DESC LIMIT 2");
    q.bind(1, ref).bind(2, ref + "g");
    if (!q.step())
        return fmt::format("no alert {} (unknown, or purged after daemon.retention)", ref);
    FoundAlert found;
    found.seq = q.integer(0);
    found.id = q.text(1);
    if (!q.text(2).empty()) {
        found.state.state = q.text(2);
        found.state.owner = q.text(3);
        found.state.changed_at = rfc3339_of(q.integer(4));
    }
    if (q.step() && q.text(1) != found.id)
        return fmt::format("{} is the start of more than one alert id: give more of it", ref);
    return found;
}

std::vector<std::string> streams_carrying(sql::Database& db, std::int64_t seq) {
    sql::Statement q(db, "SELECT DISTINCT stream FROM deliveries WHERE seq = ? AND kind = 'alert' "
                         "ORDER BY stream");
    q.bind(1, seq);
    std::vector<std::string> out;
    while (q.step())
        out.push_back(q.text(0));
    return out;
}

} // namespace

void Journal::record(const FoundAlert& alert, const Transition& t, const Change& change) {
    const std::int64_t now = unix_now();
    const std::string at = rfc3339_of(now);
    sql::Statement log(m_db, "INSERT INTO transitions(seq, op, actor, at, from_state, to_state, "
                             "note, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    log.bind(1, alert.seq).bind(2, change.op).bind(3, change.actor).bind(4, at);
    log.bind(5, t.from).bind(6, t.state).bind(7, change.note).bind(8, change.to).run();
    sql::Statement state(m_db, "INSERT INTO alert_state(seq, state, owner, changed_at) "
                               "VALUES (?, ?, ?, ?) ON CONFLICT(seq) DO UPDATE SET "
                               "state = excluded.state, owner = excluded.owner, "
                               "changed_at = excluded.changed_at");
    state.bind(1, alert.seq).bind(2, t.state).bind(3, t.owner).bind(4, now).run();
    Deliveries deliveries(m_db);
    auto streams = streams_carrying(m_db, alert.seq);
    if (!change.to.empty()) {
        // Escalated: the alert itself goes out on the new stream first.
        sql::Statement body(m_db, "SELECT body FROM deliveries WHERE seq = ? AND kind = 'alert' "
                                  "LIMIT 1");
        if (!body.bind(1, alert.seq).step())
            throw Error(fmt::format("alert {}: its message was purged already", alert.id));
        auto copy = alert_from_json(body.text(0));
        if (!copy)
            throw Error(fmt::format("alert {}: stored message unreadable: {}", alert.id,
                                    copy.failure().message));
        copy->stream = change.to;
        copy->stream_seq = deliveries.next(change.to);
        deliveries.add(change.to, copy->stream_seq, alert.seq, to_json(*copy), "alert");
        streams.push_back(change.to);
    }
    AlertUpdate update{m_epoch, "",           0,  alert.id,    change.op, t.from, t.state,
                       t.owner, change.actor, at, change.note, change.to};
    for (const auto& stream : streams) {
        update.stream = stream;
        update.stream_seq = deliveries.next(stream);
        deliveries.add(stream, update.stream_seq, alert.seq, to_json(update), "update");
    }
}

WorkflowResult Journal::workflow(const WorkflowRequest& request, const std::string& actor,
                                 const std::set<std::string>& streams) {
    sql::Transaction txn(m_db);
    auto found = find_alert(m_db, request.alert);
    if (const auto* why = std::get_if<std::string>(&found))
        return {*why, request.alert, {}, false};
    const auto& alert = std::get<FoundAlert>(found);
    auto decided = decide(alert.state, request, actor);
    if (const auto* why = std::get_if<std::string>(&decided))
        return {*why, alert.id, alert.state, false, true};
    const auto& t = std::get<Transition>(decided);
    if (request.op == "escalate") {
        const auto carrying = streams_carrying(m_db, alert.seq);
        if (!streams.count(request.to))
            return {fmt::format("no stream \"{}\" is configured", request.to), alert.id,
                    alert.state, false, true};
        if (std::find(carrying.begin(), carrying.end(), request.to) != carrying.end())
            return {fmt::format("the alert is on stream \"{}\" already", request.to), alert.id,
                    alert.state, false, true};
    }
    if (!t.changes)
        return {"", alert.id, alert.state, false, true};
    record(alert, t, {request.op, actor, request.note, request.to});
    txn.commit();
    WorkState now{t.state, t.owner, rfc3339_of(unix_now())};
    return {"", alert.id, now, true, true};
}

std::size_t Journal::expire_claims(std::chrono::seconds timeout) {
    sql::Transaction txn(m_db);
    sql::Statement stale(m_db, "SELECT a.seq, a.alert_id, s.owner, s.changed_at FROM alert_state s "
                               "JOIN alerts a ON a.seq = s.seq "
                               "WHERE s.state = 'claimed' AND s.changed_at <= ? ORDER BY a.seq");
    stale.bind(1, unix_now() - timeout.count());
    std::vector<FoundAlert> expired;
    while (stale.step()) {
        FoundAlert alert;
        alert.seq = stale.integer(0);
        alert.id = stale.text(1);
        alert.state = {std::string(state::claimed), stale.text(2), rfc3339_of(stale.integer(3))};
        expired.push_back(std::move(alert));
    }
    stale.reset();
    for (const auto& alert : expired)
        record(alert, {alert.state.state, std::string(state::fresh), "", true},
               {"expire", "wijkwacht",
                fmt::format("claim by {} expired: untouched since {} (publish.claim_timeout {})",
                            alert.state.owner, alert.state.changed_at, format_duration(timeout)),
                ""});
    txn.commit();
    return expired.size();
}

Journal::Recent Journal::recent(std::chrono::seconds window) {
    // flagged_at is RFC 3339 UTC throughout, so it compares as text; alerts
    // are numbered in the order they are flagged.
    const std::string since = format_rfc3339(
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
        window);
    sql::Statement q(m_db, "SELECT seq, flagged_at FROM alerts ORDER BY seq DESC");
    Recent recent;
    while (q.step()) {
        if (recent.newest_seq == 0)
            recent.newest_seq = q.integer(0);
        if (q.text(1) < since)
            break;
        ++recent.alerts;
    }
    return recent;
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

ReplayPage JournalReader::replay(const std::string& stream, std::int64_t after, std::size_t limit,
                                 bool states) {
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
        sql::Statement rows(m_db, "SELECT d.body, d.kind, s.state, s.owner, s.changed_at "
                                  "FROM deliveries d LEFT JOIN alert_state s ON s.seq = d.seq "
                                  "WHERE d.stream = ? AND d.stream_seq > ? "
                                  "ORDER BY d.stream_seq LIMIT ?");
        rows.bind(1, stream).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
        while (rows.step()) {
            std::string body = rows.text(0);
            if (states && rows.text(1) == "alert") {
                WorkState now;
                if (!rows.text(2).empty())
                    now = {rows.text(2), rows.text(3), rfc3339_of(rows.integer(4))};
                body = with_state(std::move(body), now, "state_changed_at");
            }
            page.alerts.push_back(std::move(body));
        }
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
