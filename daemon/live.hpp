#pragma once

// Live sources: a connection held open (Jetstream's websocket), read as
// events arrive, reconnected with backoff on any failure and resumed from
// the journaled cursor. Posts are handed to the post path in batches: one
// transaction per short interval, carrying the cursor the batch reaches, so
// a kill at any moment resumes without loss (the cursor never passes an
// uncommitted post) or duplicate (the journal knows what it has seen).

#include "connectors/http_client.hpp"
#include "daemon/post_path.hpp"
#include "daemon/scheduler.hpp"

#include <wijkwacht/config.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace wijkwacht {

struct LiveOptions {
    std::string user_agent;
    bool allow_plain_http = false;
    // One transaction per batch: short enough that an alert waits little,
    // long enough that a burst is tens of posts per commit.
    std::chrono::milliseconds batch = std::chrono::milliseconds(25);
    std::chrono::milliseconds max_backoff = std::chrono::seconds(60);
};

class LiveSession; // one live source's connection, private to live.cpp

class LiveRunner {
public:
    LiveRunner(boost::asio::io_context& io, HttpClient& http, PostPath& path, Journal& journal,
               std::map<std::string, SourceMetrics>& metrics, OpsEvent ops, LiveOptions options);
    ~LiveRunner();

    // Connects the live sources among `sources`.
    void start(const std::vector<SourceConfig>& sources);
    // Closes every connection and journals what was read (a reload, a stop).
    void retire();

    std::size_t sources() const { return m_sessions.size(); }
    std::size_t failing() const;
    std::size_t connected() const;

private:
    boost::asio::io_context& m_io;
    HttpClient& m_http;
    PostPath& m_path;
    Journal& m_journal;
    std::map<std::string, SourceMetrics>& m_metrics;
    OpsEvent m_ops;
    LiveOptions m_options;
    std::unique_ptr<boost::asio::ssl::context> m_tls; // the TLS client context of every session
    std::vector<std::shared_ptr<LiveSession>> m_sessions;
};

} // namespace wijkwacht
