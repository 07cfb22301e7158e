#pragma once

// wijkwachtd's wiring: one io_context runs the scheduler of polled sources,
// the live connections, heartbeats, purges and signals. Every post, from
// either kind of source, takes the one post path: rules → journal (one
// transaction with the source's cursor) → publisher.

#include "connectors/http_client.hpp"
#include "daemon/journal.hpp"
#include "daemon/live.hpp"
#include "daemon/metrics.hpp"
#include "daemon/post_path.hpp"
#include "daemon/publisher.hpp"
#include "daemon/replay.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/workflow.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/connector.hpp>
#include <wijkwacht/places.hpp>
#include <wijkwacht/rules.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace wijkwacht {

struct AppOptions {
    bool once = false; // poll every source once, publish, exit
};

class App {
public:
    // Opens the journal and binds the sockets. Throws Error.
    App(Config config, RuleSet rules, Placing placing, AppOptions options);
    ~App();

    // Runs until SIGTERM/SIGINT (or, with --once, until every source has
    // been polled). Returns the exit code.
    int run();

private:
    void start_sources();
    void send_heartbeats();
    void arm_heartbeat();
    void arm_watchdog();
    void purge();
    void arm_purge();
    std::string workflow(const std::string& key_name, std::string_view request);
    void arm_claims();
    void wait_signals();
    void reload();
    void stop(std::string_view why);
    void notify_status();
    void status_changed();
    void ops_event(std::string_view source, std::string_view state, std::string_view reason);
    std::string render_metrics();
    MetricsServer::Health health() const;

    Config m_config;
    RuleSet m_rules;
    Placing m_placing;
    AppOptions m_options;
    boost::asio::io_context m_io;
    boost::asio::signal_set m_signals;
    boost::asio::steady_timer m_heartbeat;
    boost::asio::steady_timer m_watchdog;
    boost::asio::steady_timer m_purge;
    boost::asio::steady_timer m_claims; // stale claims go back to new
    boost::asio::steady_timer m_status; // STATUS= at most once a second
    bool m_status_due = false;
    zmq::context_t m_zmq;
    std::optional<CurveCertificate> m_curve; // the server's keys, when CURVE is on
    AuditCounters m_audited;                 // what each staff key did
    std::unique_ptr<ZapHandler> m_zap;       // bound before any CURVE socket
    Journal m_journal;
    Publisher m_publisher;
    std::unique_ptr<ReplayServer> m_replay;     // not with --once
    std::unique_ptr<WorkflowServer> m_workflow; // not with --once
    HttpClient m_http;
    PostPath m_path;
    std::map<std::string, SourceMetrics> m_source_metrics; // by name: survive a reload
    Scheduler m_scheduler;                                 // polled sources
    LiveRunner m_live;                                     // live sources
    bool m_stopping = false;
    std::uint64_t m_reloads_ok = 0, m_reloads_rejected = 0;
    std::uint64_t m_purged_alerts = 0, m_purged_seen = 0;
    std::map<std::string, std::uint64_t> m_workflow_requests; // by result
    std::uint64_t m_claims_expired = 0;
    std::int64_t m_started_at = 0;
    std::unique_ptr<MetricsServer> m_metrics; // declared last: stops first
};

} // namespace wijkwacht
