#include "daemon/socket_thread.hpp"

#include <wijkwacht/log.hpp>

#include <fmt/format.h>

#include <atomic>

namespace wijkwacht {

SocketThread::SocketThread(zmq::context_t& context, zmq::socket_t& socket, std::string component,
                           std::function<void()> on_readable)
    : m_socket(socket), m_wake(context, zmq::socket_type::pair),
      m_wake_sender(context, zmq::socket_type::pair), m_component(std::move(component)),
      m_on_readable(std::move(on_readable)) {
    static std::atomic<unsigned> counter{0};
    const std::string wake = fmt::format("inproc://wijkwacht-wake-{}", ++counter);
    m_wake.bind(wake);
    m_wake_sender.connect(wake);
    m_thread = std::thread([this] { serve(); });
}

SocketThread::~SocketThread() {
    m_wake_sender.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    m_thread.join();
}

void SocketThread::serve() {
    zmq::pollitem_t items[] = {{static_cast<void*>(m_socket), 0, ZMQ_POLLIN, 0},
                               {static_cast<void*>(m_wake), 0, ZMQ_POLLIN, 0}};
    for (;;) {
        try {
            zmq::poll(items, 2, std::chrono::milliseconds(-1));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR)
                continue;
            log::error(m_component, "poll failed, no longer serving: {}", e.what());
            return;
        }
        if (items[1].revents & ZMQ_POLLIN)
            return;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        // Nothing a peer sends may end the thread.
        try {
            m_on_readable();
        } catch (const std::exception& e) {
            log::error(m_component, "{}", e.what());
        }
    }
}

} // namespace wijkwacht
