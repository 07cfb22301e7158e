#include "daemon/publisher.hpp"

#include "core/json_util.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>

namespace wijkwacht {

Publisher::Publisher(zmq::context_t& context, const PublishConfig& config,
                     const CurveCertificate* curve)
    : m_socket(context, zmq::socket_type::pub), m_endpoint(config.endpoint) {
    m_socket.set(zmq::sockopt::sndhwm, 100000);
    m_socket.set(zmq::sockopt::linger, 2000);
    m_endpoint = bind_server(m_socket, config.endpoint, "publish.endpoint", curve);
}

bool Publisher::send(std::string_view stream, std::string_view body) {
    try {
        if (!m_socket.send(zmq::buffer(stream),
                           zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return false;
        return m_socket.send(zmq::buffer(body), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t& e) {
        log::error("publish", "cannot send on {}: {}", stream, e.what());
        return false;
    }
}

void Publisher::heartbeat(std::string_view stream, std::string_view epoch,
                          std::int64_t stream_seq) {
    send(stream, heartbeat_json(stream, epoch, stream_seq, now_rfc3339()));
}

std::string heartbeat_json(std::string_view stream, std::string_view epoch, std::int64_t stream_seq,
                           std::string_view at) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "heartbeat");
    write_key(out, "epoch");
    write_string(out, epoch);
    write_key(out, "stream");
    write_string(out, stream);
    write_key(out, "stream_seq");
    out.Int64(stream_seq);
    write_key(out, "at");
    write_string(out, at);
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace wijkwacht
