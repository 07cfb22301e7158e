#include "daemon/replay.hpp"

#include "core/json_util.hpp"
#include "daemon/router_request.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/log.hpp>

#include <fmt/format.h>

namespace wijkwacht {

namespace {

std::string end_frame(std::int64_t head, std::string_view epoch, bool truncated) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "end");
    write_key(out, "stream_seq");
    out.Int64(head);
    write_key(out, "epoch");
    write_string(out, epoch);
    if (truncated) {
        write_key(out, "truncated");
        out.Bool(true);
    }
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace

std::vector<std::string> replay_answer(JournalReader& journal, std::string_view request,
                                       const std::set<std::string>& configured_streams,
                                       std::string_view epoch, ReplayAsked* asked) {
    rapidjson::Document doc;
    if (request.size() > 4096)
        return {json_error("request too large (at most 4096 bytes)")};
    if (auto error = parse_json(request, doc, 4))
        return {json_error("request is not JSON: " + *error)};
    if (!doc.IsObject())
        return {json_error("request must be an object such as {\"stream\":\"all\",\"after\":0}")};
    const auto stream = json_string(doc, "stream");
    if (!stream || stream->empty())
        return {json_error("request needs \"stream\": a stream name")};
    std::int64_t after = 0;
    if (const auto it = doc.FindMember("after"); it != doc.MemberEnd()) {
        if (!it->value.IsInt64() || it->value.GetInt64() < 0)
            return {json_error("\"after\" must be a sequence number (0 or more)")};
        after = it->value.GetInt64();
    }
    std::size_t limit = k_replay_default_limit;
    if (const auto it = doc.FindMember("limit"); it != doc.MemberEnd()) {
        if (!it->value.IsInt64() || it->value.GetInt64() < 1)
            return {json_error("\"limit\" must be 1 or more")};
        limit = static_cast<std::size_t>(
            std::min<std::int64_t>(it->value.GetInt64(), k_replay_max_limit));
    }
    bool states = false;
    if (const auto it = doc.FindMember("states"); it != doc.MemberEnd()) {
        if (!it->value.IsBool())
            return {json_error("\"states\" must be true or false")};
        states = it->value.GetBool();
    }
    for (const auto& member : doc.GetObject()) {
        const std::string_view key = as_view(member.name);
        if (key != "stream" && key != "after" && key != "limit" && key != "states")
            return {json_error(fmt::format("unknown request key \"{}\"", key))};
    }
    const std::string name(*stream);
    if (asked)
        *asked = {name, after, limit, std::nullopt};
    if (!configured_streams.count(name) && !journal.knows(name))
        return {json_error(fmt::format("unknown stream \"{}\"", name))};
    auto page = journal.replay(name, after, limit, states);
    auto frames = std::move(page.alerts);
    if (asked)
        asked->sent = frames.size();
    frames.push_back(end_frame(page.head, epoch, page.truncated));
    return frames;
}

ReplayServer::ReplayServer(zmq::context_t& context, const std::string& endpoint,
                           const std::filesystem::path& state_dir, std::string epoch,
                           std::set<std::string> streams, const CurveCertificate* curve,
                           AuditCounters* counters)
    : m_socket(context, zmq::socket_type::router), m_endpoint(endpoint), m_journal(state_dir),
      m_epoch(std::move(epoch)), m_curve(curve != nullptr), m_counters(counters),
      m_streams(std::move(streams)) {
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.set(zmq::sockopt::sndhwm, 10000);
    m_socket.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
    m_endpoint = bind_server(m_socket, endpoint, "publish.replay_endpoint", curve);
    m_thread = std::make_unique<SocketThread>(context, m_socket, "replay", [this] { answer(); });
}

ReplayServer::~ReplayServer() = default;

void ReplayServer::set_streams(std::set<std::string> streams) {
    const std::lock_guard lock(m_mutex);
    m_streams = std::move(streams);
}

void ReplayServer::answer() {
    auto request = RouterRequest::receive(m_socket);
    if (!request)
        return;
    std::vector<std::string> reply;
    if (!request->one_frame()) {
        reply = {json_error("a request is one frame of JSON")};
    } else {
        std::set<std::string> streams;
        {
            const std::lock_guard lock(m_mutex);
            streams = m_streams;
        }
        ReplayAsked asked;
        reply = replay_answer(m_journal, request->text(), streams, m_epoch, &asked);
        // Who asked: the key's name with CURVE; without it nobody knows.
        const std::string name = m_curve ? request->key_name() : std::string();
        const std::string key = name.empty() ? std::string("-") : name;
        if (m_counters)
            m_counters->count(key, "replay");
        audit("replay", {{"key", key},
                         {"stream", asked.stream},
                         {"after", std::to_string(asked.after)},
                         {"limit", std::to_string(asked.limit)},
                         {"result", asked.sent ? std::to_string(*asked.sent) + " sent" : "error"}});
    }
    request->reply(m_socket, reply);
}

} // namespace wijkwacht
