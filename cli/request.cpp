#include "cli/request.hpp"

#include <fmt/format.h>
#include <zmq_addon.hpp>

namespace wijkwacht::cli {

Result<std::vector<std::string>> ask(zmq::context_t& context, const Endpoint& endpoint,
                                     const std::optional<ClientKeys>& keys,
                                     std::chrono::milliseconds timeout, std::string_view request) {
    // A fresh REQ socket per request: after a timeout a REQ socket is stuck
    // waiting for the reply that never came.
    zmq::socket_t socket(context, zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, std::int64_t{64} * 1024 * 1024);
    if (keys)
        make_curve_client(socket, *keys);
    HandshakeWatch watch(context, socket, endpoint.address, keys.has_value());
    socket.connect(endpoint.address);
    socket.send(zmq::buffer(request), zmq::send_flags::none);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                               {static_cast<void*>(watch.socket()), 0, ZMQ_POLLIN, 0}};
    while (!(items[0].revents & ZMQ_POLLIN)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0) || zmq::poll(items, 2, left) == 0)
            break;
        if (items[1].revents & ZMQ_POLLIN)
            if (auto why = watch.failure())
                return permanent_failure(std::move(*why));
    }
    std::vector<zmq::message_t> frames;
    if (!(items[0].revents & ZMQ_POLLIN) ||
        !zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return transient_failure(fmt::format("no answer from {} within {} ms (is wijkwachtd "
                                             "running, is this its {}, and does it know your "
                                             "key?)",
                                             endpoint.address, timeout.count(), endpoint.setting));
    std::vector<std::string> out;
    out.reserve(frames.size());
    for (const auto& frame : frames)
        out.push_back(frame.to_string());
    return out;
}

} // namespace wijkwacht::cli
