#include "core/json_util.hpp"

#include "core/utf8.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <algorithm>

namespace wijkwacht {

namespace {
// UTF-8 is validated before parsing, faster than RapidJSON's per-byte check.
// No kParseFullPrecisionFlag: in RapidJSON 1.1.0 its strtod reads past its
// table of powers of ten on a long run of zeros after the decimal point
// (found by fuzzing; tests/fuzz/corpus/feed_json/long-zero-fraction). We read
// no fractions, and the normal-precision path is bounded.
constexpr unsigned k_parse_flags = rapidjson::kParseIterativeFlag;

// The deepest nesting of arrays and objects outside strings, stopping at the
// first position past `limit` (returned through `where`). A byte scan: much
// cheaper than a parse, and it keeps deep input away from the DOM, whose
// destructor recurses.
std::size_t nesting(std::string_view text, std::size_t limit, std::size_t& where) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (depth > limit) {
                where = i;
                return depth;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}
} // namespace

std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc,
                                      std::size_t max_depth) {
    if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
        return fmt::format("offset {}: Invalid encoding in string.", bad);
    std::size_t where = 0;
    if (nesting(text, max_depth, where) > max_depth)
        return fmt::format("offset {}: nested deeper than {} levels", where, max_depth);
    doc.Parse<k_parse_flags>(text.data(), text.size());
    if (doc.HasParseError())
        return fmt::format("offset {}: {}", doc.GetErrorOffset(),
                           rapidjson::GetParseError_En(doc.GetParseError()));
    return std::nullopt;
}

namespace {
const rapidjson::Value* member(const rapidjson::Value& parent, const char* name) {
    if (!parent.IsObject())
        return nullptr;
    const auto it = parent.FindMember(name);
    return it == parent.MemberEnd() ? nullptr : &it->value;
}
} // namespace

const rapidjson::Value* json_object(const rapidjson::Value& parent, const char* name) {
    const auto* value = member(parent, name);
    return value && value->IsObject() ? value : nullptr;
}

const rapidjson::Value* json_array(const rapidjson::Value& parent, const char* name) {
    const auto* value = member(parent, name);
    return value && value->IsArray() ? value : nullptr;
}

std::string json_error(std::string_view message) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "error");
    write_key(out, "message");
    write_string(out, message);
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::int64_t> json_int64(const rapidjson::Value& object, const char* name) {
    const auto* value = member(object, name);
    if (!value || !value->IsInt64())
        return std::nullopt;
    return value->GetInt64();
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
