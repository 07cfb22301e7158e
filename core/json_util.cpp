#include "core/json_util.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace wijkwacht {

namespace {
constexpr unsigned k_parse_flags = rapidjson::kParseIterativeFlag |
                                   rapidjson::kParseValidateEncodingFlag |
                                   rapidjson::kParseFullPrecisionFlag;

// Counts nesting and stops the reader when it goes past the limit.
struct DepthLimiter : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthLimiter> {
    std::size_t depth = 0;
    std::size_t max_depth = 0;
    bool too_deep = false;

    bool Default() { return true; }
    bool StartObject() { return enter(); }
    bool StartArray() { return enter(); }
    bool EndObject(rapidjson::SizeType) { return leave(); }
    bool EndArray(rapidjson::SizeType) { return leave(); }

    bool enter() {
        if (++depth > max_depth) {
            too_deep = true;
            return false;
        }
        return true;
    }
    bool leave() {
        --depth;
        return true;
    }
};
} // namespace

std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc,
                                      std::size_t max_depth) {
    DepthLimiter limiter;
    limiter.max_depth = max_depth;
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    const auto pre = reader.Parse<k_parse_flags>(stream, limiter);
    if (limiter.too_deep)
        return fmt::format("offset {}: nested deeper than {} levels", pre.Offset(), max_depth);
    if (pre.IsError())
        return fmt::format("offset {}: {}", pre.Offset(), rapidjson::GetParseError_En(pre.Code()));
    doc.Parse<k_parse_flags>(text.data(), text.size());
    if (doc.HasParseError())
        return fmt::format("offset {}: {}", doc.GetErrorOffset(),
                           rapidjson::GetParseError_En(doc.GetParseError()));
    return std::nullopt;
}

std::optional<std::string_view> json_string(const rapidjson::Value& object, const char* name) {
    if (!object.IsObject())
        return std::nullopt;
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString())
        return std::nullopt;
    return as_view(it->value);
}

} // namespace wijkwacht
