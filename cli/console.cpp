// wijkwacht console: a staff member's console in the browser. It follows
// the daemon like tail (live, replay, CURVE with the member's own key),
// keeps the newest messages of the streams in memory, and serves one page on
// loopback: the streams live over server-sent events (the event id is the
// position in every stream, so a reconnecting page resumes without gaps),
// and the workflow (claim, ack, …) forwarded to the daemon as this member.
// Nothing is stored on disk; the page loads nothing from elsewhere.
#include "cli/commands.hpp"
#include "cli/console_assets.hpp"
#include "cli/curve_client.hpp"
#include "cli/daemon_client.hpp"
#include "cli/follower.hpp"
#include "cli/request.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"

#include <wijkwacht/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <charconv>
#include <deque>
#include <list>
#include <map>
#include <memory>

namespace wijkwacht::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

constexpr std::size_t k_buffer_limit = 20000; // messages kept for the pages
constexpr std::size_t k_max_body = 16 * 1024;
constexpr auto k_keepalive = std::chrono::seconds(15);

struct ConsoleOptions {
    std::string listen = "127.0.0.1:8765";
    std::vector<std::string> streams;
    DaemonEndpoints daemon;
    std::string as;
    std::size_t backlog = 500;
    int timeout_ms = 5000;
    int silence_ms = 15000;
    CurveFiles curve;
};

// What the pages are told; lives on the io thread.
struct Hub {
    struct Entry {
        std::uint64_t index; // arrival order
        StreamMessage message;
    };
    std::deque<Entry> buffer;
    std::uint64_t next_index = 1;
    std::string epoch;
    bool up = false;
    std::string why = "connecting to the daemon";
    std::list<asio::steady_timer*> waiting; // SSE connections waiting for news

    void wake() {
        for (auto* timer : waiting)
            timer->cancel();
    }
    void add(StreamMessage m) {
        buffer.push_back({next_index++, std::move(m)});
        if (buffer.size() > k_buffer_limit)
            buffer.pop_front();
        wake();
    }
};

// An SSE event id: the epoch and the newest stream_seq of each stream sent,
// e.g. "9f2c1e0a|all=311|centrum=40".
using Position = std::map<std::string, std::int64_t>;

std::string position_id(const std::string& epoch, const Position& p) {
    std::string id = epoch.substr(0, 16);
    for (const auto& [stream, seq] : p)
        id += fmt::format("|{}={}", stream, seq);
    return id;
}

std::optional<Position> parse_position(std::string_view id, const std::string& epoch) {
    Position p;
    std::size_t bar = id.find('|');
    if (id.substr(0, bar) != std::string_view(epoch).substr(0, 16))
        return std::nullopt;
    while (bar != std::string_view::npos) {
        const auto next = id.find('|', bar + 1);
        const auto part =
            id.substr(bar + 1, next == std::string_view::npos ? next : next - bar - 1);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos)
            return std::nullopt;
        std::int64_t seq = 0;
        const auto digits = part.substr(eq + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
        if (ec != std::errc{} || end != digits.data() + digits.size())
            return std::nullopt;
        p[std::string(part.substr(0, eq))] = seq;
        bar = next;
    }
    return p;
}

class Console {
public:
    Console(ConsoleOptions o, std::optional<ClientKeys> keys)
        : m_o(std::move(o)), m_keys(std::move(keys)), m_signals(m_io, SIGINT, SIGTERM),
          m_acceptor(m_io) {
        m_me = m_keys ? m_keys->own.name : m_o.as.empty() ? "local" : m_o.as;
    }

    int run() {
        const auto parts = split_listen(m_o.listen);
        if (!parts)
            throw ConfigError({fmt::format("--listen \"{}\": expected an IP address and a port, "
                                           "e.g. 127.0.0.1:8765",
                                           m_o.listen)});
        const auto address = asio::ip::make_address(parts->first);
        if (!address.is_loopback())
            throw ConfigError({fmt::format("--listen {}: the console serves loopback only "
                                           "(127.0.0.1 or ::1): it acts with your key",
                                           m_o.listen)});
        const tcp::endpoint where(address, parts->second);
        try {
            m_acceptor.open(where.protocol());
            m_acceptor.set_option(asio::socket_base::reuse_address(true));
            m_acceptor.bind(where);
            m_acceptor.listen();
        } catch (const boost::system::system_error& e) {
            throw Error(fmt::format("--listen {}: cannot listen: {} (another console running? "
                                    "try another port)",
                                    m_o.listen, e.code().message()));
        }
        const auto bound = m_acceptor.local_endpoint();
        m_authority = bound.address().is_v6()
                          ? fmt::format("[{}]:{}", bound.address().to_string(), bound.port())
                          : fmt::format("{}:{}", bound.address().to_string(), bound.port());
        m_port = bound.port();

        FollowerOptions f;
        f.endpoint = m_o.daemon.publish;
        f.replay_endpoint = m_o.daemon.replay;
        f.streams = m_o.streams;
        f.keys = m_keys;
        f.backlog = m_o.backlog;
        f.timeout = std::chrono::milliseconds(m_o.timeout_ms);
        f.silence = std::chrono::milliseconds(m_o.silence_ms);
        FollowerEvents events;
        events.on_message = [this](StreamMessage m) {
            asio::post(m_io, [this, m = std::move(m)]() mutable { m_hub.add(std::move(m)); });
        };
        events.on_epoch = [this](const std::string& epoch, bool changed) {
            asio::post(m_io, [this, epoch, changed] {
                if (changed) {
                    std::fprintf(stderr,
                                 "wijkwacht console: WARNING: the daemon's journal epoch changed: "
                                 "its state was reset\n");
                    m_hub.buffer.clear();
                }
                m_hub.epoch = epoch;
                m_hub.wake();
            });
        };
        events.on_status = [this](bool up, const std::string& why) {
            asio::post(m_io, [this, up, why] {
                m_hub.up = up;
                m_hub.why = why;
                if (!up)
                    std::fprintf(stderr, "wijkwacht console: %s\n", why.c_str());
                m_hub.wake();
            });
        };
        StreamFollower follower(m_context, f, std::move(events));
        m_signals.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec)
                return;
            m_stopping = true;
            m_io.stop(); // open pages reconnect to the next console
        });
        asio::co_spawn(m_io, accept(), asio::detached);
        std::fprintf(
            stderr, "wijkwacht console: http://%s/ for %s, following %s on %s (Ctrl-C stops)\n",
            m_authority.c_str(), m_me.c_str(),
            fmt::format("{}", fmt::join(m_o.streams, ", ")).c_str(), m_o.daemon.publish.c_str());
        m_io.run();
        m_pool.join();
        return 0;
    }

private:
    awaitable<void> accept() {
        while (!m_stopping) {
            auto [ec, socket] = co_await m_acceptor.async_accept(asio::as_tuple(use_awaitable));
            if (ec)
                break;
            asio::co_spawn(m_io, serve(std::move(socket)), asio::detached);
        }
    }

    // DNS rebinding and cross-site requests: only this console's own
    // address may be the Host, and the Origin when there is one.
    bool own_host(std::string_view host) const {
        return host == m_authority || host == fmt::format("localhost:{}", m_port);
    }
    bool own_origin(std::string_view origin) const {
        return origin.starts_with("http://") && own_host(origin.substr(7));
    }

    template <typename Body> static void secure(http::response<Body>& r) {
        r.set(http::field::server, "wijkwacht-console");
        r.set(http::field::cache_control, "no-store");
        r.set("Content-Security-Policy",
              "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        r.set("Referrer-Policy", "no-referrer");
        r.set("X-Content-Type-Options", "nosniff");
        r.set("X-Frame-Options", "DENY");
        r.set("Cross-Origin-Opener-Policy", "same-origin");
        r.set("Cross-Origin-Resource-Policy", "same-origin");
        r.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    }

    awaitable<void> serve(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(k_max_body);
            parser.body_limit(k_max_body);
            stream.expires_after(std::chrono::seconds(60));
            auto [ec, n] =
                co_await http::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
            if (ec)
                co_return;
            auto request = parser.release();
            const std::string target(request.target());
            const std::string path = target.substr(0, target.find('?'));
            if (!own_host(request[http::field::host]) ||
                (request.count(http::field::origin) && !own_origin(request[http::field::origin]))) {
                co_await reply(stream, request, http::status::forbidden,
                               "text/plain; charset=utf-8",
                               "this console answers only to its own address\n");
                co_return;
            }
            if (path == "/events" && request.method() == http::verb::get) {
                stream.expires_never();
                co_await events(stream, request);
                co_return;
            }
            if (path == "/api/action") {
                if (request.method() != http::verb::post ||
                    !request[http::field::content_type].starts_with("application/json")) {
                    co_await reply(stream, request, http::status::bad_request, "application/json",
                                   json_error("POST JSON only"));
                } else {
                    const std::string answer = co_await act(request.body());
                    co_await reply(stream, request, http::status::ok, "application/json", answer);
                }
            } else if (request.method() != http::verb::get &&
                       request.method() != http::verb::head) {
                co_await reply(stream, request, http::status::method_not_allowed,
                               "text/plain; charset=utf-8", "GET only\n");
            } else if (const auto* asset = find_console_asset(path)) {
                co_await reply(stream, request, http::status::ok, asset->type,
                               std::string(asset->body));
            } else {
                co_await reply(stream, request, http::status::not_found,
                               "text/plain; charset=utf-8", "not here: try /\n");
            }
            if (!request.keep_alive() || m_stopping)
                co_return;
        }
    }

    awaitable<void> reply(beast::tcp_stream& stream,
                          const http::request<http::string_body>& request, http::status status,
                          std::string_view type, std::string body) {
        http::response<http::string_body> response(status, request.version());
        secure(response);
        response.set(http::field::content_type, type);
        response.keep_alive(request.keep_alive());
        response.body() = request.method() == http::verb::head ? std::string() : std::move(body);
        response.prepare_payload();
        co_await http::async_write(stream, response, asio::as_tuple(use_awaitable));
    }

    // A workflow request from the page, sent to the daemon as this member.
    awaitable<std::string> act(std::string body) {
        rapidjson::Document doc;
        if (parse_json(body, doc, 4) || !doc.IsObject() || doc.HasMember("as"))
            co_return json_error("unreadable request");
        if (!m_keys) {
            doc.AddMember("as", rapidjson::Value(m_me.c_str(), doc.GetAllocator()),
                          doc.GetAllocator());
            rapidjson::StringBuffer out;
            JsonWriter writer(out);
            doc.Accept(writer);
            body.assign(out.GetString(), out.GetSize());
        }
        // The daemon's answer may take a while: not on the io thread.
        co_await asio::post(m_pool, use_awaitable);
        auto answer = ask(m_context, {m_o.daemon.workflow, "publish.workflow_endpoint"}, m_keys,
                          std::chrono::milliseconds(m_o.timeout_ms), body);
        co_await asio::post(m_io, use_awaitable);
        if (!answer)
            co_return json_error(answer.failure().message);
        if (answer->size() != 1)
            co_return json_error("unreadable reply");
        co_return std::move(answer->front());
    }

    std::string hello() const {
        rapidjson::StringBuffer buffer;
        JsonWriter out(buffer);
        out.StartObject();
        write_key(out, "me");
        write_string(out, m_me);
        write_key(out, "epoch");
        write_string(out, m_hub.epoch);
        write_key(out, "up");
        out.Bool(m_hub.up);
        write_key(out, "why");
        write_string(out, m_hub.why);
        write_key(out, "streams");
        out.StartArray();
        for (const auto& s : m_o.streams)
            write_string(out, s);
        out.EndArray();
        out.EndObject();
        return {buffer.GetString(), buffer.GetSize()};
    }

    awaitable<void> events(beast::tcp_stream& stream,
                           const http::request<http::string_body>& request) {
        // Where the page stands: the Last-Event-ID header of a reconnecting
        // EventSource, or ?last_event_id= from a page that built a new one.
        std::string last(request["Last-Event-ID"]);
        const std::string target(request.target());
        if (const auto at = target.find("last_event_id="); last.empty() && at != std::string::npos)
            last = target.substr(at + 14);
        if (const auto amp = last.find('&'); amp != std::string::npos)
            last.resize(amp);
        std::string decoded;
        for (std::size_t i = 0; i < last.size(); ++i) {
            unsigned value = 0;
            if (last[i] == '%' && i + 2 < last.size() &&
                std::from_chars(last.data() + i + 1, last.data() + i + 3, value, 16).ptr ==
                    last.data() + i + 3) {
                decoded += static_cast<char>(value);
                i += 2;
            } else {
                decoded += last[i];
            }
        }
        std::optional<Position> position;
        if (!decoded.empty())
            position = parse_position(decoded, m_hub.epoch);
        Position sent = position.value_or(Position{});
        std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                           "X-Accel-Buffering: no\r\nConnection: close\r\n";
        {
            http::response<http::empty_body> headers;
            secure(headers);
            for (const auto& field : headers)
                head += fmt::format("{}: {}\r\n", field.name_string(), field.value());
        }
        head += "\r\nretry: 1000\n\n";
        std::string epoch = m_hub.epoch;
        bool up = m_hub.up;
        head += fmt::format("event: hello\ndata: {}\n\n", hello());
        if (!decoded.empty() && !position)
            head += "event: reset\ndata: {}\n\n"; // from another epoch or console: start over
        auto [ec, n] = co_await asio::async_write(stream.socket(), asio::buffer(head),
                                                  asio::as_tuple(use_awaitable));
        if (ec)
            co_return;
        std::uint64_t next = 0; // the next buffer index to look at
        asio::steady_timer timer(m_io);
        while (!m_stopping) {
            std::string out;
            if (epoch != m_hub.epoch) {
                epoch = m_hub.epoch;
                sent.clear();
                next = 0;
                out += "event: reset\ndata: {}\n\n";
            }
            if (up != m_hub.up) {
                up = m_hub.up;
                out += fmt::format("event: status\ndata: {}\n\n", hello());
            }
            // Indices are consecutive: start at the first one not yet looked at.
            const auto& buffer = m_hub.buffer;
            const std::size_t from =
                buffer.empty() || next <= buffer.front().index
                    ? 0
                    : std::min<std::size_t>(buffer.size(), next - buffer.front().index);
            for (auto it = buffer.begin() + static_cast<std::ptrdiff_t>(from); it != buffer.end();
                 ++it) {
                const auto& entry = *it;
                next = entry.index + 1;
                const auto& m = entry.message;
                auto& have = sent[m.stream];
                if (m.stream_seq <= have)
                    continue;
                have = m.stream_seq;
                out += fmt::format("id: {}\nevent: message\ndata: {}\n\n", position_id(epoch, sent),
                                   m.body);
            }
            if (out.empty())
                out = ": keep-alive\n\n";
            auto [wec, wn] = co_await asio::async_write(stream.socket(), asio::buffer(out),
                                                        asio::as_tuple(use_awaitable));
            if (wec)
                co_return;
            // Nothing may arrive between this check and the wait: both run
            // on the io thread, and news cancels the waiting timers.
            if ((!m_hub.buffer.empty() && m_hub.buffer.back().index >= next) ||
                epoch != m_hub.epoch || up != m_hub.up)
                continue;
            timer.expires_after(k_keepalive);
            m_hub.waiting.push_back(&timer);
            const auto me = std::prev(m_hub.waiting.end());
            co_await timer.async_wait(asio::as_tuple(use_awaitable));
            m_hub.waiting.erase(me);
        }
    }

    ConsoleOptions m_o;
    std::optional<ClientKeys> m_keys;
    std::string m_me;
    zmq::context_t m_context{1};
    asio::io_context m_io{1};
    asio::thread_pool m_pool{2};
    asio::signal_set m_signals;
    tcp::acceptor m_acceptor;
    std::string m_authority;
    unsigned short m_port = 0;
    Hub m_hub;
    bool m_stopping = false;
};

int run_console(ConsoleOptions o) {
    o.daemon.resolve();
    if (o.streams.empty())
        o.streams = {"all"};
    auto keys = load_client_keys(o.curve);
    o.as = name_without_curve(keys, o.as);
    return Console(std::move(o), std::move(keys)).run();
}

} // namespace

void add_console(CLI::App& app, Command& run) {
    auto o = std::make_shared<ConsoleOptions>();
    auto* cmd = app.add_subcommand(
        "console", "serve a console in the browser (on loopback) to follow streams and claim, "
                   "acknowledge, escalate and resolve alerts as a team");
    cmd->group("Team workflow");
    cmd->add_option("streams", o->streams, "streams to follow (default: all)");
    cmd->add_option("--listen", o->listen, "where the page is served (loopback only)")
        ->capture_default_str();
    add_endpoint_options(*cmd, o->daemon, true, true);
    add_as_option(*cmd, o->as);
    cmd->add_option("--backlog", o->backlog, "newest messages per stream shown at start")
        ->capture_default_str();
    cmd->add_option("--timeout", o->timeout_ms, "milliseconds to wait for the daemon's answers")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--silence", o->silence_ms,
                    "milliseconds without any message (not even a heartbeat) before the page "
                    "warns that the daemon is unreachable")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    add_curve_options(*cmd, o->curve);
    cmd->callback([o, &run] {
        run = [o] {
            return run_console(*o);
        };
    });
}

} // namespace wijkwacht::cli
