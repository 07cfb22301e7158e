#pragma once

// One ZeroMQ socket served on a thread of its own (the replay endpoint, the
// CURVE authentication handler): `on_readable` runs whenever the socket has
// a message; destroying the SocketThread wakes the thread over an inproc
// pair and joins it. Declare it after the socket it serves, so it stops
// first.

#include <zmq.hpp>

#include <functional>
#include <string>
#include <thread>

namespace wijkwacht {

class SocketThread {
public:
    // `component` names the thread in the log when `on_readable` throws.
    SocketThread(zmq::context_t& context, zmq::socket_t& socket, std::string component,
                 std::function<void()> on_readable);
    ~SocketThread();
    SocketThread(const SocketThread&) = delete;
    SocketThread& operator=(const SocketThread&) = delete;

private:
    void serve();

    zmq::socket_t& m_socket;
    zmq::socket_t m_wake;
    zmq::socket_t m_wake_sender;
    std::string m_component;
    std::function<void()> m_on_readable;
    std::thread m_thread;
};

} // namespace wijkwacht
