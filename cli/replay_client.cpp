#include "cli/replay_client.hpp"

#include "cli/request.hpp"
#include "core/json_util.hpp"

#include <fmt/format.h>

namespace wijkwacht::cli {

ReplayClient::ReplayClient(zmq::context_t& context, std::string endpoint,
                           std::chrono::milliseconds timeout, std::optional<ClientKeys> keys)
    : m_context(context), m_endpoint(std::move(endpoint)), m_timeout(timeout),
      m_keys(std::move(keys)) {}

Result<ReplayPage> ReplayClient::fetch(const std::string& stream, std::int64_t after,
                                       std::size_t limit, bool states) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "stream");
    write_string(out, stream);
    write_key(out, "after");
    out.Int64(after);
    write_key(out, "limit");
    out.Uint64(limit);
    if (states) {
        write_key(out, "states");
        out.Bool(true);
    }
    out.EndObject();
    auto reply = ask(m_context, {m_endpoint, "publish.replay_endpoint"}, m_keys, m_timeout,
                     std::string_view(buffer.GetString(), buffer.GetSize()));
    if (!reply)
        return reply.failure();
    auto& frames = *reply;
    rapidjson::Document last;
    if (frames.empty() || parse_json(frames.back(), last, 8) || !last.IsObject())
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
    page.alerts = std::move(frames);
    return page;
}

std::int64_t stream_seq_of(const std::string& alert_json) {
    rapidjson::Document doc;
    if (parse_json(alert_json, doc, 64))
        return 0;
    return json_int64(doc, "stream_seq").value_or(0);
}

} // namespace wijkwacht::cli
