#pragma once

// The real programs for the black-box tests: `wijkwacht` run once, and
// `wijkwachtd` started on a configuration.

#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wijkwacht::test {

struct ToolRun {
    int status;
    std::string output; // stdout and stderr
};

// `wijkwacht ARGS...` with NO_COLOR and `env`, its output in DIR/out.txt.
inline ToolRun run_tool(const TempDir& dir, std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), WIJKWACHT_PATH);
    const auto out = dir.path() / "out.txt";
    std::filesystem::remove(out);
    env.emplace("NO_COLOR", "1");
    Process p(args, env, out);
    const auto status = p.wait(std::chrono::seconds(30));
    REQUIRE(status);
    return {*status, read_text(out)};
}

// `wijkwachtd --config CONFIG --log-level debug EXTRA...`, its output in `log`.
inline std::unique_ptr<Process> start_wijkwachtd(const std::filesystem::path& config,
                                                 const std::filesystem::path& log,
                                                 std::map<std::string, std::string> env = {},
                                                 std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{WIJKWACHTD_PATH, "--config", config.string(), "--log-level",
                                  "debug"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(argv, std::move(env), log);
}

} // namespace wijkwacht::test
