#include "cli/curve_client.hpp"

#include <wijkwacht/config.hpp>

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

} // namespace wijkwacht::cli
