#include "connectors/json_cursor.hpp"

#include "core/json_util.hpp"

namespace wijkwacht {

CursorFields read_cursor(std::string_view text) {
    CursorFields fields;
    rapidjson::Document doc;
    if (text.empty() || parse_json(text, doc, 2) || !doc.IsObject())
        return fields;
    for (const auto& member : doc.GetObject())
        if (member.value.IsString())
            fields.emplace(as_view(member.name), as_view(member.value));
    return fields;
}

std::string write_cursor(const CursorFields& fields) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    for (const auto& [key, value] : fields) {
        if (value.empty())
            continue;
        write_key(out, key);
        write_string(out, value);
    }
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace wijkwacht
