#include "daemon/zap.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>

#include <fmt/format.h>
#include <zmq_addon.hpp>

#include <array>

namespace wijkwacht {

namespace {
constexpr auto k_refusal_log_interval = std::chrono::minutes(1);
constexpr std::size_t k_refusal_log_keys = 1024;
} // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::map<std::string, std::string> keys,
                       AuditCounters& counters)
    : m_socket(context, zmq::socket_type::rep), m_counters(counters), m_keys(std::move(keys)) {
    m_socket.set(zmq::sockopt::linger, 0);
    try {
        m_socket.bind("inproc://zeromq.zap.01");
    } catch (const zmq::error_t& e) {
        throw Error(fmt::format("cannot bind the CURVE authentication handler "
                                "(inproc://zeromq.zap.01): {}; refusing to start, since CURVE "
                                "would then admit anyone",
                                e.what()));
    }
    m_thread = std::make_unique<SocketThread>(context, m_socket, "curve", [this] { answer(); });
}

ZapHandler::~ZapHandler() = default;

void ZapHandler::set_keys(std::map<std::string, std::string> keys) {
    const std::lock_guard lock(m_mutex);
    m_keys = std::move(keys);
}

void ZapHandler::answer() {
    // RFC 27 request: version, request id, domain, address, routing id,
    // mechanism, credentials (for CURVE: the client's 32-byte public key).
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(m_socket, std::back_inserter(request)))
        return;
    const auto reply = [&](std::string_view status, std::string_view text, std::string_view user) {
        std::array<zmq::const_buffer, 6> frames{
            zmq::str_buffer("1.0"),
            zmq::buffer(request.size() > 1 ? request[1].data() : nullptr,
                        request.size() > 1 ? request[1].size() : 0),
            zmq::buffer(status),
            zmq::buffer(text),
            zmq::buffer(user),
            zmq::const_buffer()};
        zmq::send_multipart(m_socket, frames);
    };
    if (request.size() < 6 || request[0].to_string_view() != "1.0") {
        reply("400", "malformed ZAP request", "");
        return;
    }
    const std::string address = request[3].to_string();
    if (request[5].to_string_view() != "CURVE" || request.size() != 7 || request[6].size() != 32) {
        log::warning("curve", "refused a {} connection from {}: only CURVE is accepted",
                     request[5].to_string(), address);
        ++m_refused;
        reply("400", "CURVE required", "");
        return;
    }
    char text[41];
    if (zmq_z85_encode(text, static_cast<const std::uint8_t*>(request[6].data()), 32) == nullptr) {
        reply("400", "unreadable key", "");
        return;
    }
    const std::string key(text, 40);
    std::string name;
    {
        const std::lock_guard lock(m_mutex);
        if (const auto it = m_keys.find(key); it != m_keys.end())
            name = it->second;
    }
    if (!name.empty()) {
        ++m_admitted;
        m_counters.count(name, "handshake");
        audit("handshake", {{"key", name}, {"public_key", key}, {"address", address}});
        reply("200", "OK", name);
        return;
    }
    ++m_refused;
    // Every refusal is logged; a key hammering away is logged once a minute
    // with the number of refusals in between.
    const auto now = std::chrono::steady_clock::now();
    auto& seen = m_refusals[key];
    if (seen.logged == std::chrono::steady_clock::time_point{} ||
        now - seen.logged >= k_refusal_log_interval) {
        log::warning("curve",
                     "refused key {} from {}: not in publish.authorized_keys (add its .key "
                     "file there and reload){}",
                     key, address,
                     seen.since_logged == 0
                         ? std::string()
                         : fmt::format("; {} more refusal(s) of it since the last report",
                                       seen.since_logged));
        audit("refused", {{"public_key", key},
                          {"address", address},
                          {"since_last", std::to_string(seen.since_logged)}});
        seen = {now, 0};
    } else {
        ++seen.since_logged;
    }
    if (m_refusals.size() > k_refusal_log_keys)
        m_refusals.clear();
    reply("400", "key not authorized", "");
}

std::optional<CurveCertificate> load_server_key(const PublishConfig& publish) {
    if (!publish.curve())
        return std::nullopt;
    auto cert = read_curve_certificate(*publish.server_secret_key, true);
    if (!cert)
        throw ConfigError({"publish.server_secret_key: " + cert.failure().message});
    return std::move(*cert);
}

std::map<std::string, std::string> load_authorized_keys(const PublishConfig& publish) {
    if (!publish.authorized_keys)
        return {};
    auto keys = read_authorized_keys(*publish.authorized_keys);
    if (!keys)
        throw ConfigError({"publish.authorized_keys: " + keys.failure().message});
    return std::move(*keys);
}

void make_curve_server(zmq::socket_t& socket, const CurveCertificate& server) {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, server.secret_key);
    socket.set(zmq::sockopt::zap_domain, "wijkwacht");
}

std::string bind_server(zmq::socket_t& socket, const std::string& endpoint,
                        std::string_view setting, const CurveCertificate* curve) {
    if (curve)
        make_curve_server(socket, *curve);
    try {
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw Error(fmt::format("{} {}: cannot bind: {} (is another wijkwachtd running?)", setting,
                                endpoint, e.what()));
    }
    return socket.get(zmq::sockopt::last_endpoint);
}

} // namespace wijkwacht
