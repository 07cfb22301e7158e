#pragma once

// RapidJSON with the safety PITFALLS.md asks for: iterative parsing, a SAX
// pre-pass that enforces a nesting limit (deep DOMs overflow the stack when
// destroyed), UTF-8 validation, and string access by length.

#include <wijkwacht/post.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wijkwacht {

// Parses `text` into `doc`. On failure returns "offset N: reason".
std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc,
                                      std::size_t max_depth);

// The member `name` if it is a string (length-aware: may hold NUL).
std::optional<std::string_view> json_string(const rapidjson::Value& object, const char* name);

// The member `name` if it is an object, or an array; else nullptr.
const rapidjson::Value* json_object(const rapidjson::Value& parent, const char* name);
const rapidjson::Value* json_array(const rapidjson::Value& parent, const char* name);

// The member `name` if it is an integer that fits 64 bits.
std::optional<std::int64_t> json_int64(const rapidjson::Value& object, const char* name);

// The member `name` if it is a string, else "".
inline std::string json_text(const rapidjson::Value& object, const char* name) {
    return std::string(json_string(object, name).value_or(""));
}

struct Post;

// Reads a Post from a parsed JSON value (what post_from_json does after
// parsing); returns "" or the error, its field named after `path`.
std::string post_from_value(const rapidjson::Value& value, const std::string& path, Post& post);

// One line of a corpus file (../shared/corpora): {"id": …, "text": …, "lang": …}
// as a feed Post of `source`; nullopt when the line is no such object.
std::optional<Post> post_from_corpus_line(std::string_view line, const std::string& source);

inline std::string_view as_view(const rapidjson::Value& value) {
    return {value.GetString(), value.GetStringLength()};
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void write_string(JsonWriter& out, std::string_view text) {
    out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
inline void write_key(JsonWriter& out, std::string_view key) {
    out.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

// {"type":"error","message":…}: how the daemon's endpoints and the console
// refuse a request.
std::string json_error(std::string_view message);

// A place as Post JSON writes it (SPEC §4), for messages that carry places.
void write_place(JsonWriter& out, const Place& place);

} // namespace wijkwacht
