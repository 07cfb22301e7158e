#pragma once

// CURVE key files in the ZeroMQ (czmq) certificate format, as `wijkwacht
// keygen` writes them: a `curve` section with `public-key = "…"` and, in the
// NAME.key_secret file, `secret-key = "…"`; keys are 40 characters of Z85.

#include <wijkwacht/error.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace wijkwacht {

struct CurveCertificate {
    std::string name;       // metadata name, else the file name without .key/.key_secret
    std::string public_key; // Z85
    std::string secret_key; // Z85; empty in a public certificate
};

bool is_z85_key(std::string_view key);

// Reads a certificate. With `need_secret`, the secret key must be there and
// the file readable by its owner only (mode 0600 or stricter).
Result<CurveCertificate> read_curve_certificate(const std::filesystem::path& file,
                                                bool need_secret);

// The public keys of every *.key file in `dir`, each mapped to its name.
// One bad file fails the whole read, naming it.
Result<std::map<std::string, std::string>> read_authorized_keys(const std::filesystem::path& dir);

} // namespace wijkwacht
