#include "tests/support/jetstream_server.hpp"

#include "tests/support/zstd_dict.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <future>
#include <map>
#include <stdexcept>

namespace wijkwacht::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

std::int64_t time_of(const std::string& json) {
    const auto at = json.find("\"time_us\":");
    if (at == std::string::npos)
        throw std::invalid_argument("event without time_us: " + json);
    return std::stoll(json.substr(at + 10));
}

// A query parameter of a request target, "" if absent.
std::string param(const std::string& target, const std::string& name) {
    const auto q = target.find('?');
    if (q == std::string::npos)
        return {};
    std::string query = "&" + target.substr(q + 1) + "&";
    const auto at = query.find("&" + name + "=");
    if (at == std::string::npos)
        return {};
    const auto start = at + name.size() + 2;
    return query.substr(start, query.find('&', start) - start);
}

struct Connection {
    explicit Connection(tcp::socket socket) : ws(std::move(socket)) {}
    websocket::stream<beast::tcp_stream> ws;
    std::deque<std::string> queue;
    bool writing = false;
    bool binary = false;
    bool open = true;
};

} // namespace

struct JetstreamServer::Impl {
    asio::io_context io{1};
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::thread thread;
    // io thread only:
    std::vector<std::pair<std::int64_t, std::string>> log;
    std::vector<std::shared_ptr<Connection>> live;
    std::vector<std::shared_ptr<Connection>> stalled;
    std::string dictionary;
    int refuse_status = 0;
    std::string refuse_body;
    bool stall = false;
    // shared with the test thread:
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<Seen> seen;

    Impl() {
        asio::co_spawn(io, accept(), asio::detached);
        thread = std::thread([this] { io.run(); });
    }
    ~Impl() {
        asio::post(io, [this] {
            acceptor.close();
            for (auto& c : live)
                beast::get_lowest_layer(c->ws).close();
            for (auto& c : stalled)
                beast::get_lowest_layer(c->ws).close();
            io.stop();
        });
        thread.join();
    }

    template <typename F> void run(F f) {
        std::promise<void> done;
        auto future = done.get_future();
        asio::post(io, [&] {
            f();
            done.set_value();
        });
        future.wait();
    }

    void record(Seen s) {
        std::lock_guard lock(mutex);
        seen.push_back(std::move(s));
        changed.notify_all();
    }

    void send(const std::shared_ptr<Connection>& c, const std::string& json) {
        c->queue.push_back(c->binary ? zstd_compress(json, dictionary) : json);
        if (!c->writing) {
            c->writing = true;
            asio::co_spawn(io, writer(c), asio::detached);
        }
    }

    asio::awaitable<void> writer(std::shared_ptr<Connection> c) {
        try {
            while (!c->queue.empty() && c->open) {
                c->ws.binary(c->binary);
                co_await c->ws.async_write(asio::buffer(c->queue.front()), use_awaitable);
                c->queue.pop_front();
            }
        } catch (const std::exception&) {
            c->open = false;
        }
        c->writing = false;
    }

    asio::awaitable<void> accept() {
        while (true) {
            tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
            asio::co_spawn(io, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        try {
            beast::flat_buffer buffer;
            http::request<http::string_body> request;
            co_await http::async_read(socket, buffer, request, use_awaitable);
            Seen s{
                std::string(request.target()), std::string(request[http::field::user_agent]), {}};
            if (refuse_status != 0) {
                http::response<http::string_body> response{static_cast<http::status>(refuse_status),
                                                           request.version()};
                response.set(http::field::content_type, "text/plain");
                response.body() = refuse_body;
                response.prepare_payload();
                co_await http::async_write(socket, response, use_awaitable);
                socket.shutdown(tcp::socket::shutdown_both);
                record(std::move(s));
                co_return;
            }
            auto c = std::make_shared<Connection>(std::move(socket));
            co_await c->ws.async_accept(request, use_awaitable);
            c->binary = param(s.target, "compress") == "true" && !dictionary.empty();
            if (param(s.target, "requireHello") == "true") {
                beast::flat_buffer hello;
                co_await c->ws.async_read(hello, use_awaitable);
                s.hello = beast::buffers_to_string(hello.data());
            }
            const std::string cursor = param(s.target, "cursor");
            if (stall) {
                stalled.push_back(c); // kept open, never read: pings go unanswered
                record(std::move(s));
                co_return;
            }
            live.push_back(c);
            record(std::move(s));
            if (!cursor.empty()) {
                const std::int64_t from = std::stoll(cursor);
                for (const auto& [time, json] : log)
                    if (time >= from)
                        send(c, json);
            }
            beast::flat_buffer incoming;
            while (c->open) { // a read is always pending: it answers the client's pings
                co_await c->ws.async_read(incoming, use_awaitable);
                incoming.consume(incoming.size());
            }
        } catch (const std::exception&) {
        }
        std::erase_if(live, [](const auto& c) {
            return !c->open || !beast::get_lowest_layer(c->ws).socket().is_open();
        });
    }
};

JetstreamServer::JetstreamServer() : m_impl(std::make_unique<Impl>()) {}
JetstreamServer::~JetstreamServer() = default;

std::string JetstreamServer::url() const {
    return "ws://127.0.0.1:" + std::to_string(m_impl->acceptor.local_endpoint().port());
}

void JetstreamServer::publish(const std::string& event_json) {
    const auto time = time_of(event_json);
    m_impl->run([&] {
        m_impl->log.emplace_back(time, event_json);
        for (auto& c : m_impl->live)
            if (c->open)
                m_impl->send(c, event_json);
    });
}

void JetstreamServer::publish(const std::vector<std::string>& events) {
    m_impl->run([&] {
        for (const auto& event : events) {
            m_impl->log.emplace_back(time_of(event), event);
            for (auto& c : m_impl->live)
                if (c->open)
                    m_impl->send(c, event);
        }
    });
}

void JetstreamServer::send_raw(const std::string& bytes) {
    m_impl->run([&] {
        for (auto& c : m_impl->live)
            if (c->open) {
                const bool binary = c->binary;
                c->binary = false;
                m_impl->send(c, bytes);
                c->binary = binary;
            }
    });
}

void JetstreamServer::drop() {
    m_impl->run([&] {
        for (auto& c : m_impl->live) {
            c->open = false;
            beast::get_lowest_layer(c->ws).close();
        }
        m_impl->live.clear();
    });
}

void JetstreamServer::refuse(int status, std::string body) {
    m_impl->run([&] {
        m_impl->refuse_status = status;
        m_impl->refuse_body = std::move(body);
    });
}

void JetstreamServer::stall(bool on) {
    m_impl->run([&] { m_impl->stall = on; });
}

void JetstreamServer::compress_with(std::string dictionary) {
    m_impl->run([&] { m_impl->dictionary = std::move(dictionary); });
}

std::vector<JetstreamServer::Seen> JetstreamServer::connections() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->seen;
}

bool JetstreamServer::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_impl->mutex);
    return m_impl->changed.wait_for(lock, timeout, [&] { return m_impl->seen.size() >= n; });
}

std::size_t JetstreamServer::open() const {
    std::size_t n = 0;
    m_impl->run([&] { n = m_impl->live.size(); });
    return n;
}

} // namespace wijkwacht::test
