#include "core/hash.hpp"

#include <wijkwacht/error.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <vector>

namespace wijkwacht {

namespace {
std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += k_digits[data[i] >> 4];
        out += k_digits[data[i] & 0xf];
    }
    return out;
}
} // namespace

std::string sha256_hex(std::string_view data, std::size_t hex_chars) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw Error("SHA-256 failed");
    std::string hex = to_hex(digest, length);
    if (hex_chars < hex.size())
        hex.resize(hex_chars);
    return hex;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1)
        throw Error("cannot read random bytes");
    return to_hex(buffer.data(), buffer.size());
}

} // namespace wijkwacht
