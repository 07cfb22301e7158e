#include "cli/replay_client.hpp"

#include "core/json_util.hpp"

#include <fmt/format.h>
#include <zmq_addon.hpp>

namespace wijkwacht::cli {

ReplayClient::ReplayClient(zmq::context_t& context, std::string endpoint,
                           std::chrono::milliseconds timeout, std::optional<ClientKeys> keys)
    : m_context(context), m_endpoint(std::move(endpoint)), m_timeout(timeout),
      m_keys(std::move(keys)) {}

Result<ReplayPage> ReplayClient::fetch(const std::string& stream, std::int64_t after,
                                       std::size_t limit) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "stream");
    write_string(out, stream);
    write_key(out, "after");
    out.Int64(after);
    write_key(out, "limit");
    out.Uint64(limit);
    out.EndObject();

    // A fresh REQ socket per request: after a timeout a REQ socket is stuck
    // waiting for the reply that never came.
    zmq::socket_t socket(m_context, zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, std::int64_t{64} * 1024 * 1024);
    if (m_keys)
        make_curve_client(socket, *m_keys);
    HandshakeWatch watch(m_context, socket, m_endpoint, m_keys.has_value());
    socket.connect(m_endpoint);
    socket.send(zmq::buffer(std::string_view(buffer.GetString(), buffer.GetSize())),
                zmq::send_flags::none);
    // The reply, a refused handshake, or the timeout, whichever comes first.
    const auto deadline = std::chrono::steady_clock::now() + m_timeout;
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
        return transient_failure(fmt::format("no answer from the replay endpoint {} within {} ms "
                                             "(is wijkwachtd running, is this its "
                                             "publish.replay_endpoint, and does it know your "
                                             "key?)",
                                             m_endpoint, m_timeout.count()));
    rapidjson::Document last;
    if (frames.empty() || parse_json(frames.back().to_string_view(), last, 8) || !last.IsObject())
        return permanent_failure(fmt::format("{}: unreadable reply", m_endpoint));
    const auto type = json_string(last, "type").value_or("");
    if (type == "error")
        return permanent_failure(fmt::format("{}: {}", m_endpoint, json_text(last, "message")));
    if (type != "end")
        return permanent_failure(fmt::format("{}: a reply without an end frame", m_endpoint));
    ReplayPage page;
    page.head = json_int64(last, "stream_seq").value_or(0);
    page.epoch = json_text(last, "epoch");
    if (const auto it = last.FindMember("truncated"); it != last.MemberEnd() && it->value.IsBool())
        page.truncated = it->value.GetBool();
    frames.pop_back();
    for (const auto& frame : frames)
        page.alerts.push_back(frame.to_string());
    return page;
}

std::int64_t stream_seq_of(const std::string& alert_json) {
    rapidjson::Document doc;
    if (parse_json(alert_json, doc, 64))
        return 0;
    return json_int64(doc, "stream_seq").value_or(0);
}

} // namespace wijkwacht::cli
