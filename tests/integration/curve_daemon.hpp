#pragma once

// The real wijkwachtd with CURVE on, keys made by the real `wijkwacht
// keygen` (server, alice, bob, mallory; the staff named are authorized),
// fed a loopback feed with one burglary, its endpoints on ipc:// sockets in
// a temporary directory.

#include "tests/integration/run_tool.hpp"
#include "tests/integration/subscriber.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wijkwacht::test {

// The value of `name = "…"` in a key file.
inline std::string key_in(const std::filesystem::path& file, std::string_view name) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (const auto at = line.find(std::string(name) + " = \""); at != std::string::npos)
            return line.substr(at + name.size() + 4, 40);
    FAIL("no " << name << " in " << file);
    return {};
}

// Holds the feed's answer while closed, so a test can connect its
// subscribers before the daemon has anything to publish. Open by default.
class FeedGate {
public:
    void close() {
        const std::lock_guard lock(m_mutex);
        m_open = false;
    }
    void open() {
        {
            const std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_changed.notify_all();
    }
    // Waits while closed, for at most `limit`.
    void pass(std::chrono::seconds limit) {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, limit, [this] { return m_open; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_open = true;
};

struct CurveDaemon {
    TempDir dir;
    std::shared_ptr<FeedGate> gate = std::make_shared<FeedGate>();
    HttpServer server{[gate = gate](const Request&) {
        gate->pass(std::chrono::seconds(15));
        return Reply{200,
                     {{"Content-Type", "application/rss+xml"}},
                     "<rss version=\"2.0\"><channel><title>W</title><item><guid>https://w."
                     "example/1</guid><title>Inbraak Kerkstraat</title></item></channel></rss>"};
    }};
    std::filesystem::path keys = dir.path() / "keys";
    std::filesystem::path authorized = dir.path() / "authorized.d";
    std::filesystem::path config = dir.path() / "w.toml";
    std::filesystem::path log = dir.path() / "daemon.log";
    std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    std::string replay = "ipc://" + (dir.path() / "replay.sock").string();
    std::string workflow = "ipc://" + (dir.path() / "workflow.sock").string();
    NotifySocket notify{dir.path() / "notify.sock"};
    std::unique_ptr<Process> process;

    // `staff`: whose keys are authorized; `more_config`: TOML appended.
    explicit CurveDaemon(const std::vector<std::string>& staff = {"alice"},
                         const std::string& more_config = "") {
        for (const auto* name : {"server", "alice", "bob", "mallory"})
            REQUIRE(run_tool(dir, {"keygen", keys.string(), name}).status == 0);
        std::filesystem::create_directories(authorized);
        for (const auto& name : staff)
            std::filesystem::copy_file(keys / (name + ".key"), authorized / (name + ".key"));
        write_burglary_rule(dir.path() / "rules.toml");
        write_text(config,
                   fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"rules.toml\"]\n"
                               "[publish]\nendpoint = \"{}\"\nreplay_endpoint = \"{}\"\n"
                               "workflow_endpoint = \"{}\"\n"
                               "heartbeat = \"200ms\"\nserver_secret_key = \"{}\"\n"
                               "authorized_keys = \"{}\"\n"
                               "[[source]]\nname = \"w\"\ntype = \"feed\"\nurl = \"{}\"\n"
                               "interval = \"1h\"\n{}",
                               endpoint, replay, workflow, (keys / "server.key_secret").string(),
                               authorized.string(), server.url("/w.xml"), more_config));
    }

    void start() {
        process = std::make_unique<Process>(
            std::vector<std::string>{WIJKWACHTD_PATH, "--config", config.string(), "--log-level",
                                     "info"},
            std::map<std::string, std::string>{{"NOTIFY_SOCKET", notify.path().string()}}, log);
        REQUIRE(notify.wait_for("READY=1", std::chrono::seconds(15)));
    }

    void stop() {
        process->signal(SIGTERM);
        CHECK(process->wait(std::chrono::seconds(10)) == 0);
        process.reset();
    }

    CurveKeys keys_of(const std::string& name) const {
        return {key_in(keys / "server.key", "public-key"),
                key_in(keys / (name + ".key_secret"), "public-key"),
                key_in(keys / (name + ".key_secret"), "secret-key")};
    }

    // The tools' options for connecting as `name`.
    std::vector<std::string> tool_keys(const std::string& name) const {
        return {"--server-key", (keys / "server.key").string(), "--key",
                (keys / (name + ".key_secret")).string()};
    }

    ~CurveDaemon() {
        gate->open();
        if (process)
            stop();
    }
};

} // namespace wijkwacht::test
