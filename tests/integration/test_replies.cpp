// Black-box: replies under an officer's posts (replies = "7d") become
// alerts, with `to:` in the rules; a deleted post's thread is stepped over.

#include "tests/integration/run_tool.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace wijkwacht::test;
using namespace std::chrono_literals;

namespace {

std::string status(std::string_view id, std::string_view account, std::string_view text,
                   std::string_view reply_to = "") {
    return fmt::format(
        R"({{"id":"{0}","created_at":"{3}","in_reply_to_id":{2},"in_reply_to_account_id":{4},)"
        R"("uri":"https://m.example/users/{1}/statuses/{0}","url":"https://m.example/@{1}/{0}",)"
        R"("content":"<p>{5}</p>","account":{{"id":"{1}","acct":"{1}","username":"{1}"}},)"
        R"("mentions":[],"media_attachments":[]}})",
        id, account, reply_to.empty() ? "null" : fmt::format("\"{}\"", reply_to),
        "2099-01-01T00:00:00Z" /* within any window */, reply_to.empty() ? "null" : "\"wijkagent\"",
        text);
}

} // namespace

TEST_CASE("replies under an officer's posts become alerts; to: matches them; a deleted post's "
          "thread is stepped over") {
    TempDir dir;
    HttpServer server([](const Request& r) {
        const auto json = [](std::string body) {
            return Reply{200, {{"Content-Type", "application/json"}}, std::move(body)};
        };
        if (r.target.starts_with("/api/v1/accounts/lookup"))
            return json(R"({"id":"wijkagent"})");
        if (r.target.starts_with("/api/v1/accounts/wijkagent/statuses"))
            return json("[" + status("2", "wijkagent", "Wie heeft iets gezien?") + "," +
                        status("1", "wijkagent", "Oud bericht, inmiddels verwijderd") + "]");
        if (r.target == "/api/v1/statuses/2/context")
            return json(R"({"ancestors":[],"descendants":[)" +
                        status("20", "anna", "Ik zag een man bij de schuur", "2") + "," +
                        status("21", "ben", "Mooi weer vandaag", "2") + "]}");
        if (r.target == "/api/v1/statuses/1/context")
            return Reply{
                404, {{"Content-Type", "application/json"}}, R"({"error":"Record not found"})"};
        return Reply{404, {}, "{}"};
    });
    write_text(dir.path() / "rules.toml", R"(
[[rule]]
id = "tip"
category = "public.witness_appeal"
query = 'to:wijkagent (zag OR gezien OR herken*)'
)");
    const std::string endpoint = "ipc://" + (dir.path() / "pub.sock").string();
    write_text(dir.path() / "w.toml", fmt::format(R"toml(
[daemon]
state_dir = "state"
rules = ["rules.toml"]
[publish]
endpoint = "{}"
heartbeat = "200ms"
[[source]]
name = "wijkagent"
type = "mastodon"
instance = "{}"
account = "wijkagent"
replies = "7d"
interval = "1h"
)toml",
                                                  endpoint, server.url("")));
    const auto daemon = start_wijkwachtd(dir.path() / "w.toml", dir.path() / "daemon.log");
    REQUIRE(server.wait_for_requests(1, "/api/v1/statuses/1/context", 15s));
    const auto log = dir.path() / "daemon.log";
    CHECK(wait_for_text(log, "1 alert(s)", 15s));
    CHECK(wait_for_text(log, "[source:wijkagent] skipped: ", 15s));
    CHECK(read_text(log).find("poll failed") ==
          std::string::npos); // no backoff for a deleted thread

    const auto replayed = run_tool(
        dir, {"replay", "--config", (dir.path() / "w.toml").string(), "--stream", "all", "--json"});
    INFO(replayed.output << "\n" << read_text(log));
    CHECK(replayed.status == 0);
    CHECK(std::count(replayed.output.begin(), replayed.output.end(), '\n') == 1);
    CHECK(replayed.output.find("Ik zag een man bij de schuur") != std::string::npos); // Anna's tip
    CHECK(replayed.output.find(R"("reply_to":{"id":"2","author":{"handle":"wijkagent@)") !=
          std::string::npos);
    CHECK(replayed.output.find("Mooi weer") == std::string::npos); // Ben's weather is no tip
}
