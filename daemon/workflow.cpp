#include "daemon/workflow.hpp"

#include "core/json_util.hpp"
#include "daemon/router_request.hpp"
#include "daemon/zap.hpp"

#include <wijkwacht/log.hpp>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <array>
#include <future>

namespace wijkwacht {

namespace {

constexpr std::array k_ops{"claim", "release", "ack", "resolve", "reopen", "escalate", "note"};

bool valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    });
}

bool holds(const WorkState& s) {
    return s.state == state::claimed || s.state == state::acknowledged;
}

std::string held_by(const WorkState& s) {
    return fmt::format("{} by {} since {}", s.state, s.owner, s.changed_at);
}

} // namespace

Result<WorkflowRequest> parse_workflow_request(std::string_view json) {
    if (json.size() > k_max_workflow_request)
        return permanent_failure(
            fmt::format("request too large (at most {} bytes)", k_max_workflow_request));
    rapidjson::Document doc;
    if (auto error = parse_json(json, doc, 4))
        return permanent_failure("request is not JSON: " + *error);
    if (!doc.IsObject())
        return permanent_failure(
            "request must be an object such as {\"op\":\"claim\",\"alert\":\"…\"}");
    WorkflowRequest r;
    for (const auto& member : doc.GetObject()) {
        const std::string_view key = as_view(member.name);
        std::string* text = key == "op"      ? &r.op
                            : key == "alert" ? &r.alert
                            : key == "note"  ? &r.note
                            : key == "to"    ? &r.to
                            : key == "as"    ? &r.as
                                             : nullptr;
        if (text) {
            if (!member.value.IsString())
                return permanent_failure(fmt::format("\"{}\" must be a string", key));
            *text = std::string(as_view(member.value));
        } else if (key == "force") {
            if (!member.value.IsBool())
                return permanent_failure("\"force\" must be true or false");
            r.force = member.value.GetBool();
        } else {
            return permanent_failure(fmt::format("unknown request key \"{}\"", key));
        }
    }
    if (std::find(k_ops.begin(), k_ops.end(), r.op) == k_ops.end())
        return permanent_failure(fmt::format("\"op\" must be one of {}", fmt::join(k_ops, ", ")));
    const bool hex = std::all_of(r.alert.begin(), r.alert.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (r.alert.size() < 6 || r.alert.size() > 32 || !hex)
        return permanent_failure(
            "\"alert\" must be an alert id (32 hex digits) or at least its first 6");
    if (r.note.size() > k_max_note_bytes)
        return permanent_failure(
            fmt::format("\"note\" is too long (at most {} bytes)", k_max_note_bytes));
    if (r.op == "note" && r.note.empty())
        return permanent_failure("a note needs \"note\": the text");
    if (r.op == "escalate" && r.to.empty())
        return permanent_failure("escalate needs \"to\": the stream it goes to");
    if (r.op != "escalate" && !r.to.empty())
        return permanent_failure("\"to\" belongs to escalate only");
    if (!r.as.empty() && !valid_name(r.as))
        return permanent_failure("\"as\" must be a name of a-z, 0-9, _ . - (64 at most)");
    return r;
}

std::variant<Transition, std::string> decide(const WorkState& s, const WorkflowRequest& r,
                                             const std::string& actor) {
    const bool other = holds(s) && s.owner != actor;
    const auto refuse_held = [&] {
        return fmt::format("{}: {} can release it, or {} it with force", held_by(s), s.owner, r.op);
    };
    Transition t{s.state, s.state, s.owner, true};
    if (r.op == "note") {
        return t;
    }
    if (r.op == "reopen") {
        if (s.state != state::resolved)
            return fmt::format("it is {}, not resolved: only a resolved alert reopens", s.state);
        t.state = state::fresh;
        t.owner.clear();
        return t;
    }
    if (s.state == state::resolved) {
        if (r.op == "resolve")
            return Transition{s.state, s.state, s.owner, false};
        return fmt::format("resolved by {} at {}: reopen it first", s.owner, s.changed_at);
    }
    if (other && !r.force)
        return refuse_held();
    if (r.op == "claim") {
        if (holds(s) && s.owner == actor)
            return Transition{s.state, s.state, s.owner, false};
        t.state = state::claimed;
        t.owner = actor;
    } else if (r.op == "ack") {
        if (s.state == state::acknowledged && s.owner == actor)
            return Transition{s.state, s.state, s.owner, false};
        t.state = state::acknowledged;
        t.owner = actor;
    } else if (r.op == "release") {
        if (!holds(s))
            return fmt::format("it is {}: nobody holds it", s.state);
        t.state = state::fresh;
        t.owner.clear();
    } else if (r.op == "resolve") {
        t.state = state::resolved;
        t.owner = actor;
    } else if (r.op == "escalate") {
        t.state = state::escalated;
        t.owner.clear();
    }
    return t;
}

std::string to_json(const AlertUpdate& u) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    const auto field = [&](std::string_view key, std::string_view value) {
        write_key(out, key);
        write_string(out, value);
    };
    field("type", "alert_update");
    field("epoch", u.epoch);
    field("stream", u.stream);
    write_key(out, "stream_seq");
    out.Int64(u.stream_seq);
    field("alert", u.alert);
    field("op", u.op);
    field("from", u.from);
    field("state", u.state);
    if (!u.owner.empty())
        field("owner", u.owner);
    field("by", u.by);
    field("at", u.at);
    if (!u.note.empty())
        field("note", u.note);
    if (!u.to.empty())
        field("to", u.to);
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

namespace {
void write_state(JsonWriter& out, const WorkState& now, std::string_view changed_key) {
    write_key(out, "state");
    write_string(out, now.state);
    if (!now.owner.empty()) {
        write_key(out, "owner");
        write_string(out, now.owner);
    }
    if (!now.changed_at.empty()) {
        write_key(out, changed_key);
        write_string(out, now.changed_at);
    }
}
} // namespace

std::string with_state(std::string object_json, const WorkState& now,
                       std::string_view changed_key) {
    // The daemon's own JSON: an object, ending in '}'.
    if (object_json.empty() || object_json.back() != '}')
        return object_json;
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_state(out, now, changed_key);
    out.EndObject();
    object_json.pop_back();
    object_json += ',';
    object_json.append(buffer.GetString() + 1, buffer.GetSize() - 1);
    return object_json;
}

std::string workflow_ok(std::string_view alert, const WorkState& now, bool changed) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "ok");
    write_key(out, "alert");
    write_string(out, alert);
    write_state(out, now, "changed_at");
    write_key(out, "changed");
    out.Bool(changed);
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string workflow_error(std::string_view message, const WorkState* now) {
    return now ? with_state(json_error(message), *now) : json_error(message);
}

WorkflowServer::WorkflowServer(zmq::context_t& context, boost::asio::io_context& io,
                               const std::string& endpoint, const CurveCertificate* curve,
                               Handler handle)
    : m_io(io), m_socket(context, zmq::socket_type::router), m_endpoint(endpoint),
      m_curve(curve != nullptr), m_handle(std::move(handle)) {
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.set(zmq::sockopt::sndhwm, 10000);
    m_socket.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
    m_endpoint = bind_server(m_socket, endpoint, "publish.workflow_endpoint", curve);
    m_thread = std::make_unique<SocketThread>(context, m_socket, "workflow", [this] { answer(); });
}

WorkflowServer::~WorkflowServer() {
    m_closing = true;
    m_thread.reset();
}

std::string WorkflowServer::on_loop(const std::string& actor, std::string request) {
    // The journal and the publisher belong to the event loop: the request
    // runs there and this thread waits for its answer, giving up when the
    // daemon stops (the loop may then never run it).
    auto task = std::make_shared<std::packaged_task<std::string()>>(
        [this, actor, request = std::move(request)] { return m_handle(actor, request); });
    auto answer = task->get_future();
    boost::asio::post(m_io, [task] { (*task)(); });
    while (answer.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
        if (m_closing || m_io.stopped())
            return workflow_error("the daemon is stopping; try again when it is back");
    try {
        return answer.get();
    } catch (const std::exception& e) {
        log::error("workflow", "{}", e.what());
        return workflow_error(fmt::format("the daemon could not record it: {}", e.what()));
    }
}

void WorkflowServer::answer() {
    auto request = RouterRequest::receive(m_socket);
    if (!request)
        return;
    std::string reply;
    if (!request->one_frame()) {
        reply = workflow_error("a request is one frame of JSON");
    } else {
        const std::string actor = m_curve ? request->key_name() : std::string();
        if (m_curve && actor.empty())
            reply = workflow_error("no key name for this connection");
        else
            reply = on_loop(actor, std::string(request->text()));
    }
    request->reply(m_socket, {reply});
}

} // namespace wijkwacht
