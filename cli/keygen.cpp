#include "cli/commands.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>
#include <zmq.h>

#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace wijkwacht::cli {

namespace {

struct KeygenOptions {
    std::string dir;
    std::string name;
};

// Writes `text` to a new file with `mode`; refuses to overwrite.
void write_new(const std::filesystem::path& path, const std::string& text, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        throw Error(fmt::format("{}: {}{}", path.string(), std::strerror(errno),
                                errno == EEXIST ? " (remove it first to make a new key)" : ""));
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::fchmod(fd, mode);
    ::close(fd);
    if (!ok)
        throw Error(fmt::format("{}: write failed", path.string()));
}

int run_keygen(const KeygenOptions& o) {
    if (!is_valid_name(o.name))
        throw ConfigError(
            {fmt::format("key name \"{}\" may only use a-z, 0-9, '_', '.' and '-'", o.name)});
    if (!zmq_has("curve"))
        throw Error("this libzmq has no CURVE support");
    char public_key[41];
    char secret_key[41];
    if (zmq_curve_keypair(public_key, secret_key) != 0)
        throw Error(fmt::format("zmq_curve_keypair: {}", zmq_strerror(zmq_errno())));
    std::filesystem::create_directories(o.dir);
    const auto certificate = [&](std::string_view kind) {
        return fmt::format("#   ****  Generated on {} by wijkwacht keygen  ****\n"
                           "#   ZeroMQ CURVE {} Certificate\n"
                           "#   Exchange securely, or use a secure mechanism to verify the "
                           "contents\n#   of this file after exchange.\n\n"
                           "metadata\n    name = \"{}\"\ncurve\n    public-key = \"{}\"\n",
                           now_rfc3339(), kind, o.name, public_key);
    };
    const auto base = std::filesystem::path(o.dir) / (o.name + ".key");
    write_new(std::filesystem::path(base.string() + "_secret"),
              certificate("**Secret**") + fmt::format("    secret-key = \"{}\"\n", secret_key),
              0600);
    write_new(base, certificate("Public"), 0644);
    fmt::print("{}\n{}_secret (mode 0600)\n", base.string(), base.string());
    return 0;
}

} // namespace

void add_keygen(CLI::App& app, Command& run) {
    auto o = std::make_shared<KeygenOptions>();
    auto* cmd =
        app.add_subcommand("keygen", "write a CURVE key pair (NAME.key public, "
                                     "NAME.key_secret secret) in the ZeroMQ certificate format");
    cmd->add_option("dir", o->dir, "directory for the key files")->required();
    cmd->add_option("name", o->name, "key name, e.g. the staff member's")->required();
    cmd->callback([o, &run] {
        run = [o] {
            return run_keygen(*o);
        };
    });
}

} // namespace wijkwacht::cli
