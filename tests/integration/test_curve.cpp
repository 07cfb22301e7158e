// Black-box tests of CURVE: the real wijkwachtd with keys from the real
// `wijkwacht keygen`, subscribers with and without an authorized key.

#include "tests/integration/curve_daemon.hpp"
#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <sys/stat.h>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {
constexpr auto k_wait = 15s;
} // namespace

TEST_CASE("with CURVE only authorized keys receive alerts; refusals are logged with the key") {
    CurveDaemon d;
    // The feed answers only once Alice's subscription is live, so the alert
    // cannot go out before she is there to get it.
    d.gate->close();
    d.start();
    Subscriber plain(d.endpoint);
    Subscriber mallory(d.endpoint, d.keys_of("mallory"));
    Subscriber alice(d.endpoint, d.keys_of("alice"));
    REQUIRE(alice.until([](const Message& m) { return m.type() == "heartbeat"; }, k_wait));
    d.gate->open();
    // Alice gets the alert and heartbeats (and is named in the log)...
    int heartbeats = 1;
    bool alert = false;
    REQUIRE(alice.until(
        [&](const Message& m) {
            heartbeats += m.type() == "heartbeat";
            alert = alert || m.type() == "alert";
            return heartbeats >= 3 && alert;
        },
        k_wait));
    // ...while the others, connected before her, got nothing.
    CHECK_FALSE(plain.next(0ms));
    CHECK_FALSE(mallory.next(0ms));
    // The log is written by the daemon's handler thread: wait for the lines.
    const auto logged = [&](const std::string& text) {
        return wait_for_text(d.log, text, k_wait);
    };
    CHECK(logged("[audit] handshake key=alice public_key=" + d.keys_of("alice").public_key));
    CHECK(logged("refused key " + d.keys_of("mallory").public_key + " from"));
    CHECK(logged("[audit] refused public_key=" + d.keys_of("mallory").public_key));
    const auto log = read_text(d.log);
    CHECK(log.find("with CURVE (key " + d.keys_of("server").public_key) != std::string::npos);
    CHECK(log.find(d.keys_of("server").secret_key) == std::string::npos);

    // The tools connect with the staff member's key, to both sockets.
    const std::vector<std::string> alice_keys{"--server-key", (d.keys / "server.key").string(),
                                              "--key", (d.keys / "alice.key_secret").string()};
    ToolRun r;
    std::vector<std::string> args{"replay", "--endpoint", d.replay, "--stream", "all", "--json"};
    args.insert(args.end(), alice_keys.begin(), alice_keys.end());
    r = run_tool(d.dir, args);
    CHECK(r.status == 0);
    CHECK(r.output.find("\"Inbraak Kerkstraat\"") != std::string::npos);
    // Who replayed what is on record, by key name; the alerts' text is not.
    CHECK(logged("[audit] replay key=alice stream=all after=0 limit=1000 result=\"1 sent\""));
    CHECK(read_text(d.log).find("Kerkstraat") == std::string::npos);
    args = {"tail",   "--endpoint", d.endpoint,    "--replay-endpoint",
            d.replay, "--json",     "--since-seq", "0",
            "-n",     "1"};
    args.insert(args.end(), alice_keys.begin(), alice_keys.end());
    r = run_tool(d.dir, args);
    CHECK(r.status == 0);
    CHECK(r.output.find("\"Inbraak Kerkstraat\"") != std::string::npos);
    // Without a key, or with one it does not know, the daemon refuses the
    // handshake, and the tools say so instead of waiting in silence.
    r = run_tool(d.dir, {"replay", "--endpoint", d.replay, "--stream", "all"});
    CHECK(r.status == 1);
    CHECK(r.output.find("the daemon probably requires CURVE; connect with --server-key "
                        "and --key") != std::string::npos);
    const std::vector<std::string> mallory_keys{"--server-key", (d.keys / "server.key").string(),
                                                "--key", (d.keys / "mallory.key_secret").string()};
    args = {"replay", "--endpoint", d.replay, "--stream", "all"};
    args.insert(args.end(), mallory_keys.begin(), mallory_keys.end());
    r = run_tool(d.dir, args);
    CHECK(r.status == 1);
    CHECK(r.output.find(d.replay + " refused your key (status 400)") != std::string::npos);
    args = {"tail", "--endpoint", d.endpoint, "--replay-endpoint", d.replay};
    args.insert(args.end(), mallory_keys.begin(), mallory_keys.end());
    r = run_tool(d.dir, args);
    CHECK(r.status == 1);
    CHECK(r.output.find(d.endpoint + " refused your key (status 400): send your NAME.key") !=
          std::string::npos);
    r = run_tool(d.dir, {"tail", "--endpoint", d.endpoint});
    CHECK(r.status == 1);
    CHECK(r.output.find("requires CURVE") != std::string::npos);
    // Half a key pair is a usage error.
    r = run_tool(d.dir, {"replay", "--endpoint", d.replay, "--stream", "all", "--server-key",
                         (d.keys / "server.key").string()});
    CHECK(r.status == 2);
    CHECK(r.output.find("CURVE needs both --server-key") != std::string::npos);

    // SIGHUP re-reads the key directory: mallory's next connection is
    // admitted (a refused one is closed for good by libzmq).
    std::filesystem::copy_file(d.keys / "mallory.key", d.authorized / "mallory.key");
    d.process->signal(SIGHUP);
    REQUIRE(d.notify.wait_for("READY=1", k_wait));
    Subscriber again(d.endpoint, d.keys_of("mallory"));
    CHECK(is_heartbeat(again.next(k_wait)));
    CHECK_FALSE(plain.next(0ms));
}

TEST_CASE("CURVE key problems stop the daemon at start with a clear error") {
    CurveDaemon d;
    const auto out = d.dir.path() / "start.txt";
    const auto start = [&] {
        Process p({WIJKWACHTD_PATH, "--config", d.config.string()}, {}, out);
        const auto status = p.wait(30s);
        REQUIRE(status);
        return *status;
    };
    ::chmod((d.keys / "server.key_secret").c_str(), 0644);
    CHECK(start() == 2);
    CHECK(read_text(out).find("server.key_secret: a secret key must be readable by its owner "
                              "only (mode 0644; chmod 600 it)") != std::string::npos);
    ::chmod((d.keys / "server.key_secret").c_str(), 0600);

    write_text(d.authorized / "broken.key", "curve\n    public-key = \"short\"\n");
    CHECK(start() == 2);
    CHECK(read_text(out).find("broken.key:2: public-key is not a 40-character Z85 key") !=
          std::string::npos);
    std::filesystem::remove(d.authorized / "broken.key");

    // --check reads the keys too.
    Process check({WIJKWACHTD_PATH, "--config", d.config.string(), "--check"}, {}, out);
    CHECK(check.wait(30s) == 0);
    CHECK(read_text(out).find("curve      on, server key " + d.keys_of("server").public_key +
                              ", 1 authorized key(s)") != std::string::npos);
}
