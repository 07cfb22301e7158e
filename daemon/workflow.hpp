#pragma once

// The team workflow (SPEC §5): staff claim, acknowledge, escalate, note and
// resolve alerts. The rules of who may do what to an alert in which state
// live here, apart from the journal that records the outcome and the
// socket that carries the requests, so they can be read (and tested) on
// their own.
//
// States: new → claimed → acknowledged → resolved, and back with release
// and reopen; escalated (handed on to another stream, waiting for someone
// there). Claiming and acknowledging make the actor the alert's owner; a
// claim or acknowledgement held by someone else is refused unless released
// by them or forced. A claim untouched for publish.claim_timeout goes back
// to new (the daemon does that, as "expire").

#include "core/curve.hpp"
#include "daemon/socket_thread.hpp"

#include <wijkwacht/error.hpp>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace wijkwacht {

namespace state {
inline constexpr std::string_view fresh = "new";
inline constexpr std::string_view claimed = "claimed";
inline constexpr std::string_view acknowledged = "acknowledged";
inline constexpr std::string_view resolved = "resolved";
inline constexpr std::string_view escalated = "escalated";
} // namespace state

inline constexpr std::size_t k_max_note_bytes = 4000;
inline constexpr std::size_t k_max_workflow_request = 8 * 1024;

struct WorkflowRequest {
    std::string op;    // claim | release | ack | resolve | reopen | escalate | note
    std::string alert; // an alert id, or the first 6 or more of its hex digits
    std::string note;
    std::string to; // escalate: the stream it goes to
    bool force = false;
    std::string as; // without CURVE only: who the client says it is
};

// A request frame read, or what is wrong with it.
Result<WorkflowRequest> parse_workflow_request(std::string_view json);

// Where an alert stands.
struct WorkState {
    std::string state{state::fresh};
    std::string owner;      // who claimed, acknowledged or resolved it
    std::string changed_at; // RFC 3339; empty while nobody touched it
};

// What an accepted request does: the state it leaves, its owner, whether
// anything changes at all (claiming what one holds already does not).
struct Transition {
    std::string from, state, owner;
    bool changes = true;
};

// Whether `actor` may do `request` to an alert in `current`; the message
// says why not and what to do instead. `to` (escalate) is checked by the
// journal, which knows the streams.
std::variant<Transition, std::string>
decide(const WorkState& current, const WorkflowRequest& request, const std::string& actor);

// The message published (and replayed) for an accepted transition.
struct AlertUpdate {
    std::string epoch, stream;
    std::int64_t stream_seq = 0;
    std::string alert, op, from, state, owner, by, at, note, to;
};
std::string to_json(const AlertUpdate& update);

// `object_json` (a JSON object the daemon wrote) with where an alert stands
// added: "state", "owner" when someone holds it, and when it changed under
// `changed_key`.
std::string with_state(std::string object_json, const WorkState& now,
                       std::string_view changed_key = "changed_at");

// The reply frames of the workflow endpoint.
std::string workflow_ok(std::string_view alert, const WorkState& now, bool changed);
std::string workflow_error(std::string_view message, const WorkState* now = nullptr);

// The workflow endpoint: a ROUTER socket served on its own thread. Each
// request is handed to `handle` on the daemon's event loop (which owns the
// journal and the publisher) and the reply sent back from here. The actor
// is the name the CURVE authentication handler gave the client's key.
class WorkflowServer {
public:
    // (actor from CURVE, or empty without it; the request frame) -> reply frame
    using Handler = std::function<std::string(const std::string& actor, std::string_view request)>;

    // Binds `endpoint` (a CURVE server when `curve` is given). Throws Error
    // naming the endpoint.
    WorkflowServer(zmq::context_t& context, boost::asio::io_context& io,
                   const std::string& endpoint, const CurveCertificate* curve, Handler handle);
    ~WorkflowServer();
    WorkflowServer(const WorkflowServer&) = delete;
    WorkflowServer& operator=(const WorkflowServer&) = delete;

    const std::string& endpoint() const { return m_endpoint; }

private:
    void answer();
    std::string on_loop(const std::string& actor, std::string request);

    boost::asio::io_context& m_io;
    zmq::socket_t m_socket;
    std::string m_endpoint;
    bool m_curve;
    Handler m_handle;
    std::atomic<bool> m_closing{false};
    std::unique_ptr<SocketThread> m_thread; // last: stops first
};

} // namespace wijkwacht
