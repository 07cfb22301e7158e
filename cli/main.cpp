// wijkwacht: the staff and operator tool.
#include "cli/commands.hpp"

#include <wijkwacht/error.hpp>

#include <fmt/format.h>

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{
        "wijkwacht: follow and replay wijkwacht alerts, claim and resolve them as a team, try "
        "rules, poll sources, make keys."};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("wijkwacht ") + WIJKWACHT_VERSION);
    wijkwacht::cli::Command run;
    wijkwacht::cli::add_tail(app, run);
    wijkwacht::cli::add_rules(app, run);
    wijkwacht::cli::add_poll(app, run);
    wijkwacht::cli::add_replay(app, run);
    wijkwacht::cli::add_workflow(app, run);
    wijkwacht::cli::add_console(app, run);
    wijkwacht::cli::add_keygen(app, run);
    wijkwacht::cli::add_backup(app, run);
    wijkwacht::cli::add_places(app, run);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        return run ? run() : 2;
    } catch (const wijkwacht::ConfigError& e) {
        for (const auto& problem : e.problems())
            fmt::print(stderr, "{}\n", problem);
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wijkwacht: {}\n", e.what());
        return 1;
    }
}
