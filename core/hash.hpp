#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wijkwacht {

// Lower-case hex of the SHA-256 of `data`, truncated to `hex_chars`.
std::string sha256_hex(std::string_view data, std::size_t hex_chars = 64);

// The bytes of base64 text (RFC 4648; whitespace between groups is
// skipped), or nothing when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// `bytes` random bytes from the OS, as lower-case hex.
std::string random_hex(std::size_t bytes);

} // namespace wijkwacht
