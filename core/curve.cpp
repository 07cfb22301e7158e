#include "core/curve.hpp"

#include "core/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sys/stat.h>

namespace wijkwacht {

namespace {

constexpr std::string_view k_z85_alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// `name = "value"` (quotes optional), or nothing.
std::optional<std::pair<std::string_view, std::string_view>> setting(std::string_view line) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
        return std::nullopt;
    auto value = trim_ascii_space(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    return std::pair{trim_ascii_space(line.substr(0, eq)), value};
}

std::string stem(const std::filesystem::path& file) {
    std::string name = file.filename().string();
    for (const std::string_view suffix : {".key_secret", ".key"})
        if (name.ends_with(suffix))
            return name.substr(0, name.size() - suffix.size());
    return name;
}

} // namespace

bool is_z85_key(std::string_view key) {
    return key.size() == 40 && std::all_of(key.begin(), key.end(), [](char c) {
               return k_z85_alphabet.find(c) != std::string_view::npos;
           });
}

Result<CurveCertificate> read_curve_certificate(const std::filesystem::path& file,
                                                bool need_secret) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        return permanent_failure(
            fmt::format("{}: cannot read the key: {}", file.string(), std::strerror(errno)));
    if (need_secret && (st.st_mode & 077) != 0)
        return permanent_failure(fmt::format("{}: a secret key must be readable by its owner "
                                             "only (mode {:04o}; chmod 600 it)",
                                             file.string(), st.st_mode & 07777));
    std::ifstream in(file);
    if (!in)
        return permanent_failure(
            fmt::format("{}: cannot read the key: {}", file.string(), std::strerror(errno)));
    CurveCertificate cert;
    std::string section;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        // Whole-line comments only: '#' is a Z85 digit.
        const auto text = trim_ascii_space(line);
        if (text.empty() || text.front() == '#')
            continue;
        const bool indented = line.front() == ' ' || line.front() == '\t';
        if (!indented) {
            section = std::string(text);
            continue;
        }
        const auto kv = setting(text);
        if (!kv)
            continue;
        const auto [key, value] = *kv;
        if (section == "metadata" && key == "name")
            cert.name = std::string(value);
        if (section != "curve" || (key != "public-key" && key != "secret-key"))
            continue;
        if (!is_z85_key(value))
            return permanent_failure(
                fmt::format("{}:{}: {} is not a 40-character Z85 key", file.string(), number, key));
        (key == "public-key" ? cert.public_key : cert.secret_key) = std::string(value);
    }
    if (cert.public_key.empty())
        return permanent_failure(fmt::format(
            "{}: no curve public-key (is it a key file from `wijkwacht keygen`?)", file.string()));
    if (need_secret && cert.secret_key.empty())
        return permanent_failure(fmt::format("{}: no curve secret-key (this is a public key; "
                                             "use the NAME.key_secret file)",
                                             file.string()));
    if (cert.name.empty())
        cert.name = stem(file);
    return cert;
}

Result<std::map<std::string, std::string>> read_authorized_keys(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec)
        return permanent_failure(
            fmt::format("{}: cannot read the authorized keys: {}", dir.string(), ec.message()));
    std::map<std::string, std::string> keys;
    for (const auto& entry : it) {
        if (entry.path().extension() != ".key")
            continue;
        auto cert = read_curve_certificate(entry.path(), false);
        if (!cert)
            return cert.failure();
        keys[cert->public_key] = stem(entry.path());
    }
    return keys;
}

} // namespace wijkwacht
