#include "cli/follower.hpp"

#include "core/json_util.hpp"

#include <fmt/format.h>
#include <zmq_addon.hpp>

namespace wijkwacht::cli {

StreamFollower::StreamFollower(zmq::context_t& context, FollowerOptions options,
                               FollowerEvents events)
    : m_context(context), m_o(std::move(options)), m_events(std::move(events)),
      m_replay(context, m_o.replay_endpoint, m_o.timeout, m_o.keys) {
    m_thread = std::thread([this] { run(); });
}

StreamFollower::~StreamFollower() {
    m_stop = true;
    m_thread.join();
}

void StreamFollower::status(bool up, const std::string& why) {
    if (m_up == up)
        return;
    m_up = up;
    m_events.on_status(up, why);
}

void StreamFollower::note_epoch(const std::string& epoch) {
    if (epoch.empty() || epoch == m_epoch)
        return;
    const bool changed = !m_epoch.empty();
    m_epoch = epoch;
    if (changed)
        for (auto& [stream, last] : m_last)
            last = 0;
    m_events.on_epoch(epoch, changed);
}

// Delivers the stored messages of `stream` after the last one delivered, up
// to `upto` (0: all there are); false when the replay endpoint could not be
// asked.
bool StreamFollower::fill(const std::string& stream, std::int64_t upto) {
    while (!m_stop) {
        const auto after = m_last[stream];
        if (upto != 0 && after >= upto)
            return true;
        auto page = m_replay.fetch(stream, after, 1000);
        if (!page) {
            status(false, page.failure().message);
            return false;
        }
        status(true, "");
        if (!page->epoch.empty() && !m_epoch.empty() && page->epoch != m_epoch) {
            note_epoch(page->epoch);
            continue; // numbers start over: fetch again from 0
        }
        note_epoch(page->epoch);
        for (auto& body : page->alerts) {
            const auto seq = stream_seq_of(body);
            if (seq <= m_last[stream])
                continue;
            m_last[stream] = seq;
            m_events.on_message({stream, seq, std::move(body)});
        }
        if (page->alerts.empty() || m_last[stream] >= page->head)
            return true;
    }
    return false;
}

// The newest `backlog` messages of a stream.
void StreamFollower::load(const std::string& stream) {
    auto probe = m_replay.fetch(stream, 0, 1);
    if (!probe) {
        status(false, probe.failure().message);
        return;
    }
    note_epoch(probe->epoch);
    m_last[stream] =
        std::max<std::int64_t>(0, probe->head - static_cast<std::int64_t>(m_o.backlog));
    fill(stream, 0);
}

void StreamFollower::on_live(const std::string& stream, const std::string& body) {
    rapidjson::Document doc;
    if (parse_json(body, doc, 64) || !doc.IsObject())
        return;
    note_epoch(json_text(doc, "epoch"));
    const auto type = json_text(doc, "type");
    const auto seq = json_int64(doc, "stream_seq").value_or(0);
    if (type == "heartbeat") {
        if (seq > m_last[stream])
            fill(stream, seq); // the last messages were lost
        return;
    }
    if (type != "alert" && type != "alert_update")
        return;
    if (seq <= m_last[stream])
        return; // delivered already, from the replay endpoint
    if (seq > m_last[stream] + 1 && !fill(stream, seq - 1))
        return; // retried at the next heartbeat
    if (seq != m_last[stream] + 1)
        return;
    m_last[stream] = seq;
    m_events.on_message({stream, seq, body});
}

void StreamFollower::run() {
    zmq::socket_t socket(m_context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    if (m_o.keys)
        make_curve_client(socket, *m_o.keys);
    for (const auto& stream : m_o.streams)
        socket.set(zmq::sockopt::subscribe, stream);
    HandshakeWatch watch(m_context, socket, m_o.endpoint, m_o.keys.has_value());
    socket.connect(m_o.endpoint);
    // Subscribed first, then loaded: what is published meanwhile waits in
    // the socket and is skipped by number.
    for (const auto& stream : m_o.streams)
        load(stream);
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                               {static_cast<void*>(watch.socket()), 0, ZMQ_POLLIN, 0}};
    auto heard = std::chrono::steady_clock::now();
    while (!m_stop) {
        try {
            zmq::poll(items, 2, std::chrono::milliseconds(200));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR)
                continue;
            status(false, e.what());
            return;
        }
        if (items[1].revents & ZMQ_POLLIN)
            if (const auto why = watch.failure())
                status(false, *why);
        if (!(items[0].revents & ZMQ_POLLIN)) {
            if (std::chrono::steady_clock::now() - heard >= m_o.silence)
                status(false, fmt::format("nothing from {} for {} s (not even a heartbeat)",
                                          m_o.endpoint, m_o.silence.count() / 1000));
            continue;
        }
        std::vector<zmq::message_t> frames;
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait) ||
            frames.size() != 2)
            continue;
        heard = std::chrono::steady_clock::now();
        const auto stream = frames[0].to_string();
        if (!m_last.count(stream))
            load(stream); // the daemon was not there at the start
        status(true, "");
        on_live(stream, frames[1].to_string());
    }
}

} // namespace wijkwacht::cli
