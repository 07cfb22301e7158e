#pragma once

// The client side of the replay endpoint (SPEC §5): one request, one
// multipart reply (cli/request.hpp).

#include "cli/curve_client.hpp"

#include <wijkwacht/error.hpp>

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wijkwacht::cli {

struct ReplayPage {
    std::vector<std::string> alerts; // Alert and alert_update JSON, in stream_seq order
    std::int64_t head = 0;           // the stream's newest stream_seq
    std::string epoch;
    bool truncated = false;
};

class ReplayClient {
public:
    ReplayClient(zmq::context_t& context, std::string endpoint, std::chrono::milliseconds timeout,
                 std::optional<ClientKeys> keys = std::nullopt);

    // Messages of `stream` after `after`, at most `limit` (the daemon caps
    // it); with `states`, each alert carries where it stands now.
    Result<ReplayPage> fetch(const std::string& stream, std::int64_t after, std::size_t limit,
                             bool states = false);

    const std::string& endpoint() const { return m_endpoint; }

private:
    zmq::context_t& m_context;
    std::string m_endpoint;
    std::chrono::milliseconds m_timeout;
    std::optional<ClientKeys> m_keys;
};

// The stream_seq of an Alert JSON, or 0.
std::int64_t stream_seq_of(const std::string& alert_json);

} // namespace wijkwacht::cli
