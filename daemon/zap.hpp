#pragma once

// CURVE authentication. libzmq's CURVE alone admits anyone who knows the
// server's public key; it authenticates clients only when a ZAP handler
// (RFC 27) answers on inproc://zeromq.zap.01 in the same context. This one
// admits the public keys found in publish.authorized_keys and logs every
// refusal with the key. It runs on its own thread, so handshakes never wait
// for the event loop. The daemon's server sockets are bound here too, as
// CURVE servers when CURVE is on.

#include "core/curve.hpp"
#include "daemon/audit.hpp"
#include "daemon/socket_thread.hpp"

#include <wijkwacht/config.hpp>

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace wijkwacht {

class ZapHandler {
public:
    // Binds the ZAP endpoint; throws Error if it cannot (the daemon must not
    // then bind CURVE sockets that would admit anyone).
    // Handshakes are audited and counted per key in `counters`.
    ZapHandler(zmq::context_t& context, std::map<std::string, std::string> keys,
               AuditCounters& counters);
    ~ZapHandler();
    ZapHandler(const ZapHandler&) = delete;
    ZapHandler& operator=(const ZapHandler&) = delete;

    // A new allowlist (public key -> name); applies to new handshakes.
    void set_keys(std::map<std::string, std::string> keys);

    std::uint64_t admitted() const { return m_admitted; }
    std::uint64_t refused() const { return m_refused; }

private:
    void answer();

    zmq::socket_t m_socket;
    AuditCounters& m_counters;
    std::mutex m_mutex;
    std::map<std::string, std::string> m_keys;
    struct Refusals {
        std::chrono::steady_clock::time_point logged;
        std::size_t since_logged = 0;
    };
    std::map<std::string, Refusals> m_refusals; // by key, for the log

    std::atomic<std::uint64_t> m_admitted{0}, m_refused{0};
    std::unique_ptr<SocketThread> m_thread; // last: stops first
};

// publish.server_secret_key read, when CURVE is on. Throws ConfigError.
std::optional<CurveCertificate> load_server_key(const PublishConfig& publish);
// The keys in publish.authorized_keys (public key -> name). Throws ConfigError.
std::map<std::string, std::string> load_authorized_keys(const PublishConfig& publish);

// Makes `socket` a CURVE server with `server`'s keys; call before bind.
void make_curve_server(zmq::socket_t& socket, const CurveCertificate& server);

// Binds a server socket of the daemon (a CURVE server when `curve` is
// given) and returns where it is bound (the real port when asked for port
// 0). Throws Error naming the `setting` and the endpoint.
std::string bind_server(zmq::socket_t& socket, const std::string& endpoint,
                        std::string_view setting, const CurveCertificate* curve);

} // namespace wijkwacht
