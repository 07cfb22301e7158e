// Black-box tests of replay: the real wijkwachtd's ROUTER endpoint over a
// real journal, `wijkwacht replay`, and `wijkwacht tail` filling gaps and
// resuming. The gap test plays the daemon's part on real sockets, since a
// real PUB socket cannot be told to lose a message.

#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <csignal>
#include <thread>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_wait = 15s;

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

std::int64_t seq_of(const std::string& alert) {
    return parse(alert)["stream_seq"].GetInt64();
}

std::string type_of(const std::string& frame) {
    const auto doc = parse(frame);
    return doc["type"].GetString();
}

// A daemon over a feed with three burglaries, and "noord", a stream they
// do not go to.
struct Daemon {
    TempDir dir;
    HttpServer server{[](const Request&) {
        std::string items;
        for (int i = 1; i <= 3; ++i)
            items += fmt::format("<item><guid>https://wijk.example/{0}</guid><title>Inbraak "
                                 "Dorpsstraat {0}</title></item>",
                                 i);
        items += "<item><guid>https://wijk.example/9</guid><title>Koffie</title></item>";
        return Reply{200,
                     {{"Content-Type", "application/rss+xml"}},
                     "<rss version=\"2.0\"><channel><title>W</title>" + items + "</channel></rss>"};
    }};
    std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    // Not configured: the daemon derives it from the publish endpoint.
    std::string replay = endpoint + ".replay";
    std::filesystem::path config = dir.path() / "w.toml";
    NotifySocket notify{dir.path() / "notify.sock"};
    std::unique_ptr<Process> process;
    std::string epoch;

    Daemon() {
        write_burglary_rule(dir.path() / "rules.toml");
        write_text(config, fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                                       "[publish]\nendpoint = \"{}\"\nheartbeat = \"200ms\"\n"
                                       "[[source]]\nname = \"wijk\"\ntype = \"feed\"\nurl = "
                                       "\"{}\"\ninterval = \"1h\"\ntags = {{ region = \"centrum\" "
                                       "}}\n"
                                       "[[stream]]\nname = \"all\"\n"
                                       "[[stream]]\nname = \"noord\"\nmatch_tags = {{ region = "
                                       "\"noord\" }}\n",
                                       endpoint, server.url("/w.xml")));
        process = std::make_unique<Process>(
            std::vector<std::string>{WIJKWACHTD_PATH, "--config", config.string()},
            std::map<std::string, std::string>{{"NOTIFY_SOCKET", notify.path().string()}},
            dir.path() / "daemon.log");
        REQUIRE(notify.wait_for("READY=1", k_wait));
        // A heartbeat at #3 says all three alerts are journaled.
        Subscriber sub(endpoint);
        const auto third = sub.until([](const Message& m) {
            return m.type() == "heartbeat" && m.stream == "all" && m.stream_seq() == 3;
        });
        REQUIRE(third);
        epoch = third->json["epoch"].GetString();
    }

    ~Daemon() {
        process->signal(SIGTERM);
        CHECK(process->wait(10s) == 0);
    }
};

// One request on a fresh socket of `type`; the reply frames after the envelope.
std::vector<std::string> ask(const std::string& endpoint, std::vector<std::string> request,
                             zmq::socket_type type = zmq::socket_type::req) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, type);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, static_cast<int>(k_wait / 1ms));
    socket.connect(endpoint);
    for (std::size_t i = 0; i < request.size(); ++i)
        socket.send(zmq::buffer(request[i]),
                    i + 1 < request.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    std::vector<zmq::message_t> frames;
    REQUIRE(zmq::recv_multipart(socket, std::back_inserter(frames)));
    std::vector<std::string> out;
    for (const auto& f : frames)
        out.push_back(f.to_string());
    return out;
}

std::vector<std::int64_t> alert_seqs(const std::string& output) {
    std::vector<std::int64_t> seqs;
    std::size_t pos = 0;
    while ((pos = output.find("{\"type\":\"alert\"", pos)) != std::string::npos) {
        const auto end = output.find('\n', pos);
        seqs.push_back(seq_of(output.substr(pos, end - pos)));
        pos = end;
    }
    return seqs;
}

} // namespace

TEST_CASE("the replay endpoint hands out a stream's stored alerts after a sequence") {
    Daemon d;
    auto reply = ask(d.replay, {R"({"stream":"all","after":0})"});
    REQUIRE(reply.size() == 4);
    for (int i = 0; i < 3; ++i) {
        CHECK(type_of(reply[i]) == "alert");
        CHECK(seq_of(reply[i]) == i + 1);
        CHECK(parse(reply[i])["stream"].GetString() == std::string("all"));
    }
    const auto end = parse(reply[3]);
    CHECK(end["type"].GetString() == std::string("end"));
    CHECK(end["stream_seq"].GetInt64() == 3);
    CHECK(end["epoch"].GetString() == d.epoch);
    CHECK_FALSE(end.HasMember("truncated"));

    reply = ask(d.replay, {R"({"stream":"all","after":1,"limit":1})"});
    REQUIRE(reply.size() == 2);
    CHECK(seq_of(reply[0]) == 2);
    CHECK(parse(reply[1])["stream_seq"].GetInt64() == 3);

    reply = ask(d.replay, {R"({"stream":"all","after":3})"});
    REQUIRE(reply.size() == 1);
    CHECK(type_of(reply[0]) == "end");

    // A configured stream without alerts yet.
    reply = ask(d.replay, {R"({"stream":"noord"})"});
    REQUIRE(reply.size() == 1);
    CHECK(parse(reply[0])["stream_seq"].GetInt64() == 0);

    // A DEALER may leave out the empty delimiter REQ sends.
    reply = ask(d.replay, {R"({"stream":"all","after":2})"}, zmq::socket_type::dealer);
    REQUIRE(reply.size() == 2);
    CHECK(seq_of(reply[0]) == 3);

    const auto error = [&](std::vector<std::string> request) {
        const auto r = ask(d.replay, std::move(request));
        REQUIRE(r.size() == 1);
        const auto doc = parse(r[0]);
        REQUIRE(doc["type"].GetString() == std::string("error"));
        return std::string(doc["message"].GetString());
    };
    CHECK(error({R"({"stream":"zuid"})"}) == "unknown stream \"zuid\"");
    CHECK(error({"not json"}).starts_with("request is not JSON: offset "));
    CHECK(error({R"(["all"])"}).starts_with("request must be an object"));
    CHECK(error({R"({"after":1})"}) == "request needs \"stream\": a stream name");
    CHECK(error({R"({"stream":"all","after":-1})"}).starts_with("\"after\" must be"));
    CHECK(error({R"({"stream":"all","limit":0})"}) == "\"limit\" must be 1 or more");
    CHECK(error({R"({"stream":"all","since":1})"}) == "unknown request key \"since\"");
    CHECK(error({R"({"stream":"all"})", "extra"}) == "a request is one frame of JSON");

    // A frame over 64 KiB drops that peer's connection, nothing more.
    {
        zmq::context_t context(1);
        zmq::socket_t big(context, zmq::socket_type::dealer);
        big.set(zmq::sockopt::linger, 0);
        big.connect(d.replay);
        big.send(zmq::buffer(std::string(100 * 1024, '{')), zmq::send_flags::none);
        zmq::message_t none;
        big.set(zmq::sockopt::rcvtimeo, 300);
        CHECK_FALSE(big.recv(none));
    }

    // Still serving after the bad requests.
    CHECK(ask(d.replay, {R"({"stream":"all"})"}).size() == 4);
}

TEST_CASE("wijkwacht replay prints stored alerts; a missing daemon is a clear error") {
    Daemon d;
    auto r = run_tool(d.dir, {"replay", "--config", d.config.string(), "--stream", "all", "--after",
                              "1", "--json"});
    CHECK(r.status == 0);
    CHECK(alert_seqs(r.output) == std::vector<std::int64_t>{2, 3});

    r = run_tool(d.dir, {"replay", "--endpoint", d.replay, "--stream", "all", "--limit", "1"});
    CHECK(r.status == 0);
    CHECK(r.output.find("crime.burglary  [all #1]") != std::string::npos);
    CHECK(r.output.find("[Inbraak] Dorpsstraat") != std::string::npos);
    CHECK(r.output.find("1 message(s) of all after #0") != std::string::npos);

    r = run_tool(d.dir, {"replay", "--endpoint", d.replay, "--stream", "zuid"});
    CHECK(r.status == 1);
    CHECK(r.output.find("unknown stream \"zuid\"") != std::string::npos);

    const std::string nowhere = "ipc://" + (d.dir.path() / "nobody.sock").string();
    r = run_tool(d.dir, {"replay", "--endpoint", nowhere, "--stream", "all", "--timeout", "300"});
    CHECK(r.status == 1);
    CHECK(r.output.find(
              "no answer from " + nowhere +
              " within 300 ms (is wijkwachtd running, is this its publish.replay_endpoint") !=
          std::string::npos);

    r = run_tool(d.dir, {"replay", "--after", "1"});
    CHECK(r.status == 2); // --stream is required
}

TEST_CASE("tail --since-seq replays first; tail --resume starts where the last run stopped") {
    Daemon d;
    const std::map<std::string, std::string> env{
        {"XDG_STATE_HOME", (d.dir.path() / "xdg").string()}};
    auto r = run_tool(
        d.dir, {"tail", "--config", d.config.string(), "--json", "--since-seq", "1", "-n", "2"},
        env);
    CHECK(r.status == 0);
    CHECK(alert_seqs(r.output) == std::vector<std::int64_t>{2, 3});

    // A first --resume run shows #1 and #2 and keeps its place...
    r = run_tool(d.dir,
                 {"tail", "--config", d.config.string(), "--json", "--resume", "--since-seq", "0",
                  "-n", "2"},
                 env);
    CHECK(alert_seqs(r.output) == std::vector<std::int64_t>{1, 2});
    const auto state_dir = d.dir.path() / "xdg" / "wijkwacht";
    REQUIRE(std::filesystem::exists(state_dir));
    const auto state = read_text(std::filesystem::directory_iterator(state_dir)->path());
    CHECK(state.find("\"epoch\":\"" + d.epoch + "\"") != std::string::npos);
    CHECK(state.find("\"all\":2") != std::string::npos);
    // ...and the next one starts after #2.
    r = run_tool(d.dir, {"tail", "--config", d.config.string(), "--json", "--resume", "-n", "1"},
                 env);
    CHECK(alert_seqs(r.output) == std::vector<std::int64_t>{3});
}

namespace {

// The daemon's part, played on real sockets: an XPUB that sees the
// subscription arrive and a ROUTER that answers replays from `stored`.
struct FakeDaemon {
    TempDir dir;
    zmq::context_t context{1};
    zmq::socket_t pub{context, zmq::socket_type::xpub};
    zmq::socket_t router{context, zmq::socket_type::router};
    std::string pub_endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    std::string replay_endpoint = "ipc://" + (dir.path() / "replay.sock").string();
    std::map<std::int64_t, std::string> stored;
    std::vector<std::string> requests;

    FakeDaemon() {
        pub.set(zmq::sockopt::linger, 0);
        router.set(zmq::sockopt::linger, 0);
        pub.bind(pub_endpoint);
        router.bind(replay_endpoint);
    }

    static std::string alert(std::int64_t seq, const std::string& epoch = "e1") {
        return fmt::format(R"({{"type":"alert","id":"a{0}","epoch":"{1}","seq":{0},)"
                           R"("stream":"all","stream_seq":{0},"flagged_at":"2026-11-29T10:00:00Z",)"
                           R"("severity":"high","categories":["crime.burglary"],"matches":[],)"
                           R"("post":{{"source":"s","platform":"feed","id":"p{0}","text":"t"}}}})",
                           seq, epoch);
    }

    void wait_for_subscriber() {
        pub.set(zmq::sockopt::rcvtimeo, static_cast<int>(k_wait / 1ms));
        zmq::message_t subscription;
        REQUIRE(pub.recv(subscription));
    }

    void publish(const std::string& body) {
        pub.send(zmq::str_buffer("all"), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(body), zmq::send_flags::none);
    }

    // Answers one replay request from `stored`.
    void answer_one() {
        router.set(zmq::sockopt::rcvtimeo, static_cast<int>(k_wait / 1ms));
        std::vector<zmq::message_t> frames;
        REQUIRE(zmq::recv_multipart(router, std::back_inserter(frames)));
        REQUIRE(frames.size() == 3); // identity, delimiter, request
        requests.push_back(frames[2].to_string());
        const auto request = parse(requests.back());
        const auto after = request["after"].GetInt64();
        router.send(frames[0], zmq::send_flags::sndmore);
        router.send(zmq::message_t(), zmq::send_flags::sndmore);
        for (auto it = stored.upper_bound(after); it != stored.end(); ++it)
            router.send(zmq::buffer(it->second), zmq::send_flags::sndmore);
        const auto head = stored.empty() ? 0 : stored.rbegin()->first;
        router.send(
            zmq::buffer(fmt::format(R"({{"type":"end","stream_seq":{},"epoch":"e1"}})", head)),
            zmq::send_flags::none);
    }
};

} // namespace

TEST_CASE("tail fills a gap in the live stream from the replay endpoint, in order") {
    FakeDaemon fake;
    Process tail({WIJKWACHT_PATH, "tail", "--json", "--endpoint", fake.pub_endpoint,
                  "--replay-endpoint", fake.replay_endpoint, "-n", "3"},
                 {}, {});
    fake.wait_for_subscriber();
    for (int i = 1; i <= 3; ++i)
        fake.stored[i] = FakeDaemon::alert(i);
    fake.publish(fake.stored[1]);
    auto line = tail.read_line(k_wait);
    REQUIRE(line);
    CHECK(seq_of(*line) == 1);
    // #2 is lost on the way; #3 arrives and gives the gap away.
    fake.publish(fake.stored[3]);
    fake.answer_one();
    CHECK(parse(fake.requests.at(0))["after"].GetInt64() == 1);
    line = tail.read_line(k_wait);
    REQUIRE(line);
    CHECK(seq_of(*line) == 2);
    line = tail.read_line(k_wait);
    REQUIRE(line);
    CHECK(seq_of(*line) == 3);
    CHECK(tail.wait(k_wait) == 0);
}

TEST_CASE("tail fetches what a heartbeat says it missed, and warns when it cannot") {
    FakeDaemon fake;
    Process tail({WIJKWACHT_PATH, "tail", "--json", "--endpoint", fake.pub_endpoint,
                  "--replay-endpoint", fake.replay_endpoint, "--timeout", "500", "-n", "3"},
                 {}, {});
    fake.wait_for_subscriber();
    fake.stored[1] = FakeDaemon::alert(1);
    fake.publish(fake.stored[1]);
    REQUIRE(tail.read_line(k_wait));
    // The last alert was lost: only the heartbeat tells.
    fake.stored[2] = FakeDaemon::alert(2);
    fake.publish(R"({"type":"heartbeat","epoch":"e1","stream":"all","stream_seq":2,"at":"x"})");
    fake.answer_one();
    const auto line = tail.read_line(k_wait);
    REQUIRE(line);
    CHECK(seq_of(*line) == 2);
    // The replay endpoint stops answering: the gap is reported, the live
    // alert after it still shown.
    fake.router.close();
    fake.publish(FakeDaemon::alert(5));
    const auto after = tail.read_line(k_wait);
    REQUIRE(after);
    CHECK(seq_of(*after) == 5);
    CHECK(tail.wait(k_wait) == 0);
}

TEST_CASE("a --resume run that saw only a heartbeat keeps that place for the next run") {
    FakeDaemon fake;
    const std::map<std::string, std::string> env{
        {"XDG_STATE_HOME", (fake.dir.path() / "xdg").string()}};
    {
        Process first({WIJKWACHT_PATH, "tail", "--json", "--heartbeats", "--resume", "--endpoint",
                       fake.pub_endpoint, "--replay-endpoint", fake.replay_endpoint},
                      env, {});
        fake.wait_for_subscriber();
        fake.publish(R"({"type":"heartbeat","epoch":"e1","stream":"all","stream_seq":5,"at":"x"})");
        REQUIRE(first.read_line(k_wait)); // the heartbeat, handled
        first.signal(SIGINT);
        CHECK(first.wait(k_wait) == 0);
    }
    // #6 and #7 come while no tail runs; the next --resume run fetches them.
    fake.stored[6] = FakeDaemon::alert(6);
    fake.stored[7] = FakeDaemon::alert(7);
    Process second({WIJKWACHT_PATH, "tail", "--json", "--resume", "--endpoint", fake.pub_endpoint,
                    "--replay-endpoint", fake.replay_endpoint, "-n", "2"},
                   env, {});
    fake.answer_one();
    CHECK(parse(fake.requests.at(0))["after"].GetInt64() == 5);
    for (const std::int64_t want : {6, 7}) {
        const auto line = second.read_line(k_wait);
        REQUIRE(line);
        CHECK(seq_of(*line) == want);
    }
    CHECK(second.wait(k_wait) == 0);
}

TEST_CASE("tail says so when nothing, not even a heartbeat, arrives") {
    FakeDaemon fake;
    const auto out = fake.dir.path() / "tail.txt";
    Process tail({WIJKWACHT_PATH, "tail", "--json", "--endpoint", fake.pub_endpoint,
                  "--replay-endpoint", fake.replay_endpoint, "--silence", "300", "-n", "1"},
                 {}, out);
    fake.wait_for_subscriber();
    // Its only way out is stderr: watch the file until the warning is there.
    const auto deadline = std::chrono::steady_clock::now() + k_wait;
    while (read_text(out).find("nothing from " + fake.pub_endpoint + " for 300ms") ==
               std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    CHECK(read_text(out).find("is it running, and is this its publish.endpoint?") !=
          std::string::npos);
    fake.publish(FakeDaemon::alert(1));
    CHECK(tail.wait(k_wait) == 0);
    CHECK(read_text(out).find(fake.pub_endpoint + " is sending again") != std::string::npos);
}

TEST_CASE("tail --resume over a reset journal warns and starts the stream over") {
    FakeDaemon fake;
    const auto xdg = fake.dir.path() / "xdg";
    std::string name = "tail-";
    for (const char c : fake.pub_endpoint)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    std::filesystem::create_directories(xdg / "wijkwacht");
    write_text(xdg / "wijkwacht" / (name + ".json"), R"({"epoch":"old","streams":{"all":5}})");
    fake.stored[1] = FakeDaemon::alert(1);
    fake.stored[2] = FakeDaemon::alert(2);
    const auto out = fake.dir.path() / "tail.txt";
    Process tail({WIJKWACHT_PATH, "tail", "--json", "--resume", "--endpoint", fake.pub_endpoint,
                  "--replay-endpoint", fake.replay_endpoint, "-n", "2"},
                 {{"XDG_STATE_HOME", xdg.string()}}, out);
    fake.answer_one(); // after #5 of the old journal: the epoch gives it away
    fake.answer_one(); // from the start of the new one
    CHECK(tail.wait(k_wait) == 0);
    CHECK(parse(fake.requests.at(0))["after"].GetInt64() == 5);
    CHECK(parse(fake.requests.at(1))["after"].GetInt64() == 0);
    const auto text = read_text(out);
    CHECK(text.find("WARNING: the daemon's journal epoch changed (old -> e1)") !=
          std::string::npos);
    CHECK(alert_seqs(text) == std::vector<std::int64_t>{1, 2});
}
