#pragma once

// The client half of CURVE for tail and replay: the daemon's public key
// (its server.key) and the staff member's own key pair (NAME.key_secret).

#include "core/curve.hpp"

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include <optional>
#include <string>

namespace wijkwacht::cli {

struct CurveFiles {
    std::string server_key; // the daemon's public certificate
    std::string own_key;    // this client's secret certificate
};

struct ClientKeys {
    std::string server_public;
    CurveCertificate own;
};

// Registers --server-key and --key (also $WIJKWACHT_SERVER_KEY, $WIJKWACHT_KEY).
void add_curve_options(CLI::App& command, CurveFiles& files);

// The keys, or nullopt when no --server-key is given. Throws ConfigError.
std::optional<ClientKeys> load_client_keys(const CurveFiles& files);

// Makes `socket` a CURVE client of the daemon; call before connect.
void make_curve_client(zmq::socket_t& socket, const ClientKeys& keys);

// Watches the handshakes of a socket (start it before connect), so a
// refused key is reported instead of waited on in silence.
class HandshakeWatch {
public:
    HandshakeWatch(zmq::context_t& context, zmq::socket_t& watched, std::string endpoint,
                   bool with_keys);
    // For zmq::poll beside the watched socket.
    zmq::socket_t& socket() { return m_monitor; }
    // After the monitor socket polled readable: why a handshake failed, or
    // nothing for other events.
    std::optional<std::string> failure();

private:
    zmq::socket_t m_monitor;
    std::string m_endpoint;
    bool m_with_keys;
};

} // namespace wijkwacht::cli
