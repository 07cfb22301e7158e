#include "daemon/scheduler.hpp"

#include "core/url.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace wijkwacht {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr int k_max_pages_per_cycle = 10;
constexpr std::size_t k_max_in_flight = 64; // requests handed to libcurl at once
constexpr auto k_max_backoff = std::chrono::milliseconds(std::chrono::hours(1));

std::string component(const std::string& source) {
    return "source:" + source;
}

} // namespace

std::chrono::milliseconds jittered(std::chrono::milliseconds base, double spread,
                                   std::mt19937_64& random) {
    std::uniform_real_distribution<double> factor(1.0 - spread, 1.0 + spread);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(random)));
}

std::chrono::milliseconds backoff(std::chrono::milliseconds base, int failures,
                                  std::chrono::milliseconds cap, std::mt19937_64& random) {
    const int doublings = std::clamp(failures - 1, 0, 12);
    return jittered(std::min<std::chrono::milliseconds>(base * (1LL << doublings), cap), 0.2,
                    random);
}

struct Scheduler::Source {
    SourceConfig config;
    std::unique_ptr<Connector> connector;
    asio::steady_timer timer;
    SourceState state;
    int failures = 0;
    int pages = 0;
    bool retired = false; // replaced by a reload; ignore late responses

    Source(asio::io_context& io, SourceConfig c, std::unique_ptr<Connector> conn)
        : config(std::move(c)), connector(std::move(conn)), timer(io) {}
};

Scheduler::Scheduler(asio::io_context& io, HttpClient& http, PostPath& path, Journal& journal,
                     std::map<std::string, SourceMetrics>& metrics, OpsEvent ops)
    : m_io(io), m_http(http), m_path(path), m_journal(journal), m_metrics(metrics),
      m_ops(std::move(ops)), m_random(std::random_device{}()) {}

Scheduler::~Scheduler() {
    retire();
}

void Scheduler::start(const std::vector<SourceConfig>& sources, bool once,
                      std::function<void()> done) {
    m_once = once;
    m_done = std::move(done);
    for (const auto& config : sources) {
        if (is_live(config))
            continue;
        auto source = std::make_shared<Source>(m_io, config, make_connector(config));
        source->state = m_journal.source_state(config.name);
        m_sources.push_back(source);
        if (m_once) {
            ++m_pending_once;
            asio::post(m_io, [this, source] { poll(source); });
        } else {
            // Spread the first polls so a restart does not hit every server at once.
            const auto spread = std::min<std::chrono::milliseconds>(config.interval / 4, 2s);
            std::uniform_int_distribution<std::int64_t> first(0, spread.count());
            schedule(source, std::chrono::milliseconds(first(m_random)));
        }
    }
    if (m_once && m_pending_once == 0 && m_done)
        asio::post(m_io, m_done);
}

void Scheduler::retire() {
    for (auto& source : m_sources) {
        source->retired = true;
        source->timer.cancel();
    }
    m_sources.clear();
    m_waiting.clear();
}

std::size_t Scheduler::failing() const {
    return static_cast<std::size_t>(std::count_if(m_sources.begin(), m_sources.end(),
                                                  [](const auto& s) { return s->failures > 0; }));
}

void Scheduler::schedule(const std::shared_ptr<Source>& source, std::chrono::milliseconds delay) {
    source->timer.expires_after(delay);
    source->timer.async_wait([this, source](const boost::system::error_code& ec) {
        if (!ec && !source->retired)
            poll(source);
    });
}

bool Scheduler::may_send(const std::string& host) const {
    const auto busy = m_host_in_flight.find(host);
    return m_in_flight < k_max_in_flight &&
           (busy == m_host_in_flight.end() ||
            busy->second < static_cast<std::size_t>(m_http.options().max_host_connections));
}

void Scheduler::poll(const std::shared_ptr<Source>& source) {
    if (source->retired)
        return;
    HttpRequest request = source->connector->next_request(source->state.cursor);
    const std::string host = split_url(request.url).value_or(UrlParts{}).host;
    // Many sources due at once (a start, --once): queue rather than hand
    // libcurl thousands of transfers. Likewise per host, beyond the
    // connections libcurl opens to one: a transfer waiting inside libcurl
    // spends its timeout there, so sources behind a slow one would fail.
    if (!may_send(host)) {
        m_waiting.push_back({source, host});
        return;
    }
    if (const auto budget = source->connector->budget()) {
        // A token bucket per host: full at start, refilled evenly.
        const auto now = std::chrono::steady_clock::now();
        auto [it, fresh] = m_budgets.try_emplace(host);
        Bucket& bucket = it->second;
        if (fresh) {
            bucket.capacity = bucket.tokens = budget->requests;
            bucket.per_second = budget->requests / static_cast<double>(budget->window.count());
        } else {
            const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
            bucket.tokens = std::min(bucket.capacity, bucket.tokens + elapsed * bucket.per_second);
        }
        bucket.updated = now;
        if (bucket.tokens < 1) {
            const auto wait = std::chrono::milliseconds(
                static_cast<std::int64_t>((1 - bucket.tokens) / bucket.per_second * 1000) + 1);
            log::info(component(source->config.name), "request budget for {} spent; waiting {}",
                      host, format_duration(wait));
            schedule(source, wait);
            return;
        }
        bucket.tokens -= 1;
    }
    if (!source->state.etag.empty())
        request.headers.emplace_back("If-None-Match", source->state.etag);
    if (!source->state.last_modified.empty())
        request.headers.emplace_back("If-Modified-Since", source->state.last_modified);
    log::debug(component(source->config.name), "GET {}", log::redact_url(request.url));
    ++m_in_flight;
    ++m_host_in_flight[host];
    m_http.fetch(std::move(request), [this, source, host](Result<HttpResponse> result) {
        --m_in_flight;
        if (--m_host_in_flight[host] == 0)
            m_host_in_flight.erase(host);
        // The first waiting source whose host has a free connection now.
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            if (it->source->retired) {
                it = m_waiting.erase(it);
                continue;
            }
            if (may_send(it->host)) {
                asio::post(m_io, [this, next = it->source] { poll(next); });
                m_waiting.erase(it);
                break;
            }
            ++it;
        }
        if (source->retired)
            return;
        // Nothing may throw out of a handler: a failure here fails this source only.
        try {
            on_response(source, std::move(result));
        } catch (const std::exception& e) {
            failed(source, transient_failure(fmt::format("internal error: {}", e.what())));
        }
    });
}

void Scheduler::on_response(const std::shared_ptr<Source>& source, Result<HttpResponse> result) {
    if (!result) {
        failed(source, result.failure());
        return;
    }
    const HttpResponse& response = *result;
    auto& counted = m_metrics[source->config.name];
    if (response.status == 304) {
        log::debug(component(source->config.name), "not modified");
        ++counted.polls["not-modified"];
        succeeded(*source);
        finished_cycle(source, jittered(source->config.interval, 0.1, m_random));
        return;
    }
    auto parsed = source->connector->parse(response, source->state.cursor);
    if (!parsed) {
        Failure failure = parsed.failure();
        failure.message = fmt::format("{}: {}", log::redact_url(response.url), failure.message);
        failed(source, failure);
        return;
    }
    if (!parsed->notice.empty())
        log::notice(component(source->config.name), "{}", parsed->notice);
    SourceState next = source->state;
    next.cursor = parsed->cursor;
    next.etag = std::string(response.header("ETag").value_or(""));
    next.last_modified = std::string(response.header("Last-Modified").value_or(""));
    const CommitStats stats = m_path.take(source->config.name, next, parsed->posts, counted);
    source->state = std::move(next);
    ++counted.polls["ok"];
    if (stats.new_posts > 0)
        log::info(component(source->config.name), "{} post(s), {} new, {} alert(s)", stats.posts,
                  stats.new_posts, stats.alerts);
    succeeded(*source);
    auto delay = jittered(source->config.interval, 0.1, m_random);
    if (parsed->not_before) {
        // The server's rate limit is spent: no paging, and wait for the reset.
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            *parsed->not_before - std::chrono::system_clock::now());
        if (wait > delay) {
            log::notice(component(source->config.name), "rate limit spent; next poll in {}",
                        format_duration(wait));
            finished_cycle(source, wait);
            return;
        }
    }
    if (parsed->more && ++source->pages < k_max_pages_per_cycle) {
        poll(source);
        return;
    }
    finished_cycle(source, delay);
}

void Scheduler::succeeded(Source& source) {
    auto& counted = m_metrics[source.config.name];
    counted.up = true;
    counted.last_success = unix_now();
    if (source.failures > 0) {
        log::notice(component(source.config.name), "recovered after {} failed poll(s)",
                    source.failures);
        m_ops(source.config.name, "recovered", "");
    }
    source.failures = 0;
}

void Scheduler::failed(const std::shared_ptr<Source>& source, const Failure& failure) {
    if (auto next = source->connector->recover(failure, source->state.cursor)) {
        log::info(component(source->config.name), "skipped: {}", failure.message);
        source->state.cursor = std::move(next->cursor);
        if (next->more && ++source->pages < k_max_pages_per_cycle) {
            poll(source);
            return;
        }
        finished_cycle(source, jittered(source->config.interval, 0.1, m_random));
        return;
    }
    ++source->failures;
    auto& counted = m_metrics[source->config.name];
    ++counted.polls[std::string(to_string(failure.kind))];
    counted.up = false;
    // From the source's interval, at most an hour, never sooner than the server asked.
    auto delay = backoff(std::max<std::chrono::milliseconds>(source->config.interval, 1s),
                         source->failures, k_max_backoff, m_random);
    if (failure.retry_after)
        delay = std::max<std::chrono::milliseconds>(delay, *failure.retry_after);
    const std::string advice = source->connector->advice(failure, source->state.cursor);
    log::warning(component(source->config.name), "poll failed ({}): {}{}; next try in {}",
                 to_string(failure.kind), failure.message, advice.empty() ? "" : ": " + advice,
                 format_duration(delay));
    if (source->failures == 1)
        m_ops(source->config.name, "failing", failure.message);
    finished_cycle(source, delay);
}

void Scheduler::finished_cycle(const std::shared_ptr<Source>& source,
                               std::chrono::milliseconds delay) {
    source->pages = 0;
    if (m_once) {
        if (--m_pending_once == 0 && m_done)
            m_done();
        return;
    }
    schedule(source, delay);
}

} // namespace wijkwacht
