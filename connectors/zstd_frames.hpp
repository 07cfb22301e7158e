#pragma once

// zstd frames compressed with a shared dictionary, as Jetstream sends them
// with compress=true: each websocket message is one complete frame.

#include <wijkwacht/error.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace wijkwacht {

class ZstdDictionary {
public:
    // Reads a zstd dictionary file. Throws Error naming the file.
    explicit ZstdDictionary(const std::filesystem::path& file);
    ~ZstdDictionary();
    ZstdDictionary(const ZstdDictionary&) = delete;
    ZstdDictionary& operator=(const ZstdDictionary&) = delete;

    unsigned id() const; // 0 for a raw-content dictionary
    const void* handle() const { return m_ddict; }

private:
    void* m_ddict = nullptr; // ZSTD_DDict
};

class ZstdDecoder {
public:
    // `max_size` bounds one decompressed message (a hostile frame may claim
    // gigabytes).
    ZstdDecoder(std::shared_ptr<const ZstdDictionary> dictionary, std::size_t max_size);
    ~ZstdDecoder();
    ZstdDecoder(const ZstdDecoder&) = delete;
    ZstdDecoder& operator=(const ZstdDecoder&) = delete;

    // One frame to its bytes; a failure says why (libzstd's words).
    Result<std::string> decode(std::string_view frame);

private:
    std::shared_ptr<const ZstdDictionary> m_dictionary;
    std::size_t m_max_size;
    void* m_dctx = nullptr; // ZSTD_DCtx
};

} // namespace wijkwacht
