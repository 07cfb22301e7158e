#include "daemon/post_path.hpp"

#include <wijkwacht/time.hpp>

namespace wijkwacht {

CommitStats PostPath::take(const std::string& source, const SourceState& state,
                           const std::vector<Post>& posts, SourceMetrics& counted, bool carried) {
    const CommitStats stats = m_journal.commit(
        source, state, posts, [this](const Post& post) { return flag(post); }, carried);
    counted.posts += stats.posts;
    counted.new_posts += stats.new_posts;
    counted.alerts += stats.alerts;
    if (stats.alerts > 0)
        publish_pending();
    return stats;
}

std::optional<RoutedAlert> PostPath::flag(const Post& seen) const {
    // Placed first: rules may ask where a post is (in:).
    Post post = seen;
    m_placing.apply(post);
    auto matches = m_rules.evaluate(post);
    if (matches.empty())
        return std::nullopt;
    RoutedAlert routed;
    Alert& alert = routed.alert;
    alert.id = alert_id(post.platform, post.id);
    alert.flagged_at = now_rfc3339();
    alert.matches = std::move(matches);
    summarise_matches(alert);
    alert.post = std::move(post);
    routed.streams = route(m_config.streams, alert);
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
