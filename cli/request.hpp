#pragma once

// One request to one of the daemon's ROUTER endpoints (replay, workflow):
// a fresh REQ socket, the request frame, and the multipart reply, the
// refused handshake, or the timeout, whichever comes first, so a daemon
// that is not there (or does not know the key) is reported rather than
// waited for.

#include "cli/curve_client.hpp"

#include <wijkwacht/error.hpp>

#include <zmq.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht::cli {

struct Endpoint {
    std::string address; // tcp://… or ipc://…
    std::string setting; // what the daemon's config calls it, for messages
};

// The reply frames. A timeout is a transient failure, a refused key a
// permanent one.
Result<std::vector<std::string>> ask(zmq::context_t& context, const Endpoint& endpoint,
                                     const std::optional<ClientKeys>& keys,
                                     std::chrono::milliseconds timeout, std::string_view request);

} // namespace wijkwacht::cli
