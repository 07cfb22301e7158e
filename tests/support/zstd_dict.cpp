#include "tests/support/zstd_dict.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <vector>
#include <zdict.h>
#include <zstd.h>

namespace wijkwacht::test {

const std::string& event_dictionary() {
    static const std::string dictionary = [] {
        std::string samples;
        std::vector<std::size_t> sizes;
        for (int i = 0; i < 2000; ++i) {
            const std::string event = fmt::format(
                R"({{"did":"did:plc:user{}","time_us":{},"kind":"commit","commit":{{"rev":"3mrev{}",)"
                R"("operation":"create","collection":"app.bsky.feed.post","rkey":"3k{}",)"
                R"("record":{{"$type":"app.bsky.feed.post","createdAt":"2026-11-29T09:{:02}:00.000Z",)"
                R"("langs":["{}"],"text":"bericht {} over de buurt"}},"cid":"bafyrei{}"}}}})",
                i * 7919 % 1000, 1795946280000000 + i * 1013, i, i * 31, i % 60,
                i % 3 ? "nl" : "en", i, i * 17);
            samples += event;
            sizes.push_back(event.size());
        }
        std::string out(16 * 1024, '\0');
        const std::size_t n =
            ZDICT_trainFromBuffer(out.data(), out.size(), samples.data(), sizes.data(),
                                  static_cast<unsigned>(sizes.size()));
        if (ZDICT_isError(n))
            throw std::runtime_error(std::string("ZDICT: ") + ZDICT_getErrorName(n));
        out.resize(n);
        return out;
    }();
    return dictionary;
}

std::string zstd_compress(std::string_view text, std::string_view dictionary) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    const std::size_t n =
        ZSTD_compress_usingDict(cctx, out.data(), out.size(), text.data(), text.size(),
                                dictionary.data(), dictionary.size(), 3);
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(n))
        throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

} // namespace wijkwacht::test
