#include "cli/curve_client.hpp"

#include <wijkwacht/config.hpp>

#include <fmt/format.h>
#include <zmq_addon.hpp>

#include <atomic>
#include <cstring>

namespace wijkwacht::cli {

void add_curve_options(CLI::App& command, CurveFiles& files) {
    command
        .add_option("--server-key", files.server_key,
                    "the daemon's public key file (server.key): connect with CURVE")
        ->envname("WIJKWACHT_SERVER_KEY");
    command
        .add_option("--key", files.own_key,
                    "your secret key file (NAME.key_secret from `wijkwacht keygen`), whose "
                    "NAME.key the operator put in authorized_keys")
        ->envname("WIJKWACHT_KEY");
}

std::optional<ClientKeys> load_client_keys(const CurveFiles& files) {
    if (files.server_key.empty() && files.own_key.empty())
        return std::nullopt;
    if (files.server_key.empty() || files.own_key.empty())
        throw ConfigError({"CURVE needs both --server-key (the daemon's server.key) and --key "
                           "(your NAME.key_secret)"});
    auto server = read_curve_certificate(files.server_key, false);
    if (!server)
        throw ConfigError({"--server-key: " + server.failure().message});
    auto own = read_curve_certificate(files.own_key, true);
    if (!own)
        throw ConfigError({"--key: " + own.failure().message});
    return ClientKeys{server->public_key, std::move(*own)};
}

void make_curve_client(zmq::socket_t& socket, const ClientKeys& keys) {
    socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
    socket.set(zmq::sockopt::curve_publickey, keys.own.public_key);
    socket.set(zmq::sockopt::curve_secretkey, keys.own.secret_key);
}

HandshakeWatch::HandshakeWatch(zmq::context_t& context, zmq::socket_t& watched,
                               std::string endpoint, bool with_keys)
    : m_monitor(context, zmq::socket_type::pair), m_endpoint(std::move(endpoint)),
      m_with_keys(with_keys) {
    // A fresh address each time: a closed socket's inproc endpoint is
    // released asynchronously.
    static std::atomic<unsigned> counter{0};
    const std::string address = fmt::format("inproc://handshake-{}", ++counter);
    if (zmq_socket_monitor(watched.handle(), address.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        throw zmq::error_t();
    m_monitor.set(zmq::sockopt::linger, 0);
    m_monitor.connect(address);
}

std::optional<std::string> HandshakeWatch::failure() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(m_monitor, std::back_inserter(frames), zmq::recv_flags::dontwait) ||
        frames.empty() || frames[0].size() < 6)
        return std::nullopt;
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::memcpy(&event, frames[0].data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(frames[0].data()) + 2, sizeof value);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return fmt::format("{} refused your key (status {}): send your NAME.key to the "
                           "daemon's operator for publish.authorized_keys",
                           m_endpoint, value);
    if (m_with_keys)
        return fmt::format("the CURVE handshake with {} failed: is --server-key the daemon's "
                           "server.key, and does the daemon use CURVE?",
                           m_endpoint);
    return fmt::format("the handshake with {} failed: the daemon probably requires CURVE; "
                       "connect with --server-key and --key",
                       m_endpoint);
}

} // namespace wijkwacht::cli
