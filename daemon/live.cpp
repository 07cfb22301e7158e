#include "daemon/live.hpp"

#include "connectors/jetstream.hpp"
#include "connectors/json_cursor.hpp"
#include "connectors/zstd_frames.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <random>

namespace wijkwacht {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
namespace http = beast::http;
using asio::use_awaitable;
using namespace std::chrono_literals;

namespace {

// Resume this far before the last event read: Jetstream's v1 cursors are
// times, and events of one instant may straddle a disconnect.
constexpr std::int64_t k_resume_margin_us = 5'000'000;
constexpr std::size_t k_max_message = 4u << 20; // events are ~1 KB; Jetstream caps at 2 MB
constexpr std::size_t k_flush_posts = 1000;     // a burst commits before the interval ends
constexpr auto k_cursor_every = 5s;             // the cursor alone, when no post was taken
constexpr auto k_connect_timeout = 10s;

std::string component(const std::string& source) {
    return "source:" + source;
}

struct WsTarget {
    bool tls = false;
    std::string host, port, target, host_header;
};

std::optional<WsTarget> split_ws_url(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return std::nullopt;
    WsTarget t;
    const std::string scheme = ascii_lower(parsed->scheme());
    if (scheme != "ws" && scheme != "wss")
        return std::nullopt;
    t.tls = scheme == "wss";
    t.host = parsed->host_address();
    if (t.host.empty())
        return std::nullopt;
    t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
    t.target = std::string(parsed->encoded_path());
    if (t.target.empty())
        t.target = "/";
    if (parsed->has_query())
        t.target += "?" + std::string(parsed->encoded_query());
    t.host_header = std::string(parsed->encoded_host_and_port());
    return t;
}

// HttpClient::fetch as an awaitable.
asio::awaitable<Result<HttpResponse>> fetch(HttpClient& client, HttpRequest request) {
    auto initiate = [&client](auto handler, HttpRequest r) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        client.fetch(std::move(r),
                     [shared](Result<HttpResponse> result) { (*shared)(std::move(result)); });
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(Result<HttpResponse>)>(initiate, use_awaitable,
                                                                        std::move(request));
}

std::string describe(const boost::system::error_code& ec) {
    if (ec == beast::error::timeout)
        return "no data and no answer to a ping (the connection is dead)";
    if (ec == websocket::error::closed)
        return "the server closed the connection";
    return ec.message();
}

} // namespace

class LiveSession : public std::enable_shared_from_this<LiveSession> {
public:
    LiveSession(asio::io_context& io, ssl::context& tls, HttpClient& http, PostPath& path,
                Journal& journal, SourceMetrics& metrics, OpsEvent ops, LiveOptions options,
                SourceConfig config)
        : m_io(io), m_tls(tls), m_http(http), m_path(path), m_metrics(metrics),
          m_ops(std::move(ops)), m_options(std::move(options)), m_config(std::move(config)),
          m_name(component(m_config.name)), m_wait(io), m_flush(io),
          m_random(std::random_device{}()) {
        m_state = journal.source_state(m_config.name);
        const auto cursor = read_cursor(m_state.cursor);
        if (const auto it = cursor.find("time_us"); it != cursor.end())
            m_committed_us = m_received_us = std::strtoll(it->second.c_str(), nullptr, 10);
        if (!m_config.zstd_dictionary.empty()) {
            auto dictionary = std::make_shared<const ZstdDictionary>(m_config.zstd_dictionary);
            log::info(m_name, "zstd dictionary {} (id {})", m_config.zstd_dictionary.string(),
                      dictionary->id());
            m_decoder = std::make_unique<ZstdDecoder>(std::move(dictionary), k_max_message);
        }
    }

    void start() {
        auto self = shared_from_this();
        asio::co_spawn(m_io, run(self), asio::detached);
        asio::co_spawn(m_io, flusher(self), asio::detached);
    }

    void stop() {
        if (m_stopped)
            return;
        m_stopped = true;
        if (m_abort)
            m_abort();
        m_wait.cancel();
        m_flush.cancel();
        flush(true);
        m_metrics.up = false;
    }

    bool failing() const { return m_failures > 0; }
    bool connected() const { return m_connected; }

private:
    static asio::awaitable<void> run(std::shared_ptr<LiveSession> self) { co_await self->loop(); }
    static asio::awaitable<void> flusher(std::shared_ptr<LiveSession> self) {
        while (!self->m_stopped) {
            self->m_flush.expires_after(self->m_options.batch);
            boost::system::error_code ec;
            co_await self->m_flush.async_wait(asio::redirect_error(use_awaitable, ec));
            if (self->m_stopped)
                co_return;
            self->flush(false);
        }
    }

    asio::awaitable<void> loop() {
        std::size_t endpoint = 0;
        while (!m_stopped) {
            std::string why = co_await resolve_handles();
            bool opened = false;
            if (why.empty() && !m_stopped) {
                const std::string& url = m_config.endpoints[endpoint % m_config.endpoints.size()];
                why = co_await connect_and_read(url, opened);
            }
            if (m_stopped)
                co_return;
            m_connected = false;
            m_metrics.up = false;
            flush(true);
            if (!opened)
                ++endpoint; // the next instance, if there is one
            ++m_failures;
            ++m_metrics.disconnects;
            const auto delay = backoff(1s, m_failures, m_options.max_backoff, m_random);
            log::warning(m_name, "{}; reconnecting in {}", why, format_duration(delay));
            if (m_failures == 1)
                m_ops(m_config.name, "failing", why);
            m_wait.expires_after(delay);
            boost::system::error_code ec;
            co_await m_wait.async_wait(asio::redirect_error(use_awaitable, ec));
        }
    }

    // Handles in follow/replies_to to DIDs, asked of the AppView once and
    // kept in the cursor. Returns "" or what failed.
    asio::awaitable<std::string> resolve_handles() {
        auto cursor = read_cursor(m_state.cursor);
        JetstreamFilter filter;
        filter.langs = m_config.langs;
        for (const auto* list : {&m_config.follow, &m_config.replies_to}) {
            for (std::string account : *list) {
                if (account.starts_with('@'))
                    account.erase(0, 1);
                std::string did = account;
                if (!account.starts_with("did:")) {
                    account = ascii_lower(account);
                    const std::string key = "handle:" + account;
                    if (const auto known = cursor.find(key); known != cursor.end()) {
                        did = known->second;
                    } else {
                        auto answer = co_await resolve(account);
                        if (m_stopped)
                            co_return std::string();
                        if (!answer)
                            co_return answer.failure().message;
                        did = *answer;
                        cursor[key] = did;
                        log::info(m_name, "{} is {}", account, did);
                    }
                    filter.handles[did] = account;
                }
                (list == &m_config.follow ? filter.follow : filter.replies_to).insert(did);
            }
        }
        m_filter = std::move(filter);
        m_state.cursor = write_cursor(cursor);
        co_return std::string();
    }

    asio::awaitable<Result<std::string>> resolve(const std::string& handle) {
        std::string appview = m_config.appview;
        while (appview.ends_with('/'))
            appview.pop_back();
        HttpRequest request{fmt::format("{}/xrpc/com.atproto.identity.resolveHandle?handle={}",
                                        appview, url_encode(handle)),
                            {{"Accept", "application/json"}}};
        auto response = co_await fetch(m_http, std::move(request));
        if (!response) {
            Failure failure = response.failure();
            failure.message =
                fmt::format("resolving the handle {}: {}{}", handle, failure.message,
                            failure.status == 400 ? " (the AppView does not know it: check the "
                                                    "spelling, or give the account's DID)"
                                                  : "");
            co_return failure;
        }
        rapidjson::Document doc;
        std::string did;
        if (!parse_json(response->body, doc, 16) && doc.IsObject())
            did = json_text(doc, "did");
        if (!did.starts_with("did:"))
            co_return permanent_failure(fmt::format(
                "resolving the handle {}: no \"did\" in the answer of {}", handle, appview));
        co_return did;
    }

    asio::awaitable<std::string> connect_and_read(const std::string& endpoint, bool& opened) {
        const bool compress = m_decoder != nullptr;
        const std::int64_t resume_from = std::max(m_received_us, m_committed_us);
        const std::optional<std::int64_t> cursor =
            resume_from > 0
                ? std::optional(std::max<std::int64_t>(resume_from - k_resume_margin_us, 1))
                : std::nullopt;
        const std::string url = jetstream_url(endpoint, cursor, compress);
        const auto target = split_ws_url(url);
        if (!target)
            co_return fmt::format("{}: not a ws:// or wss:// URL", endpoint);
        try {
            asio::ip::tcp::resolver resolver(m_io);
            const auto addresses =
                co_await resolver.async_resolve(target->host, target->port, use_awaitable);
            if (m_stopped)
                co_return std::string();
            if (target->tls) {
                websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(m_io, m_tls);
                auto& tls = ws.next_layer();
                // SNI (CDNs need it); SSL_set_tlsext_host_name without its C cast.
                if (!SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                              TLSEXT_NAMETYPE_host_name,
                              static_cast<void*>(const_cast<char*>(target->host.c_str()))))
                    co_return fmt::format("{}: cannot set the TLS server name", endpoint);
                tls.set_verify_mode(ssl::verify_peer);
                tls.set_verify_callback(ssl::host_name_verification(target->host));
                beast::get_lowest_layer(ws).expires_after(k_connect_timeout);
                co_await beast::get_lowest_layer(ws).async_connect(addresses, use_awaitable);
                co_await tls.async_handshake(ssl::stream_base::client, use_awaitable);
                co_return co_await session(ws, *target, endpoint, cursor, opened);
            }
            websocket::stream<beast::tcp_stream> ws(m_io);
            beast::get_lowest_layer(ws).expires_after(k_connect_timeout);
            co_await beast::get_lowest_layer(ws).async_connect(addresses, use_awaitable);
            co_return co_await session(ws, *target, endpoint, cursor, opened);
        } catch (const boost::system::system_error& e) {
            co_return fmt::format("{}: {}", endpoint, describe(e.code()));
        } catch (const std::exception& e) {
            co_return fmt::format("{}: {}", endpoint, e.what());
        }
    }

    template <typename Ws>
    asio::awaitable<std::string> session(Ws& ws, const WsTarget& target,
                                         const std::string& endpoint,
                                         std::optional<std::int64_t> cursor, bool& opened) {
        if (m_stopped)
            co_return std::string();
        m_abort = [&ws] {
            beast::get_lowest_layer(ws).close();
        };
        struct Reset {
            std::function<void()>& abort;
            ~Reset() { abort = nullptr; }
        } reset{m_abort};
        beast::get_lowest_layer(ws).expires_never();
        // Beast pings after half the idle time without data and gives up
        // when the other half passes without an answer.
        websocket::stream_base::timeout timeout{k_connect_timeout, 2 * m_config.idle_timeout, true};
        ws.set_option(timeout);
        ws.read_message_max(k_max_message);
        ws.set_option(websocket::stream_base::decorator(
            [agent = m_options.user_agent](websocket::request_type& request) {
                request.set(http::field::user_agent, agent);
            }));
        websocket::response_type response;
        try {
            co_await ws.async_handshake(response, target.host_header, target.target, use_awaitable);
        } catch (const boost::system::system_error& e) {
            if (e.code() != websocket::error::upgrade_declined)
                throw;
            std::string body = response.body().substr(0, 200);
            co_return fmt::format("{}: HTTP {}{}{}", endpoint, response.result_int(),
                                  body.empty() ? "" : ": ", collapse_whitespace(body, false));
        }
        if (m_stopped)
            co_return std::string();
        ws.text(true);
        co_await ws.async_write(asio::buffer(jetstream_options(m_filter)), use_awaitable);
        opened = true;
        m_connected = true;
        if (m_received_us == 0) // a first start: from now on, nothing may be missed
            m_received_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        m_metrics.up = true;
        ++m_metrics.connects;
        log::notice(m_name, "connected to {}{}{}", endpoint,
                    cursor
                        ? fmt::format(", resuming at {}",
                                      format_rfc3339(SysTime(std::chrono::microseconds(*cursor))))
                        : std::string(", live"),
                    m_decoder ? ", zstd" : "");
        beast::flat_buffer buffer;
        while (true) {
            co_await ws.async_read(buffer, use_awaitable);
            if (m_stopped)
                co_return std::string();
            const auto data = buffer.cdata();
            on_message({static_cast<const char*>(data.data()), data.size()}, ws.got_binary());
            buffer.consume(buffer.size());
        }
    }

    void on_message(std::string_view data, bool binary) {
        ++m_metrics.events;
        m_metrics.last_success = unix_now();
        if (m_failures > 0) {
            log::notice(m_name, "receiving again after {} failed connection(s)", m_failures);
            m_ops(m_config.name, "recovered", "");
            m_failures = 0;
        }
        std::string decoded;
        if (binary) {
            if (!m_decoder)
                return bad_event("a binary message, but no zstd_dictionary is configured");
            auto text = m_decoder->decode(data);
            if (!text)
                return bad_event(text.failure().message);
            decoded = std::move(*text);
            data = decoded;
        }
        auto event = parse_jetstream_event(data, m_filter, m_config, now_rfc3339());
        if (!event)
            return bad_event(event.failure().message);
        m_received_us = std::max(m_received_us, event->time_us);
        if (event->deleted_post)
            ++m_metrics.deletes;
        if (event->post) {
            m_buffer.push_back(std::move(*event->post));
            if (m_buffer.size() >= k_flush_posts)
                flush(true);
        }
    }

    void bad_event(const std::string& why) {
        ++m_metrics.bad_events;
        ++m_bad_unlogged;
        const auto now = std::chrono::steady_clock::now();
        if (now - m_bad_logged < 1min)
            return;
        log::warning(m_name, "skipped {} event(s) that could not be read; the last: {}",
                     m_bad_unlogged, why);
        m_bad_logged = now;
        m_bad_unlogged = 0;
    }

    // Journals the buffered posts with the cursor they reach.
    void flush(bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (m_buffer.empty() &&
            (m_received_us == m_committed_us || (!force && now - m_last_commit < k_cursor_every)))
            return;
        SourceState next = m_state;
        auto cursor = read_cursor(next.cursor);
        cursor["time_us"] = std::to_string(m_received_us);
        next.cursor = write_cursor(cursor);
        try {
            const auto stats = m_path.take(m_config.name, next, m_buffer, m_metrics);
            if (stats.alerts > 0)
                log::info(m_name, "{} post(s), {} new, {} alert(s)", stats.posts, stats.new_posts,
                          stats.alerts);
            m_state = std::move(next);
            m_committed_us = m_received_us;
            m_buffer.clear();
            m_last_commit = now;
        } catch (const std::exception& e) {
            // Kept in memory and retried at the next interval.
            log::error(m_name, "journal commit failed ({} post(s) kept, retried): {}",
                       m_buffer.size(), e.what());
        }
    }

    asio::io_context& m_io;
    ssl::context& m_tls;
    HttpClient& m_http;
    PostPath& m_path;
    SourceMetrics& m_metrics;
    OpsEvent m_ops;
    LiveOptions m_options;
    SourceConfig m_config;
    std::string m_name;
    asio::steady_timer m_wait;
    asio::steady_timer m_flush;
    std::mt19937_64 m_random;
    std::unique_ptr<ZstdDecoder> m_decoder;
    SourceState m_state;
    JetstreamFilter m_filter;
    std::vector<Post> m_buffer;
    std::int64_t m_received_us = 0;  // the newest event read
    std::int64_t m_committed_us = 0; // the cursor in the journal
    std::chrono::steady_clock::time_point m_last_commit{};
    std::chrono::steady_clock::time_point m_bad_logged{};
    std::uint64_t m_bad_unlogged = 0;
    std::function<void()> m_abort; // closes the open connection
    int m_failures = 0;
    bool m_connected = false;
    bool m_stopped = false;
};

LiveRunner::LiveRunner(asio::io_context& io, HttpClient& http, PostPath& path, Journal& journal,
                       std::map<std::string, SourceMetrics>& metrics, OpsEvent ops,
                       LiveOptions options)
    : m_io(io), m_http(http), m_path(path), m_journal(journal), m_metrics(metrics),
      m_ops(std::move(ops)), m_options(std::move(options)) {
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    tls->set_default_verify_paths();
    tls->set_verify_mode(ssl::verify_peer);
    m_tls = tls;
}

LiveRunner::~LiveRunner() {
    retire();
}

void LiveRunner::start(const std::vector<SourceConfig>& sources) {
    for (const auto& config : sources) {
        if (!is_live(config))
            continue;
        auto session = std::make_shared<LiveSession>(
            m_io, *std::static_pointer_cast<ssl::context>(m_tls), m_http, m_path, m_journal,
            m_metrics[config.name], m_ops, m_options, config);
        m_sessions.push_back(session);
        session->start();
    }
}

void LiveRunner::retire() {
    for (auto& session : m_sessions)
        session->stop();
    m_sessions.clear();
}

std::size_t LiveRunner::failing() const {
    return static_cast<std::size_t>(std::count_if(m_sessions.begin(), m_sessions.end(),
                                                  [](const auto& s) { return s->failing(); }));
}

std::size_t LiveRunner::connected() const {
    return static_cast<std::size_t>(std::count_if(m_sessions.begin(), m_sessions.end(),
                                                  [](const auto& s) { return s->connected(); }));
}

} // namespace wijkwacht
