#pragma once

// metrics.listen: Prometheus /metrics and /healthz over plain HTTP, served
// by Boost.Beast on the daemon's event loop (so it reads the daemon's state
// without locks). Bounded against misuse: small requests only, a deadline
// per connection, a cap on open connections, one request per connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace wijkwacht {

class MetricsServer {
public:
    using Render = std::function<std::string()>;
    struct Health {
        bool ok = true;
        std::string text; // the body
    };
    using Check = std::function<Health()>;

    // Binds `listen` ("127.0.0.1:9750", "[::1]:9750"); port 0 picks one.
    // Throws Error naming it.
    MetricsServer(boost::asio::io_context& io, const std::string& listen, Render metrics,
                  Check health);
    ~MetricsServer();

    // Where it listens, as http://host:port.
    std::string url() const;
    void stop();

private:
    struct Connection;
    void accept();

    boost::asio::ip::tcp::acceptor m_acceptor;
    Render m_metrics;
    Check m_health;
    std::shared_ptr<std::size_t> m_open; // connections now open, shared with them
};

// A Prometheus text-format label value: backslash, quote and newline escaped.
std::string prometheus_label(std::string_view value);

} // namespace wijkwacht
