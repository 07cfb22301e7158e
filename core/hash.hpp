#pragma once

#include <string>
#include <string_view>

namespace wijkwacht {

// Lower-case hex of the SHA-256 of `data`, truncated to `hex_chars`.
std::string sha256_hex(std::string_view data, std::size_t hex_chars = 64);

// `bytes` random bytes from the OS, as lower-case hex.
std::string random_hex(std::size_t bytes);

} // namespace wijkwacht
