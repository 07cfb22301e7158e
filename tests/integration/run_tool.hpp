#pragma once

// Runs the real `wijkwacht` tool once, for the black-box tests.

#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
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

} // namespace wijkwacht::test
