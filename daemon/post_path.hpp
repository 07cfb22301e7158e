#pragma once

// The one path every post takes, whichever source hands it over (a poll's
// response, a batch from a live stream): flag (rules, stream routing) →
// journal (one transaction with the source's new state) → publish.

#include "daemon/journal.hpp"
#include "daemon/publisher.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/places.hpp>
#include <wijkwacht/rules.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wijkwacht {

// Per source, for metrics.listen; kept by name so they survive a reload.
struct SourceMetrics {
    std::map<std::string, std::uint64_t> polls; // polled sources: by result
    std::uint64_t posts = 0, new_posts = 0, alerts = 0;
    std::int64_t last_success = 0; // unix seconds
    bool up = false;
    // Live sources.
    std::uint64_t connects = 0, disconnects = 0, events = 0, bad_events = 0, deletes = 0;
    std::int64_t newest_event_us = 0; // the time of the newest event read (0: none yet)
};

class PostPath {
public:
    // `config` (streams), `rules` and `placing` are the daemon's current
    // ones; a reload replaces them in place.
    // Rebuilds the open incidents from what the journal recorded.
    PostPath(const Config& config, const RuleSet& rules, const Placing& placing, Journal& journal,
             Publisher& publisher);

    // Journals `posts` with the source's new `state` in one transaction,
    // then publishes what is due. Throws Error (nothing committed: the
    // source's state stays where it was).
    // `carried`: the posts are what the source carries now (a poll's
    // response), not a live batch.
    CommitStats take(const std::string& source, const SourceState& state,
                     const std::vector<Post>& posts, SourceMetrics& counted, bool carried = true);

    // Publishes every journaled delivery not yet sent (also those an
    // earlier run committed).
    void publish_pending();

    std::uint64_t published() const { return m_published; }
    // Called after something was published (the daemon's status line).
    void on_published(std::function<void()> callback) { m_on_published = std::move(callback); }

    const IncidentIndex& incidents() const { return m_incidents; }

private:
    std::optional<RoutedAlert> flag(const Post& post);
    // The index as the journal has it: at start, and after a commit failed
    // (the alerts the failed batch added to it were not journaled).
    void rebuild_incidents();

    const Config& m_config;
    const RuleSet& m_rules;
    const Placing& m_placing;
    Journal& m_journal;
    Publisher& m_publisher;
    std::uint64_t m_published = 0;
    std::function<void()> m_on_published;
    IncidentIndex m_incidents;
};

} // namespace wijkwacht
