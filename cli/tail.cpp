#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "core/json_util.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <csignal>
#include <ctime>
#include <map>
#include <unistd.h>

namespace wijkwacht::cli {

namespace {

std::atomic<bool> g_interrupted{false};

struct TailOptions {
    std::string endpoint = "tcp://127.0.0.1:7750";
    std::string config;
    std::vector<std::string> streams;
    bool json = false;
    bool color = false;
    bool heartbeats = false;
    long count = 0;
};

std::string local_time(const std::string& rfc3339) {
    const auto t = parse_rfc3339(rfc3339);
    if (!t)
        return rfc3339;
    const std::time_t secs = std::chrono::system_clock::to_time_t(*t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

void print_human(const Alert& a, bool color) {
    std::string categories;
    for (const auto& c : a.categories)
        categories += (categories.empty() ? "" : ", ") + c;
    std::string severity(to_string(a.severity));
    for (auto& c : severity)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string bold = color ? "\033[1m" : "";
    const std::string reset = color ? "\033[0m" : "";
    fmt::print("{}{}  {:<8} {}{}  [{} #{}]\n", bold, local_time(a.flagged_at), severity, categories,
               reset, a.stream, a.stream_seq);
    std::string who = a.post.author.name;
    if (!a.post.author.handle.empty())
        who += (who.empty() ? "" : " ") + std::string("(@") + a.post.author.handle + ")";
    fmt::print("  {} · {}{}\n", a.post.source, who.empty() ? "unknown author" : who,
               a.post.created_at.empty() ? "" : " · " + local_time(a.post.created_at));
    std::string text = emphasise(a.post.text, match_spans(a), color);
    std::string indented;
    for (const char c : text)
        indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    fmt::print("  {}\n", indented);
    if (!a.post.url.empty())
        fmt::print("  {}\n", a.post.url);
    for (const auto& m : a.post.media)
        fmt::print("  {}: {}{}\n", to_string(m.kind), m.url,
                   m.description.empty() ? "" : " (" + m.description + ")");
    std::string rules;
    for (const auto& m : a.matches) {
        std::string terms;
        for (const auto& t : m.terms)
            terms += (terms.empty() ? "" : ", ") + t;
        rules += fmt::format("{}{} ({})", rules.empty() ? "" : "; ", m.rule, terms);
    }
    fmt::print("  rules: {}\n\n", rules);
    std::fflush(stdout);
}

int run_tail(TailOptions o) {
    if (!o.config.empty())
        o.endpoint = load_config(o.config).publish.endpoint;
    if (o.streams.empty())
        o.streams = {"all"};
    std::signal(SIGINT, [](int) { g_interrupted = true; });
    std::signal(SIGTERM, [](int) { g_interrupted = true; });

    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    for (const auto& stream : o.streams)
        socket.set(zmq::sockopt::subscribe, stream);
    socket.connect(o.endpoint);
    if (!o.json)
        fmt::print(stderr, "wijkwacht tail: following {} on {} (Ctrl-C stops)\n",
                   fmt::join(o.streams, ", "), o.endpoint);

    std::map<std::string, std::int64_t> last_seq;
    std::string epoch;
    long alerts = 0;
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0}};
    while (!g_interrupted && (o.count == 0 || alerts < o.count)) {
        try {
            zmq::poll(items, 1, std::chrono::milliseconds(250));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR)
                continue;
            throw;
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        std::vector<zmq::message_t> frames;
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait))
            continue;
        if (frames.size() != 2) {
            fmt::print(stderr, "wijkwacht tail: ignoring a message of {} frame(s)\n",
                       frames.size());
            continue;
        }
        const std::string stream = frames[0].to_string();
        const std::string body = frames[1].to_string();
        rapidjson::Document doc;
        if (auto error = parse_json(body, doc, 64); error || !doc.IsObject()) {
            fmt::print(stderr, "wijkwacht tail: [{}] unreadable message: {}\n", stream,
                       error.value_or("not an object"));
            continue;
        }
        const auto type = json_string(doc, "type").value_or("");
        const auto msg_epoch = std::string(json_string(doc, "epoch").value_or(""));
        if (!msg_epoch.empty() && !epoch.empty() && msg_epoch != epoch) {
            fmt::print(stderr,
                       "wijkwacht tail: WARNING: the daemon's journal epoch changed ({} -> "
                       "{}): its state was reset; sequence numbers start over\n",
                       epoch, msg_epoch);
            last_seq.clear();
        }
        if (!msg_epoch.empty())
            epoch = msg_epoch;
        std::int64_t seq = 0;
        if (const auto it = doc.FindMember("stream_seq");
            it != doc.MemberEnd() && it->value.IsInt64())
            seq = it->value.GetInt64();
        if (type == "heartbeat") {
            const auto known = last_seq.find(stream);
            if (known != last_seq.end() && seq > known->second)
                fmt::print(stderr,
                           "wijkwacht tail: [{}] missed {} alert(s) after #{} (the daemon "
                           "is at #{})\n",
                           stream, seq - known->second, known->second, seq);
            if (known == last_seq.end() || seq > known->second)
                last_seq[stream] = seq;
            if (o.heartbeats) {
                if (o.json)
                    fmt::print("{}\n", body);
                else
                    fmt::print("[{}] heartbeat #{}\n", stream, seq);
                std::fflush(stdout);
            }
            continue;
        }
        if (type != "alert") {
            if (o.json)
                fmt::print("{}\n", body);
            else
                fmt::print("[{}] {}\n", stream, body);
            std::fflush(stdout);
            continue;
        }
        const auto known = last_seq.find(stream);
        if (known != last_seq.end() && seq > known->second + 1)
            fmt::print(stderr, "wijkwacht tail: [{}] missed {} alert(s) between #{} and #{}\n",
                       stream, seq - known->second - 1, known->second, seq);
        last_seq[stream] = std::max(seq, known == last_seq.end() ? 0 : known->second);
        ++alerts;
        if (o.json) {
            fmt::print("{}\n", body);
            std::fflush(stdout);
            continue;
        }
        const auto alert = alert_from_json(body);
        if (!alert) {
            fmt::print(stderr, "wijkwacht tail: [{}] unreadable alert: {}\n", stream,
                       alert.failure().message);
            continue;
        }
        print_human(*alert, o.color);
    }
    return 0;
}

} // namespace

void add_tail(CLI::App& app, Command& run) {
    auto o = std::make_shared<TailOptions>();
    auto* cmd = app.add_subcommand("tail", "follow alerts as they are published");
    cmd->add_option("streams", o->streams, "streams to follow (default: all)");
    cmd->add_option("-e,--endpoint", o->endpoint, "the daemon's publish endpoint")
        ->capture_default_str();
    cmd->add_option("-c,--config", o->config, "read the endpoint from this wijkwachtd config");
    cmd->add_flag("--json", o->json, "print each alert as one line of Alert JSON");
    cmd->add_flag("--heartbeats", o->heartbeats, "print heartbeats too");
    cmd->add_option("-n,--count", o->count, "exit after this many alerts (0: never)");
    cmd->callback([o, &run] {
        o->color = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
        run = [o] {
            return run_tail(*o);
        };
    });
}

} // namespace wijkwacht::cli
