#pragma once

// wijkwachtd's wiring: one io_context runs the source timers, the HTTP
// poller, heartbeats and signals; each response goes connector → rules →
// journal (one transaction) → publisher.

#include "connectors/http_client.hpp"
#include "daemon/journal.hpp"
#include "daemon/metrics.hpp"
#include "daemon/publisher.hpp"
#include "daemon/replay.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/connector.hpp>
#include <wijkwacht/rules.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace wijkwacht {

struct AppOptions {
    bool once = false; // poll every source once, publish, exit
};

class App {
public:
    // Opens the journal and binds the sockets. Throws Error.
    App(Config config, RuleSet rules, AppOptions options);
    ~App();

    // Runs until SIGTERM/SIGINT (or, with --once, until every source has
    // been polled). Returns the exit code.
    int run();

private:
    struct Source;

    void start_sources();
    void schedule(const std::shared_ptr<Source>& source, std::chrono::milliseconds delay);
    void poll(const std::shared_ptr<Source>& source);
    void on_response(const std::shared_ptr<Source>& source, Result<HttpResponse> result);
    void succeeded(Source& source);
    void failed(const std::shared_ptr<Source>& source, const Failure& failure);
    void finished_cycle(const std::shared_ptr<Source>& source, std::chrono::milliseconds delay);
    std::optional<RoutedAlert> flag(const Post& post) const;
    void publish_pending();
    void send_heartbeats();
    void arm_heartbeat();
    void arm_watchdog();
    void purge();
    void arm_purge();
    void wait_signals();
    void reload();
    void reload_keys();
    void stop(std::string_view why);
    void notify_status();
    void ops_event(std::string_view source, std::string_view state, std::string_view reason);
    std::string render_metrics();
    MetricsServer::Health health() const;
    std::chrono::milliseconds jitter(std::chrono::milliseconds base, double spread);

    Config m_config;
    RuleSet m_rules;
    AppOptions m_options;
    boost::asio::io_context m_io;
    boost::asio::signal_set m_signals;
    boost::asio::steady_timer m_heartbeat;
    boost::asio::steady_timer m_watchdog;
    boost::asio::steady_timer m_purge;
    zmq::context_t m_zmq;
    std::optional<CurveCertificate> m_curve; // the server's keys, when CURVE is on
    std::unique_ptr<ZapHandler> m_zap;       // bound before any CURVE socket
    Journal m_journal;
    Publisher m_publisher;
    std::unique_ptr<ReplayServer> m_replay; // not with --once
    HttpClient m_http;
    std::vector<std::shared_ptr<Source>> m_sources;
    // Request budgets per host, shared by every source on that host.
    struct Bucket {
        double tokens = 0;
        double capacity = 0;
        double per_second = 0;
        std::chrono::steady_clock::time_point updated;
    };
    std::map<std::string, Bucket> m_budgets;
    std::size_t m_in_flight = 0;
    std::deque<std::shared_ptr<Source>> m_waiting; // due, waiting for a free request slot
    std::mt19937_64 m_random;
    std::size_t m_pending_once = 0;
    std::uint64_t m_alerts_published = 0;
    bool m_stopping = false;
    // For metrics.listen; per source by name, so they survive a reload.
    struct SourceMetrics {
        std::map<std::string, std::uint64_t> polls; // by result
        std::uint64_t posts = 0, new_posts = 0, alerts = 0;
        std::int64_t last_success = 0; // unix seconds
        bool up = false;
    };
    std::map<std::string, SourceMetrics> m_source_metrics;
    std::uint64_t m_reloads_ok = 0, m_reloads_rejected = 0;
    std::uint64_t m_purged_alerts = 0, m_purged_seen = 0;
    std::int64_t m_started_at = 0;
    std::unique_ptr<MetricsServer> m_metrics; // declared last: stops first
};

} // namespace wijkwacht
