#pragma once

// The live alert stream (SPEC §5): a ZeroMQ PUB socket; each message is two
// frames, the stream name (topic) and the JSON. Sending never blocks: a slow
// subscriber loses messages at the high-water mark and recovers them by
// sequence number, never by holding back everyone else.

#include "core/curve.hpp"

#include <wijkwacht/config.hpp>

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace wijkwacht {

class Publisher {
public:
    // Binds publish.endpoint, as a CURVE server when `curve` is given.
    // Throws Error naming the endpoint.
    Publisher(zmq::context_t& context, const PublishConfig& config,
              const CurveCertificate* curve = nullptr);

    // False when the message could not be queued.
    bool send(std::string_view stream, std::string_view body);
    void heartbeat(std::string_view stream, std::string_view epoch, std::int64_t stream_seq);

    const std::string& endpoint() const { return m_endpoint; }

private:
    zmq::socket_t m_socket;
    std::string m_endpoint;
};

std::string heartbeat_json(std::string_view stream, std::string_view epoch, std::int64_t stream_seq,
                           std::string_view at);

} // namespace wijkwacht
