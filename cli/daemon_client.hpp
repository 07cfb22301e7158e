#pragma once

// What the tools that talk to the daemon (tail, the workflow commands, the
// console) share: where its endpoints are, and who you are to it.

#include "cli/curve_client.hpp"

#include <wijkwacht/config.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace wijkwacht::cli {

struct DaemonEndpoints {
    std::string publish = PublishConfig{}.endpoint;
    std::string replay;   // empty: from `config`, else the publish port + 1
    std::string workflow; // empty: from `config`, else the publish port + 2
    std::string config;   // the daemon's configuration, read for its endpoints

    // Fills in what was not given. Throws ConfigError (a bad `config`).
    void resolve();
};

// -e/--endpoint and -c/--config, and --replay-endpoint and
// --workflow-endpoint when the command uses them.
void add_endpoint_options(CLI::App& command, DaemonEndpoints& endpoints, bool replay,
                          bool workflow);

// Who you say you are to a daemon without CURVE: `as` (--as), else $USER.
// With CURVE your key says it: the result is empty, and --as is a usage
// error (ConfigError).
std::string name_without_curve(const std::optional<ClientKeys>& keys, std::string as);
void add_as_option(CLI::App& command, std::string& as);

} // namespace wijkwacht::cli
