#pragma once

// A small loopback HTTP/1.1 server for tests and the demo: real sockets on
// 127.0.0.1, one thread per connection, keep-alive, and the misbehaviours
// hostile-server tests need (hang after headers, trickle, close early).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace wijkwacht::test {

struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers; // lower-case names
    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct Reply {
    enum class Mode {
        normal,
        chunked,            // Transfer-Encoding: chunked
        hang_after_headers, // send the headers, then nothing until the server stops
        trickle,            // one body byte per `trickle_interval`
        close_early,        // close the connection without replying
        truncated,          // announce Content-Length, send half, close
    };
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Mode mode = Mode::normal;
    std::chrono::milliseconds trickle_interval{1000};
};

class HttpServer {
public:
    using Handler = std::function<Reply(const Request&)>;

    // Binds 127.0.0.1 on `port` (0: any free port) and starts serving.
    explicit HttpServer(Handler handler, unsigned short port = 0);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    unsigned short port() const { return m_port; }
    std::string url(std::string_view path) const;

    // Requests answered so far whose target starts with `prefix`.
    std::size_t requests(std::string_view prefix = "") const;
    // Waits until requests(prefix) >= n; false on timeout.
    bool wait_for_requests(std::size_t n, std::string_view prefix,
                           std::chrono::milliseconds timeout) const;

    void stop();

private:
    void accept_loop();
    void serve(int fd);
    bool send_reply(int fd, const Reply& reply);

    Handler m_handler;
    int m_listen_fd = -1;
    unsigned short m_port = 0;
    std::atomic<bool> m_stopping{false};
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::vector<std::string> m_targets;
    std::set<int> m_open_fds;
    std::vector<std::thread> m_threads;
    std::thread m_acceptor;
};

} // namespace wijkwacht::test
