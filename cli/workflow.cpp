// wijkwacht claim|release|ack|resolve|reopen|escalate|note: the team
// workflow (SPEC §5) from the command line. With CURVE the daemon knows who
// you are from your key; without it (loopback only) --as says it.
#include "cli/commands.hpp"
#include "cli/daemon_client.hpp"
#include "cli/request.hpp"
#include "core/json_util.hpp"

#include <fmt/format.h>

namespace wijkwacht::cli {

namespace {

struct WorkflowOptions {
    std::string op;
    std::vector<std::string> alerts;
    std::string note;
    std::string to;
    bool force = false;
    std::string as;
    DaemonEndpoints daemon;
    bool json = false;
    int timeout_ms = 5000;
    CurveFiles curve;
};

std::string request_json(const WorkflowOptions& o, const std::string& alert) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    const auto field = [&](std::string_view key, std::string_view value) {
        if (value.empty())
            return;
        write_key(out, key);
        write_string(out, value);
    };
    field("op", o.op);
    field("alert", alert);
    field("note", o.note);
    field("to", o.to);
    field("as", o.as);
    if (o.force) {
        write_key(out, "force");
        out.Bool(true);
    }
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

int run_workflow(WorkflowOptions o) {
    o.daemon.resolve();
    const auto keys = load_client_keys(o.curve);
    o.as = name_without_curve(keys, o.as);
    const std::string who = "wijkwacht " + o.op;
    zmq::context_t context(1);
    int status = 0;
    for (const auto& alert : o.alerts) {
        auto reply = ask(context, {o.daemon.workflow, "publish.workflow_endpoint"}, keys,
                         std::chrono::milliseconds(o.timeout_ms), request_json(o, alert));
        if (!reply) {
            fmt::print(stderr, "{}: {}\n", who, reply.failure().message);
            return 1;
        }
        rapidjson::Document doc;
        if (reply->size() != 1 || parse_json(reply->front(), doc, 8) || !doc.IsObject()) {
            fmt::print(stderr, "{}: {}: unreadable reply\n", who, o.daemon.workflow);
            return 1;
        }
        if (o.json)
            fmt::print("{}\n", reply->front());
        const auto id = json_text(doc, "alert").substr(0, 12);
        if (json_text(doc, "type") != "ok") {
            auto message = json_text(doc, "message");
            if (message.ends_with("with force"))
                message += " (--force)";
            fmt::print(stderr, "{}: {}{}\n", who, id.empty() ? "" : id + ": ", message);
            status = 1;
            continue;
        }
        if (o.json)
            continue;
        const auto owner = json_text(doc, "owner");
        fmt::print("{}: {}{}{}\n", id, json_text(doc, "state"), owner.empty() ? "" : " by " + owner,
                   doc.HasMember("changed") && doc["changed"].IsBool() && !doc["changed"].GetBool()
                       ? " (already; nothing changed)"
                       : "");
    }
    return status;
}

struct Op {
    const char* name;
    const char* help;
    bool forceable;
};

constexpr Op k_ops[] = {
    {"claim", "claim alerts: you are on them (refused while someone else holds one)", true},
    {"release", "release alerts you claimed or acknowledged, so someone else can take them", true},
    {"ack", "acknowledge alerts: you are handling them (claims them too)", true},
    {"resolve", "resolve alerts: done", true},
    {"reopen", "reopen resolved alerts", false},
    {"escalate", "hand alerts on to another stream (--to), where they are published too", true},
    {"note", "add a note (--note) to alerts, seen by everyone following them", false},
};

} // namespace

void add_workflow(CLI::App& app, Command& run) {
    for (const auto& op : k_ops) {
        auto o = std::make_shared<WorkflowOptions>();
        o->op = op.name;
        auto* cmd = app.add_subcommand(op.name, op.help);
        cmd->group("Team workflow");
        cmd->add_option("alerts", o->alerts,
                        "alert ids (as tail shows them: the first 6 or more hex digits do)")
            ->required();
        auto* note = cmd->add_option("--note", o->note, "a note for everyone following the alert");
        if (std::string_view(op.name) == "note")
            note->required();
        if (std::string_view(op.name) == "escalate")
            cmd->add_option("--to", o->to, "the stream the alerts go to")->required();
        if (op.forceable)
            cmd->add_flag("--force", o->force, "even when someone else holds the alert");
        add_as_option(*cmd, o->as);
        add_endpoint_options(*cmd, o->daemon, false, true);
        cmd->add_flag("--json", o->json, "print the daemon's reply as JSON");
        cmd->add_option("--timeout", o->timeout_ms, "milliseconds to wait for the daemon's answer")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        add_curve_options(*cmd, o->curve);
        cmd->callback([o, &run] {
            run = [o] {
                return run_workflow(*o);
            };
        });
    }
}

} // namespace wijkwacht::cli
