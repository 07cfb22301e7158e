#pragma once

// One request to a ROUTER endpoint of the daemon (replay, workflow): the
// peer's envelope, the request frame, who sent it, and the way back.

#include <zmq.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

class RouterRequest {
public:
    // The next request waiting on `socket`, or nullopt.
    static std::optional<RouterRequest> receive(zmq::socket_t& socket);

    // Whether exactly one frame follows the envelope; text() is that frame.
    bool one_frame() const { return m_frames.size() == m_body + 1; }
    std::string_view text() const { return m_frames.at(m_body).to_string_view(); }
    // The name the CURVE authentication handler gave the sender's key
    // (never one the client chose); empty without one.
    std::string key_name();

    // Sends `frames` back to the peer, along its envelope.
    void reply(zmq::socket_t& socket, const std::vector<std::string>& frames);

private:
    std::vector<zmq::message_t> m_frames;
    std::size_t m_body = 1; // the first frame after the envelope
};

} // namespace wijkwacht
