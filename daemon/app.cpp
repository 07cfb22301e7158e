#include "daemon/app.hpp"

#include "core/json_util.hpp"
#include "core/url.hpp"
#include "daemon/audit.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <csignal>
#include <set>

namespace wijkwacht {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::set<std::string> stream_names(const Config& config) {
    std::set<std::string> names;
    for (const auto& stream : config.streams)
        names.insert(stream.name);
    return names;
}

std::unique_ptr<ZapHandler> zap_handler(zmq::context_t& context, const PublishConfig& publish,
                                        AuditCounters& counters) {
    if (!publish.curve())
        return nullptr;
    auto keys = load_authorized_keys(publish);
    if (keys.empty())
        log::warning("curve", "{} holds no .key file: nobody can subscribe yet",
                     publish.authorized_keys->string());
    return std::make_unique<ZapHandler>(context, std::move(keys), counters);
}

// Often enough that nothing lingers much past the retention.
std::chrono::seconds purge_interval(const Config& config) {
    return std::clamp<std::chrono::seconds>(config.daemon.retention / 24, 1min, 1h);
}

HttpOptions http_options(const Config& config) {
    using namespace std::chrono;
    HttpOptions o;
    o.user_agent = config.daemon.user_agent;
    o.allow_plain_http = config.daemon.allow_plain_http;
    o.total_timeout = config.daemon.http_timeout;
    o.connect_timeout = std::min<milliseconds>(10s, config.daemon.http_timeout);
    o.low_speed_time =
        std::clamp(duration_cast<seconds>(config.daemon.http_timeout / 3), seconds(1), seconds(20));
    return o;
}

} // namespace

App::App(Config config, RuleSet rules, Placing placing, AppOptions options)
    : m_config(std::move(config)), m_rules(std::move(rules)), m_placing(std::move(placing)),
      m_options(options), m_io(1), m_signals(m_io, SIGINT, SIGTERM, SIGHUP), m_heartbeat(m_io),
      m_watchdog(m_io), m_purge(m_io), m_claims(m_io), m_status(m_io), m_zmq(1),
      m_curve(load_server_key(m_config.publish)),
      m_zap(zap_handler(m_zmq, m_config.publish, m_audited)), m_journal(m_config.daemon.state_dir),
      m_publisher(m_zmq, m_config.publish, m_curve ? &*m_curve : nullptr),
      m_http(m_io, http_options(m_config)),
      m_path(m_config, m_rules, m_placing, m_journal, m_publisher),
      m_scheduler(
          m_io, m_http, m_path, m_journal, m_source_metrics,
          [this](auto source, auto state, auto reason) { ops_event(source, state, reason); }),
      m_live(
          m_io, m_http, m_path, m_journal, m_source_metrics,
          [this](auto source, auto state, auto reason) { ops_event(source, state, reason); },
          LiveOptions{m_config.daemon.user_agent, m_config.daemon.allow_plain_http}) {
    m_started_at = unix_now();
    m_path.on_published([this] { status_changed(); });
    if (!m_options.once && !m_config.metrics.listen.empty())
        m_metrics = std::make_unique<MetricsServer>(
            m_io, m_config.metrics.listen, [this] { return render_metrics(); },
            [this] { return health(); });
    if (!m_options.once)
        m_replay = std::make_unique<ReplayServer>(
            m_zmq, m_config.publish.replay_endpoint, m_config.daemon.state_dir, m_journal.epoch(),
            stream_names(m_config), m_curve ? &*m_curve : nullptr, &m_audited);
    if (!m_options.once)
        m_workflow = std::make_unique<WorkflowServer>(
            m_zmq, m_io, m_config.publish.workflow_endpoint, m_curve ? &*m_curve : nullptr,
            [this](const std::string& key_name, std::string_view request) {
                return workflow(key_name, request);
            });
}

App::~App() = default;

int App::run() {
    log::notice("daemon", "wijkwachtd {} publishing on {}{}{}{}{}, journal {} (epoch {})",
                WIJKWACHT_VERSION, m_publisher.endpoint(),
                m_replay ? ", replay on " + m_replay->endpoint() : std::string(),
                m_workflow ? ", workflow on " + m_workflow->endpoint() : std::string(),
                m_metrics ? ", metrics on " + m_metrics->url() + "/metrics" : std::string(),
                m_curve ? " with CURVE (key " + m_curve->public_key + ")" : std::string(),
                (m_config.daemon.state_dir / "state.db").string(), m_journal.epoch());
    for (const auto& warning : m_config.warnings)
        log::warning("config", "{}", warning);
    // Alerts committed by an earlier run but not yet published go out first.
    m_path.publish_pending();
    // At start only when due: cron runs of --once do not each pay for it.
    if (m_journal.purge_due(purge_interval(m_config)))
        purge();
    start_sources();
    wait_signals();
    if (!m_options.once) {
        arm_heartbeat();
        arm_watchdog();
        arm_purge();
        arm_claims();
    }
    sd_notify(0, "READY=1");
    notify_status();
    m_io.run();
    m_path.publish_pending();
    log::notice("daemon", "stopped");
    return 0;
}

void App::start_sources() {
    for (const auto& config : m_config.sources)
        m_source_metrics[config.name]; // every source has its series from the start
    if (m_options.once) {
        for (const auto& config : m_config.sources)
            if (is_live(config))
                log::warning("daemon", "source \"{}\" is a live stream: --once skips it",
                             config.name);
        m_scheduler.start(m_config.sources, true, [this] { stop("every source polled once"); });
    } else {
        m_scheduler.start(m_config.sources);
        m_live.start(m_config.sources);
    }
    log::info("daemon", "{} polled and {} live source(s) running, {} rule(s) enabled",
              m_scheduler.sources(), m_live.sources(), m_rules.enabled_count());
}

void App::send_heartbeats() {
    const auto heads = m_journal.stream_heads();
    for (const auto& stream : m_config.streams) {
        const auto it = heads.find(stream.name);
        m_publisher.heartbeat(stream.name, m_journal.epoch(), it == heads.end() ? 0 : it->second);
    }
}

void App::purge() {
    std::set<std::string> sources;
    for (const auto& source : m_config.sources)
        sources.insert(source.name);
    try {
        const auto purged = m_journal.purge(m_config.daemon.retention, sources);
        m_purged_alerts += purged.alerts;
        m_purged_seen += purged.seen;
        if (purged.alerts > 0 || purged.seen > 0)
            log::notice("journal", "purged {} alert(s) and {} seen post id(s) older than {}",
                        purged.alerts, purged.seen, format_duration(m_config.daemon.retention));
    } catch (const std::exception& e) {
        log::error("journal", "purge failed (retried later): {}", e.what());
    }
}

void App::arm_purge() {
    m_purge.expires_after(purge_interval(m_config));
    m_purge.async_wait([this](const boost::system::error_code& ec) {
        if (ec || m_stopping)
            return;
        purge();
        arm_purge();
    });
}

std::string App::workflow(const std::string& key_name, std::string_view text) {
    auto request = parse_workflow_request(text);
    if (!request) {
        ++m_workflow_requests["malformed"];
        return workflow_error(request.failure().message);
    }
    // With CURVE the key names the actor; without it nobody is
    // authenticated and the client's word is all there is.
    std::string actor = key_name;
    if (m_curve && !request->as.empty()) {
        ++m_workflow_requests["malformed"];
        return workflow_error("\"as\" is not accepted with CURVE: your key says who you are");
    }
    if (!m_curve)
        actor = request->as.empty() ? "local" : request->as;
    const auto result = m_journal.workflow(*request, actor, stream_names(m_config));
    m_audited.count(actor, "workflow");
    const auto outcome = !result.error.empty() ? "refused"
                         : result.changed      ? "accepted"
                                               : "unchanged";
    ++m_workflow_requests[outcome];
    // The note's text stays in the journal.
    audit("workflow", {{"key", actor},
                       {"op", request->op},
                       {"alert", result.alert},
                       {"result", outcome},
                       {"state", result.now.state},
                       {"to", request->to},
                       {"note", request->note.empty() ? "no" : "yes"},
                       {"force", request->force ? "yes" : "no"}});
    if (!result.error.empty())
        return workflow_error(result.error, result.found ? &result.now : nullptr);
    if (result.changed)
        m_path.publish_pending();
    return workflow_ok(result.alert, result.now, result.changed);
}

void App::arm_claims() {
    const auto timeout = m_config.publish.claim_timeout;
    if (timeout.count() == 0)
        return;
    m_claims.expires_after(std::clamp<std::chrono::seconds>(timeout / 10, 1s, 1min));
    m_claims.async_wait([this, timeout](const boost::system::error_code& ec) {
        if (ec || m_stopping)
            return;
        try {
            if (const auto expired = m_journal.expire_claims(timeout); expired > 0) {
                m_claims_expired += expired;
                log::notice("workflow", "{} claim(s) untouched for {} went back to new", expired,
                            format_duration(timeout));
                m_path.publish_pending();
            }
        } catch (const std::exception& e) {
            log::error("workflow", "expiring stale claims failed (retried later): {}", e.what());
        }
        arm_claims();
    });
}

void App::arm_heartbeat() {
    m_heartbeat.expires_after(m_config.publish.heartbeat);
    m_heartbeat.async_wait([this](const boost::system::error_code& ec) {
        if (ec || m_stopping)
            return;
        try {
            send_heartbeats();
        } catch (const std::exception& e) {
            log::error("publish", "heartbeat failed: {}", e.what());
        }
        arm_heartbeat();
    });
}

void App::arm_watchdog() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0)
        return;
    m_watchdog.expires_after(std::chrono::microseconds(usec / 2));
    m_watchdog.async_wait([this](const boost::system::error_code& ec) {
        if (ec || m_stopping)
            return;
        sd_notify(0, "WATCHDOG=1");
        arm_watchdog();
    });
}

void App::wait_signals() {
    m_signals.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec)
            return;
        if (signal == SIGHUP) {
            reload();
            wait_signals();
            return;
        }
        stop(signal == SIGTERM ? "SIGTERM" : "SIGINT");
    });
}

void App::reload() {
    sd_notify(0, "RELOADING=1");
    log::notice("daemon", "SIGHUP: reloading {}", m_config.file.string());
    try {
        Config next = load_config(m_config.file);
        RuleSet rules = RuleSet::load(next.daemon.rules);
        next.daemon.places = m_config.daemon.places; // read at start only
        next.daemon.places_configured = m_config.daemon.places_configured;
        Placing placing = Placing::load(next, &m_placing);
        for (const auto& warning : next.warnings)
            log::warning("config", "{}", warning);
        for (const auto& warning : rules.warnings())
            log::warning("rules", "{}", warning);
        if (next.publish.endpoint != m_config.publish.endpoint ||
            next.publish.replay_endpoint != m_config.publish.replay_endpoint ||
            next.publish.workflow_endpoint != m_config.publish.workflow_endpoint ||
            next.publish.claim_timeout != m_config.publish.claim_timeout ||
            next.publish.server_secret_key != m_config.publish.server_secret_key ||
            next.publish.authorized_keys != m_config.publish.authorized_keys ||
            next.metrics.listen != m_config.metrics.listen ||
            next.daemon.state_dir != m_config.daemon.state_dir ||
            next.daemon.user_agent != m_config.daemon.user_agent ||
            next.daemon.allow_plain_http != m_config.daemon.allow_plain_http)
            log::warning("daemon",
                         "changes to [daemon], [publish] and [metrics] take effect at restart");
        next.publish = m_config.publish;
        next.daemon = m_config.daemon;
        next.metrics = m_config.metrics;
        // The key directory is re-read too; a bad key file rejects the reload.
        std::optional<std::map<std::string, std::string>> keys;
        if (m_zap)
            keys = load_authorized_keys(m_config.publish);
        // Swap atomically: retire the old runners (live ones journal what
        // they read), start the new ones.
        m_scheduler.retire();
        m_live.retire();
        m_config = std::move(next);
        if (m_replay)
            m_replay->set_streams(stream_names(m_config));
        m_rules = std::move(rules);
        m_placing = std::move(placing);
        std::erase_if(m_source_metrics, [this](const auto& entry) {
            return std::none_of(m_config.sources.begin(), m_config.sources.end(),
                                [&](const SourceConfig& s) { return s.name == entry.first; });
        });
        ++m_reloads_ok;
        if (keys) {
            log::notice("curve", "{} authorized key(s)", keys->size());
            m_zap->set_keys(std::move(*keys));
        }
        start_sources();
        log::notice("daemon", "reloaded: {} source(s), {} stream(s), {} rule(s)",
                    m_config.sources.size(), m_config.streams.size(), m_rules.enabled_count());
    } catch (const ConfigError& e) {
        for (const auto& problem : e.problems())
            log::error("config", "{}", problem);
        log::error("daemon", "reload rejected; the previous configuration keeps running");
        ++m_reloads_rejected;
    } catch (const Error& e) {
        log::error("daemon", "reload rejected: {}; the previous configuration keeps running",
                   e.what());
        ++m_reloads_rejected;
    }
    sd_notify(0, "READY=1");
    notify_status();
}

void App::stop(std::string_view why) {
    if (m_stopping)
        return;
    m_stopping = true;
    log::notice("daemon", "stopping ({})", why);
    sd_notify(0, "STOPPING=1");
    m_scheduler.retire();
    m_live.retire();
    m_http.cancel_all();
    m_heartbeat.cancel();
    m_watchdog.cancel();
    m_purge.cancel();
    m_claims.cancel();
    m_status.cancel();
    m_signals.cancel();
    if (m_metrics)
        m_metrics->stop();
}

// What `systemctl status` shows, kept true: sources and how many fail, the
// alerts of the last hour and the newest one, the rules.
void App::notify_status() {
    std::string alerts = "alerts unknown";
    try {
        const auto recent = m_journal.recent(std::chrono::hours(1));
        alerts = recent.newest_seq == 0 ? "no alert yet"
                                        : fmt::format("{} alert(s) in the last hour, newest #{}",
                                                      recent.alerts, recent.newest_seq);
    } catch (const std::exception& e) {
        log::error("daemon", "status: {}", e.what());
    }
    const std::string status =
        fmt::format("STATUS={} source(s), {} failing; {}; {} rule(s)", m_config.sources.size(),
                    m_scheduler.failing() + m_live.failing(), alerts, m_rules.enabled_count());
    sd_notify(0, status.c_str());
}

void App::status_changed() {
    if (m_status_due || m_stopping)
        return;
    m_status_due = true;
    m_status.expires_after(1s);
    m_status.async_wait([this](const boost::system::error_code& ec) {
        m_status_due = false;
        if (!ec)
            notify_status();
    });
}

void App::ops_event(std::string_view source, std::string_view state, std::string_view reason) {
    status_changed();
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "source_health");
    write_key(out, "epoch");
    write_string(out, m_journal.epoch());
    write_key(out, "source");
    write_string(out, source);
    write_key(out, "state");
    write_string(out, state);
    write_key(out, "reason");
    write_string(out, reason);
    write_key(out, "since");
    write_string(out, now_rfc3339());
    out.EndObject();
    m_publisher.send("ops", {buffer.GetString(), buffer.GetSize()});
}

std::string App::render_metrics() {
    std::string out;
    const auto metric = [&out](std::string_view name, std::string_view type,
                               std::string_view help) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    };
    const auto per_source = [&](std::string_view name, std::string_view type, std::string_view help,
                                auto value) {
        metric(name, type, help);
        for (const auto& [source, counted] : m_source_metrics)
            out += fmt::format("{}{{source=\"{}\"}} {}\n", name, prometheus_label(source),
                               value(counted));
    };
    metric("wijkwacht_build_info", "gauge", "The running version.");
    out += fmt::format("wijkwacht_build_info{{version=\"{}\"}} 1\n", WIJKWACHT_VERSION);
    metric("wijkwacht_start_time_seconds", "gauge", "When the daemon started, in Unix time.");
    out += fmt::format("wijkwacht_start_time_seconds {}\n", m_started_at);
    metric("wijkwacht_sources", "gauge", "Configured sources.");
    out += fmt::format("wijkwacht_sources {}\n", m_config.sources.size());
    metric("wijkwacht_rules_enabled", "gauge", "Enabled rules.");
    out += fmt::format("wijkwacht_rules_enabled {}\n", m_rules.enabled_count());

    metric("wijkwacht_source_polls_total", "counter",
           "Finished polls by result: ok, not-modified, transient, rate-limited, permanent.");
    for (const auto& [source, counted] : m_source_metrics)
        for (const auto& [result, count] : counted.polls)
            out += fmt::format("wijkwacht_source_polls_total{{source=\"{}\",result=\"{}\"}} {}\n",
                               prometheus_label(source), prometheus_label(result), count);
    per_source("wijkwacht_source_posts_total", "counter", "Posts read.",
               [](const SourceMetrics& m) { return m.posts; });
    per_source("wijkwacht_source_new_posts_total", "counter", "Posts not seen before.",
               [](const SourceMetrics& m) { return m.new_posts; });
    per_source("wijkwacht_source_alerts_total", "counter", "Alerts flagged.",
               [](const SourceMetrics& m) { return m.alerts; });
    per_source("wijkwacht_source_up", "gauge",
               "1 if the last poll succeeded, or the live connection is open.",
               [](const SourceMetrics& m) { return m.up ? 1 : 0; });
    const auto per_live_source = [&](std::string_view name, std::string_view help, auto value) {
        metric(name, "counter", help);
        for (const auto& config : m_config.sources)
            if (is_live(config))
                out += fmt::format("{}{{source=\"{}\"}} {}\n", name, prometheus_label(config.name),
                                   value(m_source_metrics[config.name]));
    };
    per_live_source("wijkwacht_live_connects_total", "Live connections opened.",
                    [](const SourceMetrics& m) { return m.connects; });
    per_live_source("wijkwacht_live_disconnects_total",
                    "Live connections lost or refused (each followed by a reconnect).",
                    [](const SourceMetrics& m) { return m.disconnects; });
    per_live_source("wijkwacht_live_events_total", "Events read from live connections.",
                    [](const SourceMetrics& m) { return m.events; });
    per_live_source("wijkwacht_live_bad_events_total", "Events skipped as unreadable.",
                    [](const SourceMetrics& m) { return m.bad_events; });
    per_live_source("wijkwacht_live_deletes_total", "Deleted posts announced by live streams.",
                    [](const SourceMetrics& m) { return m.deletes; });
    metric("wijkwacht_live_lag_seconds", "gauge",
           "Now minus the time of the newest event a live source read.");
    for (const auto& config : m_config.sources)
        if (is_live(config))
            if (const auto newest = m_source_metrics[config.name].newest_event_us; newest > 0)
                out += fmt::format(
                    "wijkwacht_live_lag_seconds{{source=\"{}\"}} {:.3f}\n",
                    prometheus_label(config.name),
                    static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count() -
                                        newest) /
                        1e6);
    per_source("wijkwacht_source_last_success_timestamp_seconds", "gauge",
               "When the last poll succeeded, in Unix time (0: never).",
               [](const SourceMetrics& m) { return m.last_success; });

    metric("wijkwacht_http_requests_in_flight", "gauge", "HTTP requests running.");
    out += fmt::format("wijkwacht_http_requests_in_flight {}\n", m_scheduler.in_flight());
    metric("wijkwacht_http_requests_queued", "gauge", "Due polls waiting for a request slot.");
    out += fmt::format("wijkwacht_http_requests_queued {}\n", m_scheduler.queued());

    metric("wijkwacht_alerts_published_total", "counter", "Alert deliveries published.");
    out += fmt::format("wijkwacht_alerts_published_total {}\n", m_path.published());
    metric("wijkwacht_stream_seq", "gauge", "The newest stream_seq of each stream.");
    for (const auto& [stream, seq] : m_journal.stream_heads())
        out += fmt::format("wijkwacht_stream_seq{{stream=\"{}\"}} {}\n", prometheus_label(stream),
                           seq);
    metric("wijkwacht_journal_purged_alerts_total", "counter", "Alerts purged by retention.");
    out += fmt::format("wijkwacht_journal_purged_alerts_total {}\n", m_purged_alerts);
    metric("wijkwacht_journal_purged_seen_total", "counter", "Seen post ids purged by retention.");
    out += fmt::format("wijkwacht_journal_purged_seen_total {}\n", m_purged_seen);
    metric("wijkwacht_workflow_requests_total", "counter",
           "Workflow requests by result: accepted, unchanged, refused, malformed.");
    for (const char* result : {"accepted", "unchanged", "refused", "malformed"})
        out += fmt::format("wijkwacht_workflow_requests_total{{result=\"{}\"}} {}\n", result,
                           m_workflow_requests[result]);
    metric("wijkwacht_workflow_claims_expired_total", "counter",
           "Claims that went back to new after publish.claim_timeout.");
    out += fmt::format("wijkwacht_workflow_claims_expired_total {}\n", m_claims_expired);
    metric("wijkwacht_key_events_total", "counter",
           "What each staff key did: handshake, replay, workflow (\"-\": no key, without CURVE).");
    for (const auto& [key, events] : m_audited.snapshot())
        for (const auto& [event, count] : events)
            out += fmt::format("wijkwacht_key_events_total{{key=\"{}\",event=\"{}\"}} {}\n",
                               prometheus_label(key), prometheus_label(event), count);
    metric("wijkwacht_reloads_total", "counter", "SIGHUP reloads by result.");
    out += fmt::format("wijkwacht_reloads_total{{result=\"ok\"}} {}\n", m_reloads_ok);
    out += fmt::format("wijkwacht_reloads_total{{result=\"rejected\"}} {}\n", m_reloads_rejected);
    if (m_zap) {
        metric("wijkwacht_curve_handshakes_total", "counter", "CURVE handshakes by result.");
        out += fmt::format("wijkwacht_curve_handshakes_total{{result=\"admitted\"}} {}\n",
                           m_zap->admitted());
        out += fmt::format("wijkwacht_curve_handshakes_total{{result=\"refused\"}} {}\n",
                           m_zap->refused());
    }
    return out;
}

MetricsServer::Health App::health() const {
    if (m_stopping)
        return {false, "stopping\n"};
    const std::size_t failing = m_scheduler.failing() + m_live.failing();
    return {true, fmt::format("ok\nsources {}, failing {}\n", m_config.sources.size(), failing)};
}

} // namespace wijkwacht
