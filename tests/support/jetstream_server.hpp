#pragma once

// A loopback Jetstream (v1 `/subscribe` wire) for black-box tests: a real
// websocket server on 127.0.0.1 that keeps a log of events, replays it from
// a client's cursor (microseconds, inclusive), tails new events live,
// compresses with a zstd dictionary when the client asks, and misbehaves
// on demand (refuse the upgrade, drop every connection, stall without
// answering pings).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wijkwacht::test {

class JetstreamServer {
public:
    JetstreamServer();
    ~JetstreamServer();
    JetstreamServer(const JetstreamServer&) = delete;
    JetstreamServer& operator=(const JetstreamServer&) = delete;

    std::string url() const; // ws://127.0.0.1:PORT

    // Appends an event (its "time_us" is read from the JSON) and sends it to
    // every open connection.
    void publish(const std::string& event_json);
    // The same for many events at once (one hop to the server's thread).
    void publish(const std::vector<std::string>& events);
    // Sends raw bytes as one text message to every open connection (not logged).
    void send_raw(const std::string& bytes);
    // Closes every open connection without a close frame.
    void drop();
    // Answers upgrades with this HTTP status and body (0: accept again).
    void refuse(int status, std::string body = {});
    // New connections are accepted, then neither read nor written.
    void stall(bool on);
    // Binary zstd frames with this dictionary for clients asking compress=true.
    void compress_with(std::string dictionary);

    // What clients did, in order.
    struct Seen {
        std::string target; // request target, with the query
        std::string user_agent;
        std::string hello; // the first message (options_update)
    };
    std::vector<Seen> connections() const;
    // Waits until `n` connections have sent their hello (or were refused);
    // false on timeout.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;
    std::size_t open() const; // connections open now

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace wijkwacht::test
