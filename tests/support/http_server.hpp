#pragma once

// A small loopback HTTP/1.1 server for tests and the demo: real sockets on
// 127.0.0.1, one thread per connection, keep-alive, and the misbehaviours
// hostile-server tests need (hang after headers, trickle, close early).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
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
        stream,             // chunked, each chunk from `next_chunk` until it says stop
    };
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Mode mode = Mode::normal;
    std::chrono::milliseconds trickle_interval{1000};
    // Mode::stream: blocks until the next chunk; nullopt closes the
    // connection (without the last chunk, as a dropped stream would).
    std::function<std::optional<std::string>()> next_chunk = {};
};

// A server-sent-events channel for Mode::stream replies: the test pushes
// text, the connection thread sends it; cut() ends every open response.
class StreamChannel {
public:
    void push(std::string text) {
        const std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(text));
        m_changed.notify_all();
    }
    // Ends the responses open now once they have sent what was pushed;
    // later ones stream again.
    void cut() {
        const std::lock_guard lock(m_mutex);
        ++m_generation;
        m_changed.notify_all();
    }
    // Ends every response for good (before the server stops).
    void close() {
        const std::lock_guard lock(m_mutex);
        m_closed = true;
        m_changed.notify_all();
    }
    // For a Reply: the chunks of one response.
    std::function<std::optional<std::string>()> reader() {
        std::uint64_t generation;
        {
            const std::lock_guard lock(m_mutex);
            generation = m_generation;
        }
        return [this, generation]() -> std::optional<std::string> {
            std::unique_lock lock(m_mutex);
            m_changed.wait(
                lock, [&] { return !m_queue.empty() || m_generation != generation || m_closed; });
            if (m_queue.empty() || m_closed)
                return std::nullopt;
            std::string next = std::move(m_queue.front());
            m_queue.erase(m_queue.begin());
            return next;
        };
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<std::string> m_queue;
    std::uint64_t m_generation = 0;
    bool m_closed = false;
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
