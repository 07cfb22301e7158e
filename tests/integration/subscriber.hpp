#pragma once

// A real ZeroMQ subscriber for the black-box tests: every stream, CURVE when
// given keys; messages parsed, alerts and source_health events kept.

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wijkwacht::test {

struct Message {
    std::string stream;
    std::string body;
    rapidjson::Document json;
    std::string type() const {
        const auto it = json.FindMember("type");
        return it != json.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
    }
    std::int64_t stream_seq() const { return json["stream_seq"].GetInt64(); }
};

// Z85 keys of a CURVE client: the daemon's public key, and its own pair.
struct CurveKeys {
    std::string server_public;
    std::string public_key;
    std::string secret_key;
};

class Subscriber {
public:
    explicit Subscriber(const std::string& endpoint,
                        const std::optional<CurveKeys>& keys = std::nullopt)
        : m_socket(m_context, zmq::socket_type::sub) {
        m_socket.set(zmq::sockopt::linger, 0);
        if (keys) {
            m_socket.set(zmq::sockopt::curve_serverkey, keys->server_public);
            m_socket.set(zmq::sockopt::curve_publickey, keys->public_key);
            m_socket.set(zmq::sockopt::curve_secretkey, keys->secret_key);
        }
        m_socket.set(zmq::sockopt::subscribe, "");
        m_socket.connect(endpoint);
    }

    // The next message, or nullopt when `timeout` passes first.
    std::optional<Message> next(std::chrono::milliseconds timeout) {
        zmq::pollitem_t item{static_cast<void*>(m_socket), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0)
            return std::nullopt;
        std::vector<zmq::message_t> frames;
        REQUIRE(zmq::recv_multipart(m_socket, std::back_inserter(frames)));
        REQUIRE(frames.size() == 2);
        Message m;
        m.stream = frames[0].to_string();
        m.body = frames[1].to_string();
        m.json.Parse(m.body.c_str());
        REQUIRE_FALSE(m.json.HasParseError());
        if (m.type() == "alert")
            alerts.push_back(m.body);
        else if (m.type() == "source_health")
            health.push_back(m.body);
        return m;
    }

    // Reads until a message satisfies `want`; nullopt when `timeout` passes
    // (generous for slow CI machines: the event ends the wait early).
    template <typename Pred>
    std::optional<Message> until(Pred want,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto m = next(std::max(left, std::chrono::milliseconds(1)));
            if (m && want(*m))
                return m;
        }
        return std::nullopt;
    }

    std::vector<std::string> alerts; // every alert body seen
    std::vector<std::string> health; // every source_health body seen

private:
    zmq::context_t m_context{1};
    zmq::socket_t m_socket;
};

inline bool is_heartbeat(const std::optional<Message>& m) {
    return m && m->type() == "heartbeat";
}

} // namespace wijkwacht::test
