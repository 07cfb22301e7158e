#pragma once

// Follows streams of a daemon for the console: subscribes to the live
// stream, loads the newest messages of each stream from the replay
// endpoint, fills every gap the live stream leaves (a jump in stream_seq, a
// heartbeat ahead), notices a changed epoch, and says when the daemon goes
// silent. Messages reach `on_message` exactly once each, in stream order.
// Runs on a thread of its own (ZeroMQ sockets block).

#include "cli/curve_client.hpp"
#include "cli/replay_client.hpp"

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wijkwacht::cli {

struct StreamMessage {
    std::string stream;
    std::int64_t stream_seq = 0;
    std::string body; // Alert or alert_update JSON
};

struct FollowerOptions {
    std::string endpoint, replay_endpoint;
    std::vector<std::string> streams;
    std::optional<ClientKeys> keys;
    std::size_t backlog = 500; // newest messages per stream loaded at start
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds silence{15000};
};

struct FollowerEvents {
    std::function<void(StreamMessage)> on_message;
    // The daemon's journal epoch became known, or changed (everything
    // before is void: start over).
    std::function<void(const std::string& epoch, bool changed)> on_epoch;
    // Reachable or not, with the reason.
    std::function<void(bool up, const std::string& why)> on_status;
};

class StreamFollower {
public:
    StreamFollower(zmq::context_t& context, FollowerOptions options, FollowerEvents events);
    ~StreamFollower(); // stops and joins
    StreamFollower(const StreamFollower&) = delete;
    StreamFollower& operator=(const StreamFollower&) = delete;

private:
    void run();
    void load(const std::string& stream);
    bool fill(const std::string& stream, std::int64_t upto);
    void on_live(const std::string& stream, const std::string& body);
    void note_epoch(const std::string& epoch);
    void status(bool up, const std::string& why);

    zmq::context_t& m_context;
    FollowerOptions m_o;
    FollowerEvents m_events;
    ReplayClient m_replay;
    std::map<std::string, std::int64_t> m_last; // stream -> newest stream_seq delivered
    std::string m_epoch;
    std::optional<bool> m_up;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace wijkwacht::cli
