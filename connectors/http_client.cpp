#include "connectors/http_client.hpp"

#include "core/url.hpp"

#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <boost/asio/post.hpp>
#include <curl/curl.h>
#include <fmt/format.h>

#include <charconv>
#include <mutex>

namespace wijkwacht {

namespace asio = boost::asio;

struct HttpClient::Transfer {
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    HttpRequest request;
    Callback callback;
    int redirects = 0;
    std::size_t cap = 0;
    bool too_large = false;
    std::string status_line;
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {};

    ~Transfer() {
        if (easy)
            curl_easy_cleanup(easy);
        if (header_list)
            curl_slist_free_all(header_list);
    }
};

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<HttpClient::Transfer*>(user);
    const std::size_t n = size * count;
    // Counted on decoded bytes: CURLOPT_MAXFILESIZE stops neither chunked
    // nor compressed bodies (PITFALLS.md).
    if (t->response.body.size() + n > t->cap) {
        t->too_large = true;
        return 0;
    }
    t->response.body.append(data, n);
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<HttpClient::Transfer*>(user);
    const std::size_t n = size * count;
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
        // A new response (after 100-continue or a proxy): start over.
        t->status_line = std::string(line);
        t->response.headers.clear();
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || t->response.headers.size() >= 200)
        return n;
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    return n;
}

std::string reason_of(std::string_view status_line) {
    // "HTTP/1.1 503 Service Unavailable" -> "Service Unavailable"
    const auto first = status_line.find(' ');
    if (first == std::string_view::npos)
        return {};
    const auto second = status_line.find(' ', first + 1);
    return second == std::string_view::npos ? std::string()
                                            : std::string(status_line.substr(second + 1));
}

bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

} // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc{} && end == value.data() + value.size())
        return std::chrono::seconds(std::clamp<long long>(seconds, 0, 7 * 86400));
    if (const auto when = parse_http_date(value)) {
        const auto delta = std::chrono::duration_cast<std::chrono::seconds>(
            *when - std::chrono::system_clock::now());
        return std::clamp(delta, std::chrono::seconds(0), std::chrono::seconds(7 * 86400));
    }
    return std::nullopt;
}

HttpClient::HttpClient(asio::io_context& io, HttpOptions options)
    : m_io(io), m_options(std::move(options)), m_timer(io) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_multi = curl_multi_init();
    if (!m_multi)
        throw Error("curl_multi_init failed");
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, m_options.max_host_connections);
    curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, m_options.max_total_connections);
}

HttpClient::~HttpClient() {
    for (auto& [easy, transfer] : m_transfers)
        curl_multi_remove_handle(m_multi, easy);
    m_transfers.clear();
    for (auto& [fd, socket] : m_sockets)
        socket.descriptor->release(); // curl owns the fd
    m_sockets.clear();
    curl_multi_cleanup(m_multi);
}

void HttpClient::fetch(HttpRequest request, Callback callback) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = std::move(request);
    transfer->callback = std::move(callback);
    start(std::move(transfer));
}

void HttpClient::start(std::unique_ptr<Transfer> t) {
    const std::string& url = t->request.url;
    if (const auto why = url_policy_violation(url, m_options.allow_plain_http)) {
        complete(std::move(t->callback), permanent_failure(*why));
        return;
    }
    t->easy = curl_easy_init();
    if (!t->easy) {
        complete(std::move(t->callback), transient_failure("curl_easy_init failed"));
        return;
    }
    t->cap = m_options.max_body_bytes;
    t->response = HttpResponse{};
    t->response.url = url;
    t->status_line.clear();
    t->too_large = false;
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); // followed by hand, see finish()
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.total_timeout.count()));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, m_options.low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(m_options.low_speed_time.count()));
    curl_easy_setopt(e, CURLOPT_USERAGENT, m_options.user_agent.c_str());
    for (const auto& [name, value] : t->request.headers)
        t->header_list = curl_slist_append(t->header_list, (name + ": " + value).c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);

    m_transfers.emplace(e, std::move(t));
    if (const auto rc = curl_multi_add_handle(m_multi, e); rc != CURLM_OK) {
        auto owned = std::move(m_transfers[e]);
        m_transfers.erase(e);
        complete(
            std::move(owned->callback),
            transient_failure(fmt::format("cannot start transfer: {}", curl_multi_strerror(rc))));
    }
}

int HttpClient::on_socket(void*, int fd, int what, void* self_ptr, void*) {
    auto* self = static_cast<HttpClient*>(self_ptr);
    if (what == CURL_POLL_REMOVE) {
        const auto it = self->m_sockets.find(fd);
        if (it != self->m_sockets.end()) {
            it->second.descriptor->release(); // cancels waits; never closes curl's fd
            self->m_sockets.erase(it);
        }
        return 0;
    }
    auto it = self->m_sockets.find(fd);
    if (it == self->m_sockets.end()) {
        Socket socket;
        socket.descriptor = std::make_unique<asio::posix::stream_descriptor>(self->m_io, fd);
        socket.generation = self->m_next_generation++;
        it = self->m_sockets.emplace(fd, std::move(socket)).first;
    }
    it->second.want = what;
    self->arm(fd);
    return 0;
}

void HttpClient::arm(int fd) {
    const auto it = m_sockets.find(fd);
    if (it == m_sockets.end())
        return;
    Socket& s = it->second;
    const auto generation = s.generation;
    if ((s.want & CURL_POLL_IN) && !s.reading) {
        s.reading = true;
        s.descriptor->async_wait(asio::posix::stream_descriptor::wait_read,
                                 [this, fd, generation](const boost::system::error_code& ec) {
                                     on_ready(fd, generation, CURL_CSELECT_IN, ec);
                                 });
    }
    if ((s.want & CURL_POLL_OUT) && !s.writing) {
        s.writing = true;
        s.descriptor->async_wait(asio::posix::stream_descriptor::wait_write,
                                 [this, fd, generation](const boost::system::error_code& ec) {
                                     on_ready(fd, generation, CURL_CSELECT_OUT, ec);
                                 });
    }
}

void HttpClient::on_ready(int fd, std::uint64_t generation, int direction,
                          const boost::system::error_code& error) {
    auto it = m_sockets.find(fd);
    if (it == m_sockets.end() || it->second.generation != generation)
        return; // a socket curl has since removed (or a new one on the same fd)
    (direction == CURL_CSELECT_IN ? it->second.reading : it->second.writing) = false;
    if (error == asio::error::operation_aborted)
        return;
    if (error)
        direction |= CURL_CSELECT_ERR;
    int running = 0;
    curl_multi_socket_action(m_multi, fd, direction, &running);
    collect_finished();
    it = m_sockets.find(fd);
    if (it != m_sockets.end() && it->second.generation == generation)
        arm(fd);
}

int HttpClient::on_timer(void*, long timeout_ms, void* self_ptr) {
    auto* self = static_cast<HttpClient*>(self_ptr);
    if (timeout_ms < 0) {
        self->m_timer.cancel();
        return 0;
    }
    // Never call libcurl from inside this callback: the wait completes on the loop.
    self->m_timer.expires_after(std::chrono::milliseconds(timeout_ms));
    self->m_timer.async_wait([self](const boost::system::error_code& ec) { self->on_timeout(ec); });
    return 0;
}

void HttpClient::on_timeout(const boost::system::error_code& error) {
    if (error)
        return;
    int running = 0;
    curl_multi_socket_action(m_multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect_finished();
}

void HttpClient::collect_finished() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &queued)) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL* easy = msg->easy_handle;
        const int code = msg->data.result;
        const auto it = m_transfers.find(easy);
        if (it == m_transfers.end())
            continue;
        auto transfer = std::move(it->second);
        m_transfers.erase(it);
        curl_multi_remove_handle(m_multi, easy);
        finish(std::move(transfer), code);
    }
}

void HttpClient::finish(std::unique_ptr<Transfer> t, int curl_code) {
    const std::string where = log::redact_url(t->request.url);
    const auto code = static_cast<CURLcode>(curl_code);
    if (t->too_large) {
        complete(std::move(t->callback),
                 permanent_failure(
                     fmt::format("{}: response larger than {} bytes (decoded)", where, t->cap)));
        return;
    }
    if (code != CURLE_OK) {
        const std::string detail = t->error[0] ? t->error : curl_easy_strerror(code);
        const bool timeout = code == CURLE_OPERATION_TIMEDOUT;
        complete(std::move(t->callback),
                 transient_failure(
                     fmt::format("{}: {}{}", where, timeout ? "timed out: " : "", detail)));
        return;
    }
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    t->response.status = status;
    t->response.fetched_at = now_rfc3339();

    if (is_redirect(status)) {
        char* target = nullptr;
        curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &target);
        if (!target || !*target) {
            complete(std::move(t->callback),
                     permanent_failure(
                         fmt::format("{}: HTTP {} without a usable Location", where, status)));
            return;
        }
        const std::string next(target);
        if (t->redirects >= m_options.max_redirects) {
            complete(std::move(t->callback),
                     permanent_failure(fmt::format("{}: more than {} redirects", where,
                                                   m_options.max_redirects)));
            return;
        }
        if (const auto why = url_policy_violation(next, m_options.allow_plain_http)) {
            complete(std::move(t->callback),
                     permanent_failure(fmt::format("{}: redirect refused: {}", where, *why)));
            return;
        }
        log::debug("http", "{} redirects to {}", where, log::redact_url(next));
        auto again = std::make_unique<Transfer>();
        again->request = t->request;
        again->request.url = next;
        again->callback = std::move(t->callback);
        again->redirects = t->redirects + 1;
        start(std::move(again));
        return;
    }
    if ((status >= 200 && status < 300) || status == 304) {
        complete(std::move(t->callback), std::move(t->response));
        return;
    }
    const std::string reason = reason_of(t->status_line);
    Failure failure;
    failure.message =
        fmt::format("{}: HTTP {}{}{}", where, status, reason.empty() ? "" : " ", reason);
    failure.status = status;
    if (status == 429 || status == 503) {
        failure.kind = FailureKind::rate_limited;
        if (const auto value = t->response.header("Retry-After"))
            failure.retry_after = parse_retry_after(*value);
    } else if (status >= 500) {
        failure.kind = FailureKind::transient;
    } else {
        failure.kind = FailureKind::permanent;
    }
    complete(std::move(t->callback), std::move(failure));
}

void HttpClient::complete(Callback callback, Result<HttpResponse> result) {
    asio::post(m_io, [callback = std::move(callback), result = std::move(result)]() mutable {
        callback(std::move(result));
    });
}

void HttpClient::cancel_all() {
    auto transfers = std::move(m_transfers);
    m_transfers.clear();
    for (auto& [easy, transfer] : transfers) {
        curl_multi_remove_handle(m_multi, easy);
        complete(std::move(transfer->callback),
                 transient_failure(
                     fmt::format("{}: cancelled", log::redact_url(transfer->request.url))));
    }
    m_timer.cancel(); // nothing is left for curl to time
}

} // namespace wijkwacht
