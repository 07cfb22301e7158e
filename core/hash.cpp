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

std::optional<std::string> base64_decode(std::string_view text) {
    std::string compact;
    compact.reserve(text.size());
    for (const char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            compact += c;
    if (compact.size() % 4 != 0)
        return std::nullopt;
    std::string out(compact.size() / 4 * 3, '\0');
    // EVP_DecodeBlock checks the alphabet and counts padding as zero bytes.
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(compact.data()),
                                  static_cast<int>(compact.size()));
    if (n < 0)
        return std::nullopt;
    std::size_t padding = 0;
    for (auto it = compact.rbegin(); it != compact.rend() && *it == '=' && padding < 2; ++it)
        ++padding;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

} // namespace wijkwacht
