#include "daemon/router_request.hpp"

#include <zmq_addon.hpp>

namespace wijkwacht {

std::optional<RouterRequest> RouterRequest::receive(zmq::socket_t& socket) {
    RouterRequest r;
    if (!zmq::recv_multipart(socket, std::back_inserter(r.m_frames), zmq::recv_flags::dontwait))
        return std::nullopt;
    // ROUTER frames: the peer's identity, the envelope up to an empty
    // delimiter (REQ sends one; a DEALER may not), then the request.
    for (std::size_t i = 1; i < r.m_frames.size(); ++i)
        if (r.m_frames[i].size() == 0) {
            r.m_body = i + 1;
            break;
        }
    return r;
}

std::string RouterRequest::key_name() {
    if (m_body >= m_frames.size())
        return {};
    try {
        return m_frames[m_body].gets("User-Id");
    } catch (const zmq::error_t&) {
        return {}; // no such property: not admitted by the handler
    }
}

void RouterRequest::reply(zmq::socket_t& socket, const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < m_body && i < m_frames.size(); ++i)
        socket.send(m_frames[i], zmq::send_flags::sndmore);
    for (std::size_t i = 0; i < frames.size(); ++i)
        socket.send(zmq::buffer(frames[i]),
                    i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

} // namespace wijkwacht
