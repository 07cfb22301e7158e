#pragma once

// Polled sources: one timer per source, request budgets per host, a queue
// when too many polls are due at once, exponential backoff on failures,
// paging within a cycle. Each response goes through the connector to the
// post path.

#include "connectors/http_client.hpp"
#include "daemon/post_path.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/connector.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

// What a source runner tells the daemon about a source's health: "failing"
// with the reason, or "recovered" (published on the ops stream).
using OpsEvent =
    std::function<void(std::string_view source, std::string_view state, std::string_view reason)>;

// Exponential backoff with jitter: `base` doubled per failure after the
// first, at most `cap`.
std::chrono::milliseconds backoff(std::chrono::milliseconds base, int failures,
                                  std::chrono::milliseconds cap, std::mt19937_64& random);
std::chrono::milliseconds jittered(std::chrono::milliseconds base, double spread,
                                   std::mt19937_64& random);

class Scheduler {
public:
    Scheduler(boost::asio::io_context& io, HttpClient& http, PostPath& path, Journal& journal,
              std::map<std::string, SourceMetrics>& metrics, OpsEvent ops);
    ~Scheduler();

    // Starts polling the polled sources among `sources`. With `once`, polls
    // each once and calls `done` when the last has finished (at once if
    // there is none).
    void start(const std::vector<SourceConfig>& sources, bool once = false,
               std::function<void()> done = {});
    // Stops every source (a reload, a stop); late responses are dropped.
    void retire();

    std::size_t sources() const { return m_sources.size(); }
    std::size_t failing() const;
    std::size_t in_flight() const { return m_in_flight; }
    std::size_t queued() const { return m_waiting.size(); }

private:
    struct Source;
    void schedule(const std::shared_ptr<Source>& source, std::chrono::milliseconds delay);
    void poll(const std::shared_ptr<Source>& source);
    // Whether a request to `host` may be handed to libcurl now: fewer than
    // k_max_in_flight in all, and fewer to that host than libcurl opens
    // connections to one.
    bool may_send(const std::string& host) const;
    void on_response(const std::shared_ptr<Source>& source, Result<HttpResponse> result);
    void succeeded(Source& source);
    void failed(const std::shared_ptr<Source>& source, const Failure& failure);
    void finished_cycle(const std::shared_ptr<Source>& source, std::chrono::milliseconds delay);

    boost::asio::io_context& m_io;
    HttpClient& m_http;
    PostPath& m_path;
    Journal& m_journal;
    std::map<std::string, SourceMetrics>& m_metrics;
    OpsEvent m_ops;
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
    // Due, waiting for a free request slot: overall, or on their host.
    struct Waiting {
        std::shared_ptr<Source> source;
        std::string host;
    };
    std::deque<Waiting> m_waiting;
    std::map<std::string, std::size_t, std::less<>> m_host_in_flight;
    std::mt19937_64 m_random;
    bool m_once = false;
    std::size_t m_pending_once = 0;
    std::function<void()> m_done;
};

} // namespace wijkwacht
