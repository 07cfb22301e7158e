// wijkwacht backup: a consistent copy of the daemon's state journal, made
// while it runs, with SQLite's online backup API. The journal is in WAL
// mode, so the copy never blocks the daemon's commits.
#include "cli/commands.hpp"
#include "core/sqlite.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace wijkwacht::cli {

namespace {

struct BackupOptions {
    std::string config;
    std::string state_dir;
    std::string destination;
};

int run_backup(const BackupOptions& o) {
    std::filesystem::path dir = o.state_dir;
    if (!o.config.empty())
        dir = load_config(o.config).daemon.state_dir;
    if (dir.empty())
        throw ConfigError({"give --config FILE (the daemon's) or --state-dir DIR"});
    const auto source = (dir / "state.db").string();
    if (!std::filesystem::exists(source))
        throw Error(
            fmt::format("{}: no journal here (is this the daemon's daemon.state_dir?)", source));
    const std::filesystem::path destination = o.destination;
    if (std::filesystem::exists(destination))
        throw Error(fmt::format("{}: exists already; remove it or choose another name",
                                destination.string()));
    const auto partial = destination.string() + ".partial";
    std::filesystem::remove(partial);

    sql::Database from(source, sql::Database::Mode::read_only);
    {
        sql::Database to(partial);
        ::chmod(partial.c_str(), 0640); // the journal holds flagged posts
        sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
        if (!backup)
            to.fail("cannot start the backup");
        const bool progress = ::isatty(STDERR_FILENO);
        int rc = SQLITE_OK;
        // A few thousand pages at a time: the daemon's commits go on between.
        while ((rc = sqlite3_backup_step(backup, 4096)) == SQLITE_OK || rc == SQLITE_BUSY ||
               rc == SQLITE_LOCKED) {
            if (rc != SQLITE_OK)
                sqlite3_sleep(50);
            if (progress)
                fmt::print(stderr, "\rwijkwacht backup: {} of {} pages",
                           sqlite3_backup_pagecount(backup) - sqlite3_backup_remaining(backup),
                           sqlite3_backup_pagecount(backup));
        }
        if (progress)
            fmt::print(stderr, "\n");
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            std::filesystem::remove(partial);
            throw Error(fmt::format("{}: backup failed: {}", source, sqlite3_errstr(rc)));
        }
    }
    std::filesystem::rename(partial, destination);
    sql::Database copy(destination, sql::Database::Mode::read_only);
    sql::Statement count(copy, "SELECT (SELECT count(*) FROM alerts), "
                               "(SELECT value FROM meta WHERE key = 'epoch')");
    if (count.step())
        fmt::print("{}: {} alert(s), epoch {}\n", destination.string(), count.integer(0),
                   count.text(1));
    return 0;
}

} // namespace

void add_backup(CLI::App& app, Command& run) {
    auto o = std::make_shared<BackupOptions>();
    auto* cmd = app.add_subcommand(
        "backup", "copy the daemon's state journal while it runs (restore: docs/OPERATING.md)");
    cmd->add_option("destination", o->destination, "the copy to write (must not exist)")
        ->required();
    auto* config =
        cmd->add_option("-c,--config", o->config, "the daemon's config (for daemon.state_dir)");
    cmd->add_option("--state-dir", o->state_dir, "the daemon's state directory")->excludes(config);
    cmd->callback([o, &run] {
        run = [o] {
            return run_backup(*o);
        };
    });
}

} // namespace wijkwacht::cli
