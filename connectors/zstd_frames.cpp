#include "connectors/zstd_frames.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <zstd.h>

namespace wijkwacht {

ZstdDictionary::ZstdDictionary(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(fmt::format("{}: cannot read the zstd dictionary", file.string()));
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (bytes.empty())
        throw Error(fmt::format("{}: the zstd dictionary is empty", file.string()));
    m_ddict = ZSTD_createDDict(bytes.data(), bytes.size());
    if (!m_ddict)
        throw Error(fmt::format("{}: not a zstd dictionary", file.string()));
}

ZstdDictionary::~ZstdDictionary() {
    ZSTD_freeDDict(static_cast<ZSTD_DDict*>(m_ddict));
}

unsigned ZstdDictionary::id() const {
    return ZSTD_getDictID_fromDDict(static_cast<const ZSTD_DDict*>(m_ddict));
}

ZstdDecoder::ZstdDecoder(std::shared_ptr<const ZstdDictionary> dictionary, std::size_t max_size)
    : m_dictionary(std::move(dictionary)), m_max_size(max_size), m_dctx(ZSTD_createDCtx()) {
    if (!m_dctx)
        throw Error("zstd: out of memory");
    if (m_dictionary)
        ZSTD_DCtx_refDDict(static_cast<ZSTD_DCtx*>(m_dctx),
                           static_cast<const ZSTD_DDict*>(m_dictionary->handle()));
}

ZstdDecoder::~ZstdDecoder() {
    ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(m_dctx));
}

Result<std::string> ZstdDecoder::decode(std::string_view frame) {
    auto* dctx = static_cast<ZSTD_DCtx*>(m_dctx);
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    // Streaming, so a frame without a content size (or a lying one) is
    // bounded by max_size all the same.
    std::string out;
    ZSTD_inBuffer in{frame.data(), frame.size(), 0};
    std::size_t result = 1;
    while (true) {
        const std::size_t chunk = ZSTD_DStreamOutSize();
        const std::size_t used = out.size();
        out.resize(used + chunk);
        ZSTD_outBuffer buffer{out.data() + used, chunk, 0};
        result = ZSTD_decompressStream(dctx, &buffer, &in);
        out.resize(used + buffer.pos);
        if (ZSTD_isError(result))
            return permanent_failure(fmt::format("zstd: {}", ZSTD_getErrorName(result)));
        if (out.size() > m_max_size)
            return permanent_failure(
                fmt::format("zstd: the message decompresses to more than {} bytes", m_max_size));
        if (result == 0)
            break; // the frame is complete
        if (in.pos == in.size && buffer.pos < chunk)
            return permanent_failure("zstd: the frame is truncated");
    }
    if (in.pos < in.size)
        return permanent_failure("zstd: bytes after the end of the frame");
    return out;
}

} // namespace wijkwacht
