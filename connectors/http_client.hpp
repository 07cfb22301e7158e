#pragma once

// The shared HTTP poller: libcurl's multi interface driven by one Asio
// io_context. It owns connections, timeouts, redirects (followed by hand
// so each hop passes the URL policy), the decoded-size cap and the
// classification of failures. Connectors never see a socket.

#include <wijkwacht/connector.hpp>
#include <wijkwacht/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace wijkwacht {

struct HttpOptions {
    std::string user_agent;
    bool allow_plain_http = false;          // http to non-loopback hosts
    std::size_t max_body_bytes = 16u << 20; // decoded bytes
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
    std::chrono::milliseconds total_timeout = std::chrono::seconds(60);
    long low_speed_bytes = 100;              // abort below this many bytes/s …
    std::chrono::seconds low_speed_time{20}; // … for this long
    int max_redirects = 5;
    long max_host_connections = 2;
    long max_total_connections = 64;
};

class HttpClient {
public:
    using Callback = std::function<void(Result<HttpResponse>)>;

    HttpClient(boost::asio::io_context& io, HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Starts a GET. The callback runs later on the io_context, exactly once:
    // a response with status 2xx or 304, or a classified Failure.
    void fetch(HttpRequest request, Callback callback);

    // Completes every transfer in flight with a "cancelled" failure.
    void cancel_all();

    std::size_t in_flight() const { return m_transfers.size(); }
    const HttpOptions& options() const { return m_options; }

    struct Transfer; // one request in flight, private to the implementation

private:
    struct Socket {
        std::unique_ptr<boost::asio::posix::stream_descriptor> descriptor;
        int want = 0; // CURL_POLL_*
        bool reading = false;
        bool writing = false;
        std::uint64_t generation = 0;
    };

    static int on_socket(void* easy, int fd, int what, void* self, void* socket_data);
    static int on_timer(void* multi, long timeout_ms, void* self);
    void arm(int fd);
    void on_ready(int fd, std::uint64_t generation, int direction,
                  const boost::system::error_code& error);
    void on_timeout(const boost::system::error_code& error);
    void collect_finished();
    void start(std::unique_ptr<Transfer> transfer);
    void finish(std::unique_ptr<Transfer> transfer, int curl_code);
    void complete(Callback callback, Result<HttpResponse> result);

    boost::asio::io_context& m_io;
    HttpOptions m_options;
    void* m_multi = nullptr; // CURLM
    boost::asio::steady_timer m_timer;
    std::map<int, Socket> m_sockets;
    std::map<void*, std::unique_ptr<Transfer>> m_transfers; // by CURL easy handle
    std::uint64_t m_next_generation = 1;
};

// Retry-After as seconds or an HTTP date, relative to now.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

} // namespace wijkwacht
