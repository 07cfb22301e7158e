#pragma once

// The subcommands of the wijkwacht tool. Each registers its options on the
// CLI11 app and returns the function that runs it (returning the exit code).

#include <CLI/CLI.hpp>

#include <functional>

namespace wijkwacht::cli {

using Command = std::function<int()>;

void add_tail(CLI::App& app, Command& run);
void add_rules(CLI::App& app, Command& run);
void add_poll(CLI::App& app, Command& run);
void add_keygen(CLI::App& app, Command& run);
void add_replay(CLI::App& app, Command& run);
void add_workflow(CLI::App& app, Command& run);
void add_console(CLI::App& app, Command& run);
void add_backup(CLI::App& app, Command& run);
void add_places(CLI::App& app, Command& run);

} // namespace wijkwacht::cli
