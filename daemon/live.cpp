#include "daemon/live.hpp"

#include "connectors/jetstream.hpp"
#include "connectors/json_cursor.hpp"
#include "connectors/mastodon.hpp"
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
#include <boost/beast/http.hpp>
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

struct UrlTarget {
    bool tls = false;
    std::string host, port, target, host_header;
};

// ws://, wss://, http:// and https:// URLs as what a connection needs.
std::optional<UrlTarget> split_url_target(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return std::nullopt;
    UrlTarget t;
    const std::string scheme = ascii_lower(parsed->scheme());
    if (scheme != "ws" && scheme != "wss" && scheme != "http" && scheme != "https")
        return std::nullopt;
    t.tls = scheme == "wss" || scheme == "https";
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
    if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
        ec == asio::error::eof)
        return "the server broke the connection off";
    return ec.message();
}

} // namespace

// What every live source shares: the reconnect loop with backoff, the
// batch of posts journaled with the cursor they reach, health and metrics.
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
    }
    virtual ~LiveSession() = default;
    LiveSession(const LiveSession&) = delete;
    LiveSession& operator=(const LiveSession&) = delete;

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

protected:
    // One connection: open it and read until it fails. Returns why it
    // ended ("" when stopped); `opened` tells whether it got that far.
    virtual asio::awaitable<std::string> connect_once(std::size_t attempt, bool& opened) = 0;
    // The cursor to journal with the posts buffered so far.
    virtual std::string pending_cursor() const = 0;

    void opened(const std::string& what) {
        m_connected = true;
        m_metrics.up = true;
        ++m_metrics.connects;
        log::notice(m_name, "connected to {}", what);
    }

    // Something arrived: the connection is alive and the source healthy.
    void received() {
        ++m_metrics.events;
        m_metrics.last_success = unix_now();
        if (m_failures > 0) {
            log::notice(m_name, "receiving again after {} failed connection(s)", m_failures);
            m_ops(m_config.name, "recovered", "");
            m_failures = 0;
        }
    }

    void take(Post post) {
        m_buffer.push_back(std::move(post));
        if (m_buffer.size() >= k_flush_posts)
            flush(true);
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

    // Journals the buffered posts with the cursor they reach; with `force`
    // the cursor alone too, else at most every few seconds.
    void flush(bool force) {
        const auto now = std::chrono::steady_clock::now();
        SourceState next = m_state;
        next.cursor = pending_cursor();
        if (m_buffer.empty() &&
            (next.cursor == m_state.cursor || (!force && now - m_last_commit < k_cursor_every)))
            return;
        try {
            const auto stats = m_path.take(m_config.name, next, m_buffer, m_metrics, false);
            if (stats.alerts > 0)
                log::info(m_name, "{} post(s), {} new, {} alert(s)", stats.posts, stats.new_posts,
                          stats.alerts);
            m_state = std::move(next);
            m_buffer.clear();
            m_last_commit = now;
        } catch (const std::exception& e) {
            // Kept in memory and retried at the next interval.
            log::error(m_name, "journal commit failed ({} post(s) kept, retried): {}",
                       m_buffer.size(), e.what());
        }
    }

    // TCP (and TLS, verified, with SNI) to `target`, within the connect
    // timeout; the stream's own timeouts are the caller's after that.
    template <typename Stream>
    asio::awaitable<void> connect(Stream& stream, const UrlTarget& target) {
        asio::ip::tcp::resolver resolver(m_io);
        const auto addresses =
            co_await resolver.async_resolve(target.host, target.port, use_awaitable);
        auto& tcp = beast::get_lowest_layer(stream);
        tcp.expires_after(k_connect_timeout);
        co_await tcp.async_connect(addresses, use_awaitable);
        if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(tcp)>,
                                      std::remove_cvref_t<Stream>>) {
            auto& tls = stream;
            // SNI (CDNs need it); SSL_set_tlsext_host_name without its C cast.
            if (!SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                          TLSEXT_NAMETYPE_host_name,
                          static_cast<void*>(const_cast<char*>(target.host.c_str()))))
                throw std::runtime_error("cannot set the TLS server name");
            tls.set_verify_mode(ssl::verify_peer);
            tls.set_verify_callback(ssl::host_name_verification(target.host));
            co_await tls.async_handshake(ssl::stream_base::client, use_awaitable);
        }
        tcp.expires_never();
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
    SourceState m_state;           // as journaled
    std::function<void()> m_abort; // closes the open connection
    bool m_stopped = false;

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
        std::size_t attempt = 0;
        while (!m_stopped) {
            bool was_opened = false;
            std::string why;
            try {
                why = co_await connect_once(attempt, was_opened);
            } catch (const boost::system::system_error& e) {
                why = describe(e.code());
            } catch (const std::exception& e) {
                why = e.what();
            }
            if (m_stopped)
                co_return;
            m_abort = nullptr;
            m_connected = false;
            m_metrics.up = false;
            flush(true);
            if (!was_opened)
                ++attempt; // the next endpoint, if there is one
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

    asio::steady_timer m_wait;
    asio::steady_timer m_flush;
    std::mt19937_64 m_random;
    std::vector<Post> m_buffer;
    std::chrono::steady_clock::time_point m_last_commit{};
    std::chrono::steady_clock::time_point m_bad_logged{};
    std::uint64_t m_bad_unlogged = 0;
    int m_failures = 0;
    bool m_connected = false;
};

// type = "jetstream": one websocket, resumed from the time of the last event.
class JetstreamSession final : public LiveSession {
public:
    template <typename... Args>
    explicit JetstreamSession(Args&&... args) : LiveSession(std::forward<Args>(args)...) {
        auto cursor = read_cursor(m_state.cursor);
        if (const auto it = cursor.find("time_us"); it != cursor.end())
            m_received_us = std::strtoll(it->second.c_str(), nullptr, 10);
        cursor.erase("time_us");
        m_handles = write_cursor(cursor);
        if (!m_config.zstd_dictionary.empty()) {
            auto dictionary = std::make_shared<const ZstdDictionary>(m_config.zstd_dictionary);
            log::info(m_name, "zstd dictionary {} (id {})", m_config.zstd_dictionary.string(),
                      dictionary->id());
            m_decoder = std::make_unique<ZstdDecoder>(std::move(dictionary), k_max_message);
        }
    }

private:
    std::string pending_cursor() const override {
        auto cursor = read_cursor(m_handles);
        if (m_received_us > 0)
            cursor["time_us"] = std::to_string(m_received_us);
        return write_cursor(cursor);
    }

    asio::awaitable<std::string> connect_once(std::size_t attempt, bool& was_opened) override {
        std::string why = co_await resolve_handles();
        if (!why.empty() || m_stopped)
            co_return why;
        const std::string& endpoint = m_config.endpoints[attempt % m_config.endpoints.size()];
        const std::optional<std::int64_t> cursor =
            m_received_us > 0
                ? std::optional(std::max<std::int64_t>(m_received_us - k_resume_margin_us, 1))
                : std::nullopt;
        const std::string url = jetstream_url(endpoint, cursor, m_decoder != nullptr);
        const auto target = split_url_target(url);
        if (!target)
            co_return fmt::format("{}: not a ws:// or wss:// URL", endpoint);
        try {
            if (target->tls) {
                websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(m_io, m_tls);
                m_abort = [&ws] {
                    beast::get_lowest_layer(ws).close();
                };
                co_await connect(ws.next_layer(), *target);
                co_return co_await session(ws, *target, endpoint, cursor, was_opened);
            }
            websocket::stream<beast::tcp_stream> ws(m_io);
            m_abort = [&ws] {
                beast::get_lowest_layer(ws).close();
            };
            co_await connect(ws.next_layer(), *target);
            co_return co_await session(ws, *target, endpoint, cursor, was_opened);
        } catch (const boost::system::system_error& e) {
            co_return fmt::format("{}: {}", endpoint, describe(e.code()));
        } catch (const std::exception& e) {
            co_return fmt::format("{}: {}", endpoint, e.what());
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
        cursor.erase("time_us");
        m_handles = write_cursor(cursor);
        co_return std::string();
    }

    asio::awaitable<Result<std::string>> resolve(const std::string& handle) {
        std::string appview = m_config.appview;
        while (appview.ends_with('/'))
            appview.pop_back();
        HttpRequest request;
        request.url = fmt::format("{}/xrpc/com.atproto.identity.resolveHandle?handle={}", appview,
                                  url_encode(handle));
        request.headers.emplace_back("Accept", "application/json");
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

    template <typename Ws>
    asio::awaitable<std::string> session(Ws& ws, const UrlTarget& target,
                                         const std::string& endpoint,
                                         std::optional<std::int64_t> cursor, bool& was_opened) {
        if (m_stopped)
            co_return std::string();
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
        was_opened = true;
        if (m_received_us == 0) // a first start: from now on, nothing may be missed
            m_received_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        opened(fmt::format(
            "{}{}{}", endpoint,
            cursor ? fmt::format(", resuming at {}",
                                 format_rfc3339(SysTime(std::chrono::microseconds(*cursor))))
                   : std::string(", live"),
            m_decoder ? ", zstd" : ""));
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
        received();
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
        m_metrics.newest_event_us = std::max(m_metrics.newest_event_us, event->time_us);
        if (event->deleted_post)
            ++m_metrics.deletes;
        if (event->post)
            take(std::move(*event->post));
    }

    std::unique_ptr<ZstdDecoder> m_decoder;
    JetstreamFilter m_filter;
    std::string m_handles;          // resolved handles, as cursor fields
    std::int64_t m_received_us = 0; // the newest event read: where to resume
};

// type = "mastodon", live = true: the streaming API's server-sent events,
// with the REST timeline read first after every (re)connect from the
// newest status seen, so a gap in the stream loses nothing.
class MastodonStreamSession final : public LiveSession {
public:
    template <typename... Args>
    explicit MastodonStreamSession(Args&&... args)
        : LiveSession(std::forward<Args>(args)...), m_connector(m_config),
          m_cursor(m_state.cursor) {}

private:
    std::string pending_cursor() const override { return m_cursor; }

    asio::awaitable<std::string> connect_once(std::size_t, bool& was_opened) override {
        if (m_streaming.empty()) {
            m_streaming = co_await streaming_base();
            if (m_stopped)
                co_return std::string();
        }
        if (std::string why = co_await catch_up(); !why.empty() || m_stopped)
            co_return why;
        const std::string url = m_streaming + stream_path();
        const auto target = split_url_target(url);
        if (!target)
            co_return fmt::format("{}: not an http(s) URL", url);
        try {
            if (target->tls) {
                beast::ssl_stream<beast::tcp_stream> stream(m_io, m_tls);
                m_abort = [&stream] {
                    beast::get_lowest_layer(stream).close();
                };
                co_await connect(stream, *target);
                co_return co_await read_events(stream, *target, url, was_opened);
            }
            beast::tcp_stream stream(m_io);
            m_abort = [&stream] {
                stream.close();
            };
            co_await connect(stream, *target);
            co_return co_await read_events(stream, *target, url, was_opened);
        } catch (const boost::system::system_error& e) {
            co_return fmt::format("{}: {}", log::redact_url(url), describe(e.code()));
        } catch (const std::exception& e) {
            co_return fmt::format("{}: {}", log::redact_url(url), e.what());
        }
    }

    std::string stream_path() const {
        if (!m_config.hashtag.empty())
            return "/api/v1/streaming/hashtag?tag=" + url_encode(m_config.hashtag);
        return m_config.timeline == "local" ? "/api/v1/streaming/public/local"
                                            : "/api/v1/streaming/public";
    }

    std::string instance() const {
        std::string base = m_config.instance;
        while (base.ends_with('/'))
            base.pop_back();
        return base;
    }

    // Where the instance streams (/api/v2/instance → configuration.urls.
    // streaming, wss:// read as https://); the instance itself if it does not say.
    asio::awaitable<std::string> streaming_base() {
        HttpRequest request;
        request.url = instance() + "/api/v2/instance";
        request.headers.emplace_back("Accept", "application/json");
        auto response = co_await fetch(m_http, std::move(request));
        std::string base;
        rapidjson::Document doc;
        if (response && !parse_json(response->body, doc, 64) && doc.IsObject())
            if (const auto* configuration = json_object(doc, "configuration"))
                if (const auto* urls = json_object(*configuration, "urls"))
                    base = json_text(*urls, "streaming");
        if (base.starts_with("wss://"))
            base = "https://" + base.substr(6);
        else if (base.starts_with("ws://"))
            base = "http://" + base.substr(5);
        if (base.empty() || url_policy_violation(base, m_options.allow_plain_http))
            base = instance();
        while (base.ends_with('/'))
            base.pop_back();
        log::info(m_name, "streaming from {}", base);
        co_return base;
    }

    // The REST timeline from the newest status seen, page after page,
    // each page journaled with its cursor. Returns "" or what failed.
    asio::awaitable<std::string> catch_up() {
        flush(true);
        for (int page = 0; page < k_catch_up_pages && !m_stopped; ++page) {
            HttpRequest request = m_connector.next_request(m_cursor);
            const std::string url = request.url;
            auto response = co_await fetch(m_http, std::move(request));
            if (m_stopped)
                co_return std::string();
            if (!response)
                co_return fmt::format("catching up: {}", response.failure().message);
            auto parsed = m_connector.parse(*response, m_cursor);
            if (!parsed)
                co_return fmt::format("catching up: {}: {}", log::redact_url(url),
                                      parsed.failure().message);
            for (auto& post : parsed->posts)
                take(std::move(post));
            m_cursor = parsed->cursor;
            flush(true);
            if (!parsed->more)
                break;
        }
        co_return std::string();
    }

    template <typename Stream>
    asio::awaitable<std::string> read_events(Stream& stream, const UrlTarget& target,
                                             const std::string& url, bool& was_opened) {
        http::request<http::empty_body> request{http::verb::get, target.target, 11};
        request.set(http::field::host, target.host_header);
        request.set(http::field::user_agent, m_options.user_agent);
        request.set(http::field::accept, "text/event-stream");
        request.set(http::field::authorization, "Bearer " + m_connector.token());
        auto& tcp = beast::get_lowest_layer(stream);
        // Mastodon sends ":thump" every 15 s: silence this long is a dead stream.
        const auto silence = 2 * m_config.idle_timeout;
        tcp.expires_after(k_connect_timeout);
        co_await http::async_write(stream, request, use_awaitable);
        beast::flat_buffer buffer;
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        co_await http::async_read_header(stream, buffer, parser, use_awaitable);
        const auto status = parser.get().result_int();
        if (status != 200) {
            co_return fmt::format("{}: HTTP {}{}", log::redact_url(url), status,
                                  status == 401 || status == 403
                                      ? " (the instance refuses the token: a user's token is "
                                        "needed, app tokens are not accepted)"
                                      : "");
        }
        was_opened = true;
        opened(log::redact_url(url));
        std::string pending;
        std::vector<char> chunk(16 * 1024); // (GCC 12 coroutines reject local arrays)
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            tcp.expires_after(silence);
            boost::system::error_code ec;
            co_await http::async_read_some(stream, buffer, parser,
                                           asio::redirect_error(use_awaitable, ec));
            if (m_stopped)
                co_return std::string();
            if (ec && ec != http::error::need_buffer)
                co_return fmt::format("{}: {}", log::redact_url(url),
                                      ec == beast::error::timeout
                                          ? "no event and no heartbeat (the stream is dead)"
                                          : describe(ec));
            pending.append(chunk.data(), chunk.size() - parser.get().body().size);
            if (pending.size() > k_max_message)
                co_return fmt::format("{}: an event larger than {} bytes", log::redact_url(url),
                                      k_max_message);
            on_bytes(pending);
        }
        co_return fmt::format("{}: the server ended the stream", log::redact_url(url));
    }

    // Server-sent events: blocks split by a blank line; "event:" and
    // "data:" lines; lines starting with ":" are heartbeats.
    void on_bytes(std::string& pending) {
        std::size_t end;
        while ((end = pending.find("\n\n")) != std::string::npos) {
            std::string block = pending.substr(0, end);
            pending.erase(0, end + 2);
            std::erase(block, '\r');
            std::string event, data;
            std::size_t pos = 0;
            while (pos <= block.size()) {
                const auto eol = std::min(block.find('\n', pos), block.size());
                const std::string_view line(block.data() + pos, eol - pos);
                pos = eol + 1;
                if (line.starts_with("event:"))
                    event = collapse_whitespace(line.substr(6), false);
                else if (line.starts_with("data:"))
                    data += (data.empty() ? "" : "\n") +
                            std::string(line.substr(line.starts_with("data: ") ? 6 : 5));
            }
            received();
            if (event == "update" || event == "status.update")
                on_status(data);
            else if (event == "delete")
                ++m_metrics.deletes;
        }
    }

    void on_status(const std::string& json) {
        HttpResponse response;
        response.status = 200;
        response.fetched_at = now_rfc3339();
        response.body = "[" + json + "]";
        auto parsed = m_connector.parse(response, m_cursor);
        if (!parsed || parsed->posts.empty())
            return bad_event(parsed ? "an update without a status" : parsed.failure().message);
        m_cursor = parsed->cursor;
        for (auto& post : parsed->posts) {
            if (const auto at = parse_rfc3339(post.created_at))
                m_metrics.newest_event_us = std::max<std::int64_t>(
                    m_metrics.newest_event_us,
                    std::chrono::duration_cast<std::chrono::microseconds>(at->time_since_epoch())
                        .count());
            take(std::move(post));
        }
    }

    static constexpr int k_catch_up_pages = 25; // 1,000 statuses
    MastodonConnector m_connector;
    std::string m_cursor;    // the connector's: min_id of the newest status seen
    std::string m_streaming; // the streaming API's base URL
};

LiveRunner::LiveRunner(asio::io_context& io, HttpClient& http, PostPath& path, Journal& journal,
                       std::map<std::string, SourceMetrics>& metrics, OpsEvent ops,
                       LiveOptions options)
    : m_io(io), m_http(http), m_path(path), m_journal(journal), m_metrics(metrics),
      m_ops(std::move(ops)), m_options(std::move(options)) {
    m_tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    m_tls->set_default_verify_paths();
    m_tls->set_verify_mode(ssl::verify_peer);
}

LiveRunner::~LiveRunner() {
    retire();
}

void LiveRunner::start(const std::vector<SourceConfig>& sources) {
    for (const auto& config : sources) {
        if (!is_live(config))
            continue;
        auto& tls = *m_tls;
        std::shared_ptr<LiveSession> session;
        if (config.type == "jetstream")
            session = std::make_shared<JetstreamSession>(m_io, tls, m_http, m_path, m_journal,
                                                         m_metrics[config.name], m_ops, m_options,
                                                         config);
        else
            session = std::make_shared<MastodonStreamSession>(m_io, tls, m_http, m_path, m_journal,
                                                              m_metrics[config.name], m_ops,
                                                              m_options, config);
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
