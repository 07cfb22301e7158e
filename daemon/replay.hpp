#pragma once

// The replay endpoint (SPEC §5): a ROUTER socket that hands out stored
// alerts of a stream after a sequence number, so a subscriber fills the gaps
// the live PUB stream left. It runs on its own thread with its own read-only
// journal connection: a large replay never delays polling or publishing.

#include "core/curve.hpp"
#include "daemon/audit.hpp"
#include "daemon/journal.hpp"
#include "daemon/socket_thread.hpp"

#include <zmq.hpp>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

inline constexpr std::size_t k_replay_default_limit = 500;
inline constexpr std::size_t k_replay_max_limit = 1000;

// The reply frames to one request: the stored messages (alerts and alert
// updates; with "states":true each alert carries its current state), then
// {"type":"end","stream_seq":<head>,"epoch":…[,"truncated":true]}; or one
// {"type":"error","message":…} frame.
// `asked`, when given, receives what the request asked for and how many
// messages it got (for the audit).
struct ReplayAsked {
    std::string stream;
    std::int64_t after = 0;
    std::size_t limit = 0;
    std::optional<std::size_t> sent; // nullopt: answered with an error
};
std::vector<std::string> replay_answer(JournalReader& journal, std::string_view request,
                                       const std::set<std::string>& configured_streams,
                                       std::string_view epoch, ReplayAsked* asked = nullptr);

class ReplayServer {
public:
    // Binds `endpoint` (a CURVE server when `curve` is given) and starts
    // serving. Throws Error naming the endpoint.
    // Each request is audited (by key name with CURVE) and counted in
    // `counters` when given.
    ReplayServer(zmq::context_t& context, const std::string& endpoint,
                 const std::filesystem::path& state_dir, std::string epoch,
                 std::set<std::string> streams, const CurveCertificate* curve = nullptr,
                 AuditCounters* counters = nullptr);
    ~ReplayServer();
    ReplayServer(const ReplayServer&) = delete;
    ReplayServer& operator=(const ReplayServer&) = delete;

    // The configured streams changed (SIGHUP).
    void set_streams(std::set<std::string> streams);
    // Where it is bound (the real port when configured with port 0).
    const std::string& endpoint() const { return m_endpoint; }

private:
    void answer();

    zmq::socket_t m_socket;
    std::string m_endpoint;
    JournalReader m_journal;
    std::string m_epoch;
    bool m_curve;
    AuditCounters* m_counters;
    std::mutex m_mutex;
    std::set<std::string> m_streams;
    std::unique_ptr<SocketThread> m_thread; // last: stops first
};

} // namespace wijkwacht
