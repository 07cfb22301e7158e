#include "daemon/metrics.hpp"

#include "core/url.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <chrono>

namespace wijkwacht {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t k_max_connections = 32;
constexpr auto k_deadline = std::chrono::seconds(10);
constexpr std::size_t k_max_request = 8 * 1024;

tcp::endpoint parse_listen(const std::string& listen) {
    const auto parts = split_listen(listen);
    if (!parts)
        throw Error(fmt::format("metrics.listen \"{}\": expected an IP address and a port, "
                                "e.g. 127.0.0.1:9750",
                                listen));
    return {asio::ip::make_address(parts->first), parts->second};
}
} // namespace

struct MetricsServer::Connection : std::enable_shared_from_this<Connection> {
    Connection(tcp::socket socket, MetricsServer& owner)
        : stream(std::move(socket)), server(owner), open(owner.m_open) {
        ++*open;
    }
    ~Connection() { --*open; }

    void start() {
        parser.header_limit(k_max_request);
        parser.body_limit(k_max_request);
        stream.expires_after(k_deadline);
        http::async_read(
            stream, buffer, parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec)
            return; // closed, too slow or too large: nothing to answer
        const auto& request = parser.get();
        response.version(request.version());
        response.keep_alive(false);
        response.set(http::field::server, "wijkwachtd");
        const auto target = std::string(request.target());
        const auto path = target.substr(0, target.find('?'));
        if (request.method() != http::verb::get && request.method() != http::verb::head) {
            reply(http::status::method_not_allowed, "text/plain", "GET or HEAD only\n");
            response.set(http::field::allow, "GET, HEAD");
        } else if (path == "/metrics" || path == "/healthz") {
            // Nothing may throw out of a handler on the daemon's loop.
            try {
                if (path == "/metrics") {
                    reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                          server.m_metrics());
                } else {
                    const auto health = server.m_health();
                    reply(health.ok ? http::status::ok : http::status::service_unavailable,
                          "text/plain; charset=utf-8", health.text);
                }
            } catch (const std::exception& e) {
                log::error("metrics", "{}: {}", path, e.what());
                reply(http::status::internal_server_error, "text/plain", "internal error\n");
            }
        } else {
            reply(http::status::not_found, "text/plain", "try /metrics or /healthz\n");
        }
        if (request.method() == http::verb::head) {
            const auto length = response.body().size();
            response.body().clear();
            response.content_length(length);
        }
        http::async_write(stream, response,
                          [self = shared_from_this()](beast::error_code, std::size_t) {
                              beast::error_code ignored;
                              self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                          });
    }

    void reply(http::status status, std::string_view type, std::string body) {
        response.result(status);
        response.set(http::field::content_type, type);
        response.body() = std::move(body);
        response.prepare_payload();
    }

    beast::tcp_stream stream;
    MetricsServer& server;
    std::shared_ptr<std::size_t> open;
    beast::flat_buffer buffer{k_max_request};
    http::request_parser<http::string_body> parser;
    http::response<http::string_body> response;
};

MetricsServer::MetricsServer(asio::io_context& io, const std::string& listen, Render metrics,
                             Check health)
    : m_acceptor(io), m_metrics(std::move(metrics)), m_health(std::move(health)),
      m_open(std::make_shared<std::size_t>(0)) {
    const auto endpoint = parse_listen(listen);
    try {
        m_acceptor.open(endpoint.protocol());
        m_acceptor.set_option(asio::socket_base::reuse_address(true));
        m_acceptor.bind(endpoint);
        m_acceptor.listen();
    } catch (const boost::system::system_error& e) {
        throw Error(
            fmt::format("metrics.listen {}: cannot listen: {}", listen, e.code().message()));
    }
    accept();
}

MetricsServer::~MetricsServer() {
    stop();
}

void MetricsServer::stop() {
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
}

std::string MetricsServer::url() const {
    const auto endpoint = m_acceptor.local_endpoint();
    const auto address = endpoint.address();
    if (address.is_v6())
        return fmt::format("http://[{}]:{}", address.to_string(), endpoint.port());
    return fmt::format("http://{}:{}", address.to_string(), endpoint.port());
}

void MetricsServer::accept() {
    m_acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !m_acceptor.is_open())
            return;
        if (!ec) {
            if (*m_open < k_max_connections)
                std::make_shared<Connection>(std::move(socket), *this)->start();
            else
                log::warning("metrics", "{} connections open: refusing another", k_max_connections);
        }
        accept();
    });
}

std::string prometheus_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

} // namespace wijkwacht
