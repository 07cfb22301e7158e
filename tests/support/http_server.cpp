#include "tests/support/http_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace wijkwacht::test {

namespace {

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

HttpServer::HttpServer(Handler handler, unsigned short port) : m_handler(std::move(handler)) {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0)
        throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    const int one = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_listen_fd, 64) != 0) {
        const std::string why = std::strerror(errno);
        ::close(m_listen_fd);
        throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + why);
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
    stop();
}

std::string HttpServer::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + std::string(path);
}

void HttpServer::stop() {
    if (m_stopping.exchange(true))
        return;
    ::shutdown(m_listen_fd, SHUT_RDWR); // wakes accept()
    {
        const std::lock_guard lock(m_mutex);
        for (const int fd : m_open_fds)
            ::shutdown(fd, SHUT_RDWR);
    }
    m_changed.notify_all();
    if (m_acceptor.joinable())
        m_acceptor.join();
    for (auto& t : m_threads)
        if (t.joinable())
            t.join();
    ::close(m_listen_fd);
}

std::size_t HttpServer::requests(std::string_view prefix) const {
    const std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(
        std::count_if(m_targets.begin(), m_targets.end(), [&](const std::string& t) {
            return std::string_view(t).starts_with(prefix);
        }));
}

bool HttpServer::wait_for_requests(std::size_t n, std::string_view prefix,
                                   std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [&] {
        return static_cast<std::size_t>(
                   std::count_if(m_targets.begin(), m_targets.end(), [&](const std::string& t) {
                       return std::string_view(t).starts_with(prefix);
                   })) >= n;
    });
}

void HttpServer::accept_loop() {
    while (!m_stopping) {
        const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        const std::lock_guard lock(m_mutex);
        if (m_stopping) {
            ::close(fd);
            return;
        }
        m_open_fds.insert(fd);
        m_threads.emplace_back([this, fd] { serve(fd); });
    }
}

void HttpServer::serve(int fd) {
    std::string buffer;
    char chunk[4096];
    bool open = true;
    while (open && !m_stopping) {
        std::size_t end;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                open = false;
                break;
            }
            buffer.append(chunk, static_cast<std::size_t>(n));
            if (buffer.size() > (1u << 20)) {
                open = false;
                break;
            }
        }
        if (!open)
            break;
        Request request;
        const std::string head = buffer.substr(0, end);
        buffer.erase(0, end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string first = head.substr(0, line_end);
        const auto sp1 = first.find(' ');
        const auto sp2 = first.find(' ', sp1 + 1);
        request.method = first.substr(0, sp1);
        request.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
        while (line_end != std::string::npos) {
            const auto next = head.find("\r\n", line_end + 2);
            const std::string line = head.substr(
                line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                auto value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                request.headers[lower(line.substr(0, colon))] = value;
            }
            line_end = next;
        }
        const Reply reply = m_handler(request);
        {
            const std::lock_guard lock(m_mutex);
            m_targets.push_back(request.target);
        }
        m_changed.notify_all();
        open = send_reply(fd, reply) && lower(request.header("connection")) != "close";
    }
    {
        const std::lock_guard lock(m_mutex);
        m_open_fds.erase(fd);
    }
    ::close(fd);
}

bool HttpServer::send_reply(int fd, const Reply& reply) {
    using Mode = Reply::Mode;
    if (reply.mode == Mode::close_early)
        return false;
    std::string head =
        "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    for (const auto& [name, value] : reply.headers)
        head += name + ": " + value + "\r\n";
    if (reply.mode == Mode::chunked || reply.mode == Mode::stream)
        head += "Transfer-Encoding: chunked\r\n";
    else if (reply.status != 304)
        head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    head += "\r\n";
    if (reply.mode == Mode::normal)
        return send_all(fd, reply.status == 304 ? head : head + reply.body);
    if (!send_all(fd, head))
        return false;
    switch (reply.mode) {
    case Mode::normal:
        return true;
    case Mode::chunked: {
        constexpr std::size_t k_chunk = 64 * 1024;
        for (std::size_t pos = 0; pos < reply.body.size() && !m_stopping; pos += k_chunk) {
            const auto piece = std::string_view(reply.body).substr(pos, k_chunk);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
            if (!send_all(fd, size) || !send_all(fd, piece) || !send_all(fd, "\r\n"))
                return false;
        }
        return send_all(fd, "0\r\n\r\n");
    }
    case Mode::stream:
        while (!m_stopping) {
            const auto chunk = reply.next_chunk();
            if (!chunk)
                return false;
            if (chunk->empty())
                continue;
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", chunk->size());
            if (!send_all(fd, size) || !send_all(fd, *chunk) || !send_all(fd, "\r\n"))
                return false;
        }
        return false;
    case Mode::hang_after_headers: {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_stopping.load(); });
        return false;
    }
    case Mode::trickle:
        for (const char c : reply.body) {
            std::unique_lock lock(m_mutex);
            if (m_changed.wait_for(lock, reply.trickle_interval,
                                   [this] { return m_stopping.load(); }))
                return false;
            lock.unlock();
            if (!send_all(fd, std::string_view(&c, 1)))
                return false;
        }
        return true;
    case Mode::truncated:
        send_all(fd, std::string_view(reply.body).substr(0, reply.body.size() / 2));
        return false;
    case Mode::close_early:
        return false;
    }
    return false;
}

} // namespace wijkwacht::test
