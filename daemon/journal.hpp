#pragma once

// The state journal (SQLite in state_dir): per-source cursors and HTTP
// validators, the posts already seen (and which ones each source's latest
// response carried) as hashes of their ids, and every alert with its
// per-stream sequence number. Only flagged posts are stored whole. A flagged post is committed
// together with its source's new cursor and seen ids in one transaction, before it is published;
// deliveries not yet published are published at start.

#include "core/sqlite.hpp"
#include "daemon/workflow.hpp"

#include <wijkwacht/incidents.hpp>
#include <wijkwacht/post.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wijkwacht {

struct SourceState {
    std::string cursor; // the connector's opaque state
    std::string etag;   // validators for conditional GET
    std::string last_modified;
    bool operator==(const SourceState&) const = default;
};

// A new alert and the streams it goes to.
struct RoutedAlert {
    Alert alert; // seq, stream and stream_seq are assigned by the journal
    std::vector<std::string> streams;
    // The incident as it stands after this alert joined it (an
    // incident_update goes out on each of `streams`); none when the alert
    // opened it or incidents are off.
    std::optional<Incident> joined;
};

// An alert as the journal recorded it, with its incident, for rebuilding
// the index of open incidents at start.
struct RecordedAlert {
    Alert alert;
    std::string incident;
    std::int64_t flagged_at = 0; // unix seconds
};

// The incident_update message of SPEC §4.
std::string incident_update_json(const Incident& incident, std::string_view op,
                                 std::string_view alert, std::string_view epoch,
                                 std::string_view stream, std::int64_t stream_seq);

struct Delivery {
    std::string stream;
    std::int64_t stream_seq = 0;
    std::string body; // Alert JSON
};

struct PurgeStats {
    std::size_t alerts = 0; // alerts whose every delivery was purged
    std::size_t seen = 0;   // ids of posts no source carries any more
};

struct CommitStats {
    std::size_t posts = 0;     // in the batch
    std::size_t new_posts = 0; // not seen before
    std::size_t alerts = 0;
};

// The outcome of a workflow request.
struct WorkflowResult {
    std::string error; // empty: accepted
    std::string alert; // the alert's full id (what the request named, when not found)
    WorkState now;     // where the alert stands after the request
    bool changed = false;
    bool found = false; // the request named an alert the journal holds
};

namespace detail {
struct FoundAlert;
}

class Journal {
public:
    // Opens (creating if needed) state_dir/state.db. Throws Error.
    explicit Journal(const std::filesystem::path& state_dir);

    // Random id created with the journal; changes only when it is reset.
    const std::string& epoch() const { return m_epoch; }

    SourceState source_state(const std::string& source);
    void save_source_state(const std::string& source, const SourceState& state);

    // In one transaction: marks the batch's posts as seen (by platform and
    // id), asks `flag` about each post not seen before and journals what it
    // returns, and stores the source's new state. Throws Error (nothing is
    // then committed: the cursor stays where it was).
    using Flagger = std::function<std::optional<RoutedAlert>(const Post&)>;
    // A live source's batch is no "latest response": with `carried` false
    // the record of what the source carries now is left alone.
    CommitStats commit(const std::string& source, const SourceState& state,
                       const std::vector<Post>& posts, const Flagger& flag, bool carried = true);

    std::vector<Delivery> unpublished(std::size_t limit);
    void mark_published(const std::vector<Delivery>& deliveries);

    // Purges (daemon.retention) published alerts older than `retention`, and
    // the seen ids of posts first seen before then that no configured
    // source's latest response carries. Stream sequence numbers are kept:
    // they never restart. Throws Error.
    PurgeStats purge(std::chrono::seconds retention, const std::set<std::string>& sources);
    // Whether the last purge (by any run on this journal) is `every` ago.
    bool purge_due(std::chrono::seconds every);

    // Alerts flagged since `since` (unix seconds) that belong to an
    // incident, oldest first.
    std::vector<RecordedAlert> incident_alerts(std::int64_t since);

    // The newest stream_seq of every stream that has one.
    std::map<std::string, std::int64_t> stream_heads();

    // Alerts flagged in the last `window`, and the newest alert's seq (0:
    // none). Reads back from the newest alert only as far as the window.
    struct Recent {
        std::size_t alerts = 0;
        std::int64_t newest_seq = 0;
    };
    Recent recent(std::chrono::seconds window);

    // In one transaction: finds the alert `request` names, decides whether
    // `actor` may do it (escalations only to one of `streams` that does
    // not carry it yet), and journals the transition with an alert_update
    // for every stream carrying the alert (and, escalated, the alert on the
    // new stream). Publish what is due afterwards. Throws Error.
    WorkflowResult workflow(const WorkflowRequest& request, const std::string& actor,
                            const std::set<std::string>& streams);
    // Claims untouched for `timeout` go back to new, by "wijkwacht", each
    // with its alert_update. Returns how many. Throws Error.
    std::size_t expire_claims(std::chrono::seconds timeout);

private:
    struct Change {
        std::string op, actor, note, to;
    };
    void record(const detail::FoundAlert& alert, const Transition& t, const Change& change);

    sql::Database m_db;
    std::string m_epoch;
};

// Stored messages of one stream, as the replay endpoint hands them out.
struct ReplayPage {
    std::vector<std::string> alerts; // Alert and alert_update JSON, in stream_seq order
    std::int64_t head = 0;           // the stream's newest stream_seq (0: none yet)
    bool truncated = false;          // alerts after `after` were purged already
};

// A second, read-only connection to a journal another thread writes (WAL
// lets it read while the writer commits).
class JournalReader {
public:
    // Opens state_dir/state.db, which the Journal created. Throws Error.
    explicit JournalReader(const std::filesystem::path& state_dir);

    // Up to `limit` messages (alerts and alert updates) of `stream` with
    // stream_seq > `after`; with `states`, each alert carries where it
    // stands now ("state", "owner", "state_changed_at": with_state).
    ReplayPage replay(const std::string& stream, std::int64_t after, std::size_t limit,
                      bool states = false);
    // Whether the journal has ever numbered an alert for `stream`.
    bool knows(const std::string& stream);

private:
    sql::Database m_db;
};

} // namespace wijkwacht
