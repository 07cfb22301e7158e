// wijkwacht tail: follow streams live; fill gaps from the replay endpoint;
// resume where the last run stopped.
#include "cli/commands.hpp"
#include "cli/curve_client.hpp"
#include "cli/daemon_client.hpp"
#include "cli/format.hpp"
#include "cli/replay_client.hpp"
#include "core/json_util.hpp"

#include <wijkwacht/json.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace wijkwacht::cli {

namespace {

std::atomic<bool> g_interrupted{false};

struct TailOptions {
    DaemonEndpoints daemon;
    std::vector<std::string> streams;
    bool json = false;
    bool color = false;
    bool heartbeats = false;
    bool resume = false;
    bool no_fill = false;
    std::optional<std::int64_t> since_seq;
    long count = 0;
    int timeout_ms = 5000;
    int silence_ms = 15000;
    CurveFiles curve;
};

// Where --resume keeps the last sequence seen per stream, per endpoint:
// $XDG_STATE_HOME/wijkwacht (default ~/.local/state/wijkwacht).
std::filesystem::path resume_file(const std::string& endpoint) {
    std::filesystem::path dir;
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/')
        dir = state;
    else if (const char* home = std::getenv("HOME"); home && *home)
        dir = std::filesystem::path(home) / ".local" / "state";
    else
        throw Error("--resume needs $XDG_STATE_HOME or $HOME to keep its place");
    std::string name = "tail-";
    for (const char c : endpoint)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return dir / "wijkwacht" / (name + ".json");
}

struct Position {
    std::string epoch;
    std::map<std::string, std::int64_t> last; // stream -> newest stream_seq shown
};

Position load_position(const std::filesystem::path& file) {
    Position p;
    std::ifstream in(file);
    if (!in)
        return p;
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document doc;
    if (parse_json(text.str(), doc, 8) || !doc.IsObject()) {
        fmt::print(stderr, "wijkwacht tail: {}: unreadable, starting without it\n", file.string());
        return p;
    }
    p.epoch = json_text(doc, "epoch");
    if (const auto* streams = json_object(doc, "streams"))
        for (const auto& m : streams->GetObject())
            if (m.value.IsInt64())
                p.last[std::string(as_view(m.name))] = m.value.GetInt64();
    return p;
}

void save_position(const std::filesystem::path& file, const Position& p) {
    std::filesystem::create_directories(file.parent_path());
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "epoch");
    write_string(out, p.epoch);
    write_key(out, "streams");
    out.StartObject();
    for (const auto& [stream, seq] : p.last) {
        write_key(out, stream);
        out.Int64(seq);
    }
    out.EndObject();
    out.EndObject();
    const auto temp = file.string() + ".tmp";
    {
        std::ofstream f(temp, std::ios::trunc);
        f.write(buffer.GetString(), static_cast<std::streamsize>(buffer.GetSize()));
        if (!f)
            throw Error(fmt::format("{}: cannot write", temp));
    }
    std::filesystem::rename(temp, file);
}

class Tail {
public:
    Tail(TailOptions o, std::optional<ClientKeys> keys)
        : m_o(std::move(o)), m_keys(std::move(keys)), m_socket(m_context, zmq::socket_type::sub),
          m_replay(m_context, m_o.daemon.replay, std::chrono::milliseconds(m_o.timeout_ms),
                   m_keys) {}

    int run() {
        m_socket.set(zmq::sockopt::linger, 0);
        if (m_keys)
            make_curve_client(m_socket, *m_keys);
        for (const auto& stream : m_o.streams)
            m_socket.set(zmq::sockopt::subscribe, stream);
        // Subscribe first, then replay: what is published meanwhile waits
        // in the socket, and what is shown twice is skipped by number.
        m_watch.emplace(m_context, m_socket, m_o.daemon.publish, m_keys.has_value());
        m_socket.connect(m_o.daemon.publish);
        if (!m_o.json)
            fmt::print(stderr, "wijkwacht tail: following {} on {} (Ctrl-C stops)\n",
                       fmt::join(m_o.streams, ", "), m_o.daemon.publish);
        if (m_o.resume) {
            m_file = resume_file(m_o.daemon.publish);
            m_position = load_position(*m_file);
        }
        if (m_o.since_seq)
            for (const auto& stream : m_o.streams)
                m_position.last[stream] = *m_o.since_seq;
        for (const auto& stream : m_o.streams)
            if (m_position.last.count(stream) && !done())
                fill(stream);
        return follow();
    }

private:
    bool done() const { return g_interrupted || (m_o.count != 0 && m_printed >= m_o.count); }

    void show(const std::string& stream, const std::string& body, std::int64_t seq) {
        m_position.last[stream] = seq;
        ++m_printed;
        if (m_o.json) {
            fmt::print("{}\n", body);
            std::fflush(stdout);
        } else {
            print_message("wijkwacht tail", stream, body, m_o.color, &m_folding);
        }
        if (m_file)
            save_position(*m_file, m_position);
    }

    // The journal was reset: numbers start over from 0 on every stream.
    void epoch_changed(const std::string& epoch) {
        fmt::print(stderr,
                   "wijkwacht tail: WARNING: the daemon's journal epoch changed ({} -> {}): its "
                   "state was reset; sequence numbers start over\n",
                   m_position.epoch, epoch);
        for (const auto& stream : m_o.streams)
            m_position.last[stream] = 0;
        m_position.epoch = epoch;
    }

    void note_epoch(const std::string& epoch) {
        if (epoch.empty() || epoch == m_position.epoch)
            return;
        if (m_position.epoch.empty())
            m_position.epoch = epoch;
        else
            epoch_changed(epoch);
    }

    // Shows every stored alert of `stream` after the last one shown; false
    // when the replay endpoint could not be asked.
    bool fill(const std::string& stream) {
        if (m_o.no_fill)
            return false;
        std::size_t filled = 0;
        bool restarted = false;
        while (!done()) {
            const std::int64_t after = m_position.last[stream];
            auto page = m_replay.fetch(stream, after, 1000);
            if (!page) {
                fmt::print(stderr, "wijkwacht tail: [{}] cannot fill from #{}: {}\n", stream, after,
                           page.failure().message);
                return false;
            }
            if (!page->epoch.empty() && !m_position.epoch.empty() &&
                page->epoch != m_position.epoch && !restarted) {
                epoch_changed(page->epoch);
                restarted = true;
                continue;
            }
            note_epoch(page->epoch);
            if (page->truncated)
                fmt::print(stderr,
                           "wijkwacht tail: [{}] alerts after #{} were purged (retention); "
                           "showing the oldest kept\n",
                           stream, after);
            for (const auto& body : page->alerts) {
                const auto seq = stream_seq_of(body);
                if (seq <= m_position.last[stream] || done())
                    continue;
                show(stream, body, seq);
                ++filled;
            }
            if (page->alerts.empty() || m_position.last[stream] >= page->head)
                break;
        }
        if (filled > 0 && !m_o.json)
            fmt::print(stderr, "wijkwacht tail: [{}] {} alert(s) from the replay endpoint\n",
                       stream, filled);
        if (m_file)
            save_position(*m_file, m_position);
        return true;
    }

    // The daemon is at `seq` on `stream`; what lies between is fetched.
    void catch_up(const std::string& stream, std::int64_t seq) {
        const auto known = m_position.last.find(stream);
        if (known == m_position.last.end() || seq <= known->second)
            return;
        const std::int64_t had = known->second;
        if (!fill(stream) && m_position.last[stream] < seq) {
            fmt::print(stderr, "wijkwacht tail: [{}] missed {} alert(s) after #{}\n", stream,
                       seq - had, had);
            m_position.last[stream] = seq;
        }
    }

    int follow() {
        zmq::pollitem_t items[] = {{static_cast<void*>(m_socket), 0, ZMQ_POLLIN, 0},
                                   {static_cast<void*>(m_watch->socket()), 0, ZMQ_POLLIN, 0}};
        using Clock = std::chrono::steady_clock;
        const auto silence = std::chrono::milliseconds(m_o.silence_ms);
        auto heard = Clock::now(); // the last message, or the start
        bool warned = false;
        while (!done()) {
            try {
                zmq::poll(items, 2, std::chrono::milliseconds(std::min(250, m_o.silence_ms)));
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR)
                    continue;
                throw;
            }
            if (items[1].revents & ZMQ_POLLIN)
                if (const auto why = m_watch->failure()) {
                    fmt::print(stderr, "wijkwacht tail: {}\n", *why);
                    return 1;
                }
            if (!(items[0].revents & ZMQ_POLLIN)) {
                // Every stream has a heartbeat: silence means no daemon.
                if (!warned && Clock::now() - heard >= silence) {
                    fmt::print(stderr,
                               "wijkwacht tail: nothing from {} for {} (a running wijkwachtd "
                               "sends heartbeats every few seconds): is it running, and is this "
                               "its publish.endpoint?\n",
                               m_o.daemon.publish, format_duration(silence));
                    warned = true;
                }
                continue;
            }
            heard = Clock::now();
            if (warned) {
                fmt::print(stderr, "wijkwacht tail: {} is sending again\n", m_o.daemon.publish);
                warned = false;
            }
            std::vector<zmq::message_t> frames;
            if (!zmq::recv_multipart(m_socket, std::back_inserter(frames),
                                     zmq::recv_flags::dontwait))
                continue;
            if (frames.size() != 2) {
                fmt::print(stderr, "wijkwacht tail: ignoring a message of {} frame(s)\n",
                           frames.size());
                continue;
            }
            on_message(frames[0].to_string(), frames[1].to_string());
        }
        return 0;
    }

    void on_message(const std::string& stream, const std::string& body) {
        rapidjson::Document doc;
        if (auto error = parse_json(body, doc, 64); error || !doc.IsObject()) {
            fmt::print(stderr, "wijkwacht tail: [{}] unreadable message: {}\n", stream,
                       error.value_or("not an object"));
            return;
        }
        const auto type = json_text(doc, "type");
        note_epoch(json_text(doc, "epoch"));
        const std::int64_t seq = json_int64(doc, "stream_seq").value_or(0);
        if (type == "heartbeat") {
            // A heartbeat ahead of what was shown: the last alerts were lost.
            catch_up(stream, seq);
            if (!m_position.last.count(stream)) {
                // Where this run starts: a later --resume starts here too.
                m_position.last[stream] = seq;
                if (m_file)
                    save_position(*m_file, m_position);
            }
            if (m_o.heartbeats) {
                if (m_o.json)
                    fmt::print("{}\n", body);
                else
                    fmt::print("[{}] heartbeat #{}\n", stream, seq);
                std::fflush(stdout);
            }
            return;
        }
        if (type != "alert" && type != "alert_update") {
            if (m_o.json)
                fmt::print("{}\n", body);
            else
                fmt::print("[{}] {}\n", stream, body);
            std::fflush(stdout);
            return;
        }
        catch_up(stream, seq - 1);
        const auto known = m_position.last.find(stream);
        if (known != m_position.last.end() && seq <= known->second)
            return; // shown already, from the replay endpoint
        if (!done())
            show(stream, body, seq);
    }

    TailOptions m_o;
    Folding m_folding; // later posts of an incident shown, in one line
    std::optional<ClientKeys> m_keys;
    zmq::context_t m_context{1};
    zmq::socket_t m_socket;
    ReplayClient m_replay;
    Position m_position;
    std::optional<std::filesystem::path> m_file;
    std::optional<HandshakeWatch> m_watch;
    long m_printed = 0;
};

int run_tail(TailOptions o) {
    o.daemon.resolve();
    if (o.streams.empty())
        o.streams = {"all"};
    std::signal(SIGINT, [](int) { g_interrupted = true; });
    std::signal(SIGTERM, [](int) { g_interrupted = true; });
    auto keys = load_client_keys(o.curve);
    return Tail(std::move(o), std::move(keys)).run();
}

} // namespace

void add_tail(CLI::App& app, Command& run) {
    auto o = std::make_shared<TailOptions>();
    auto* cmd = app.add_subcommand("tail", "follow alerts as they are published");
    cmd->add_option("streams", o->streams, "streams to follow (default: all)");
    add_endpoint_options(*cmd, o->daemon, true, false);
    cmd->add_flag("--json", o->json, "print each alert and alert update as one line of JSON");
    cmd->add_flag("--heartbeats", o->heartbeats, "print heartbeats too");
    cmd->add_flag("--resume", o->resume,
                  "start after the last alert an earlier --resume run showed (kept under "
                  "$XDG_STATE_HOME/wijkwacht)");
    cmd->add_option("--since-seq", o->since_seq,
                    "first show the stored alerts after this stream_seq")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--no-fill", o->no_fill,
                  "only warn about missed alerts instead of fetching them");
    cmd->add_option("--timeout", o->timeout_ms,
                    "milliseconds to wait for the replay endpoint's answer")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--silence", o->silence_ms,
                    "milliseconds without any message (not even a heartbeat) before warning "
                    "that the daemon seems gone")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("-n,--count", o->count,
                    "exit after this many messages, alerts and updates (0: never)");
    add_curve_options(*cmd, o->curve);
    cmd->callback([o, &run] {
        o->color = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
        run = [o] {
            return run_tail(*o);
        };
    });
}

} // namespace wijkwacht::cli
