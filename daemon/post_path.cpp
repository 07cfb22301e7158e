#include "daemon/post_path.hpp"

#include <wijkwacht/time.hpp>

namespace wijkwacht {

PostPath::PostPath(const Config& config, const RuleSet& rules, const Placing& placing,
                   Journal& journal, Publisher& publisher)
    : m_config(config), m_rules(rules), m_placing(placing), m_journal(journal),
      m_publisher(publisher) {
    rebuild_incidents();
}

void PostPath::rebuild_incidents() {
    const auto window = m_config.daemon.incident_window;
    m_incidents = IncidentIndex({window, IncidentOptions{}.max_open});
    if (window.count() == 0)
        return;
    for (const auto& recorded : m_journal.incident_alerts(unix_now() - window.count()))
        m_incidents.add(recorded.alert, recorded.incident, recorded.flagged_at);
}

CommitStats PostPath::take(const std::string& source, const SourceState& state,
                           const std::vector<Post>& posts, SourceMetrics& counted, bool carried) {
    m_incidents.expire(unix_now());
    CommitStats stats;
    try {
        stats = m_journal.commit(
            source, state, posts, [this](const Post& post) { return flag(post); }, carried);
    } catch (...) {
        rebuild_incidents();
        throw;
    }
    counted.posts += stats.posts;
    counted.new_posts += stats.new_posts;
    counted.alerts += stats.alerts;
    if (stats.alerts > 0)
        publish_pending();
    return stats;
}

std::optional<RoutedAlert> PostPath::flag(const Post& seen) {
    // Placed before the rules when they ask where a post is (in:), else
    // only once flagged: most posts are not, and placing (and copying them)
    // costs more than ruling them out.
    std::optional<Post> placed;
    if (m_rules.uses_places()) {
        placed = seen;
        m_placing.apply(*placed);
    }
    auto matches = m_rules.evaluate(placed ? *placed : seen);
    if (matches.empty())
        return std::nullopt;
    Post post = placed ? std::move(*placed) : seen;
    if (!placed)
        m_placing.apply(post);
    RoutedAlert routed;
    Alert& alert = routed.alert;
    alert.id = alert_id(post.platform, post.id);
    alert.flagged_at = now_rfc3339();
    alert.matches = std::move(matches);
    summarise_matches(alert);
    alert.post = std::move(post);
    routed.streams = route(m_config.streams, alert);
    // Joined now, so the next post of the batch sees it; a batch that fails
    // to commit rebuilds the index (take()).
    if (m_config.daemon.incident_window.count() > 0) {
        const auto at = unix_now();
        const auto decision = m_incidents.decide(alert, at);
        alert.incident =
            decision.incident.empty() ? IncidentIndex::new_id(alert.id) : decision.incident;
        const Incident& now = m_incidents.add(alert, alert.incident, at);
        if (now.count > 1) {
            // What the update says; not the list of its alerts, which a
            // long-running incident makes long.
            Incident update;
            update.id = now.id;
            update.first_at = now.first_at;
            update.last_at = now.last_at;
            update.count = now.count;
            update.categories = now.categories;
            update.places = now.places;
            routed.joined = std::move(update);
        }
    }
    return routed;
}

void PostPath::publish_pending() {
    bool any = false;
    while (true) {
        auto batch = m_journal.unpublished(1000);
        if (batch.empty())
            break;
        any = true;
        for (const auto& delivery : batch)
            if (m_publisher.send(delivery.stream, delivery.body))
                ++m_published;
        m_journal.mark_published(batch);
        if (batch.size() < 1000)
            break;
    }
    if (any && m_on_published)
        m_on_published();
}

} // namespace wijkwacht
