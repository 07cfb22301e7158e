#include "core/json_util.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/json.hpp>

#include <fmt/format.h>

namespace wijkwacht {

namespace {

void write_optional(JsonWriter& out, std::string_view key, std::string_view value) {
    if (value.empty())
        return;
    write_key(out, key);
    write_string(out, value);
}

void write_spans(JsonWriter& out, const std::vector<Span>& spans) {
    write_key(out, "spans");
    out.StartArray();
    for (const auto& [begin, end] : spans) {
        out.StartArray();
        out.Uint64(begin);
        out.Uint64(end);
        out.EndArray();
    }
    out.EndArray();
}

void read_spans(const rapidjson::Value* spans, std::vector<Span>& out) {
    if (spans == nullptr)
        return;
    for (const auto& span : spans->GetArray())
        if (span.IsArray() && span.Size() == 2 && span[0].IsUint64() && span[1].IsUint64())
            out.emplace_back(span[0].GetUint64(), span[1].GetUint64());
}

} // namespace

void write_place(JsonWriter& out, const Place& place) {
    out.StartObject();
    write_optional(out, "name", place.name);
    write_optional(out, "kind", place.kind);
    write_optional(out, "code", place.code);
    write_optional(out, "gemeente", place.gemeente);
    write_optional(out, "provincie", place.provincie);
    write_optional(out, "eenheid", place.eenheid);
    write_optional(out, "basisteam", place.basisteam);
    write_optional(out, "authority", place.authority);
    write_optional(out, "force", place.force);
    if (!place.spans.empty())
        write_spans(out, place.spans);
    write_key(out, "how");
    write_string(out, place.how);
    if (place.lat && place.lon) {
        write_key(out, "lat");
        out.Double(*place.lat);
        write_key(out, "lon");
        out.Double(*place.lon);
    }
    out.EndObject();
}

namespace {

void write_post(JsonWriter& out, const Post& post) {
    out.StartObject();
    write_key(out, "source");
    write_string(out, post.source);
    write_key(out, "platform");
    write_string(out, post.platform);
    write_key(out, "id");
    write_string(out, post.id);
    write_optional(out, "url", post.url);
    write_optional(out, "created_at", post.created_at);
    write_optional(out, "fetched_at", post.fetched_at);
    if (!post.author.handle.empty() || !post.author.name.empty() || !post.author.url.empty()) {
        write_key(out, "author");
        out.StartObject();
        write_optional(out, "handle", post.author.handle);
        write_optional(out, "name", post.author.name);
        write_optional(out, "url", post.author.url);
        out.EndObject();
    }
    write_key(out, "text");
    write_string(out, post.text);
    write_optional(out, "lang", post.lang);
    if (!post.media.empty()) {
        write_key(out, "media");
        out.StartArray();
        for (const auto& media : post.media) {
            out.StartObject();
            write_key(out, "kind");
            write_string(out, to_string(media.kind));
            write_key(out, "url");
            write_string(out, media.url);
            write_optional(out, "preview_url", media.preview_url);
            write_optional(out, "description", media.description);
            out.EndObject();
        }
        out.EndArray();
    }
    if (!post.tags.empty()) {
        write_key(out, "tags");
        out.StartObject();
        for (const auto& [key, value] : post.tags) {
            write_key(out, key);
            write_string(out, value);
        }
        out.EndObject();
    }
    write_key(out, "reply");
    out.Bool(post.reply);
    write_key(out, "repost");
    out.Bool(post.repost);
    if (post.reply_to) {
        write_key(out, "reply_to");
        out.StartObject();
        write_key(out, "id");
        write_string(out, post.reply_to->id);
        write_optional(out, "url", post.reply_to->url);
        if (!post.reply_to->handle.empty()) {
            write_key(out, "author");
            out.StartObject();
            write_key(out, "handle");
            write_string(out, post.reply_to->handle);
            out.EndObject();
        }
        out.EndObject();
    }
    if (!post.mentions.empty()) {
        write_key(out, "mentions");
        out.StartArray();
        for (const auto& handle : post.mentions)
            write_string(out, handle);
        out.EndArray();
    }
    if (!post.places.empty()) {
        write_key(out, "places");
        out.StartArray();
        for (const auto& place : post.places)
            write_place(out, place);
        out.EndArray();
    }
    if (!post.areas.empty()) {
        write_key(out, "areas");
        out.StartArray();
        for (const auto& area : post.areas)
            write_string(out, area);
        out.EndArray();
    }
    out.EndObject();
}

// Reads fields of one JSON object, remembering the first problem.
class FieldReader {
public:
    FieldReader(const rapidjson::Value& object, std::string path)
        : m_object(object), m_path(std::move(path)) {}

    void string(const char* name, std::string& out, bool required = false) {
        const auto it = m_object.FindMember(name);
        if (it == m_object.MemberEnd() || it->value.IsNull()) {
            if (required)
                fail(name, "is required");
            return;
        }
        if (!it->value.IsString())
            return fail(name, "must be a string");
        out.assign(it->value.GetString(), it->value.GetStringLength());
        // Escapes can still encode lone surrogates: never pass them on.
        if (!is_valid_utf8(out))
            out = sanitize_utf8(out);
    }
    void boolean(const char* name, bool& out) {
        const auto it = m_object.FindMember(name);
        if (it == m_object.MemberEnd() || it->value.IsNull())
            return;
        if (!it->value.IsBool())
            return fail(name, "must be true or false");
        out = it->value.GetBool();
    }
    void integer(const char* name, std::int64_t& out) {
        const auto it = m_object.FindMember(name);
        if (it == m_object.MemberEnd())
            return;
        if (!it->value.IsInt64())
            return fail(name, "must be an integer");
        out = it->value.GetInt64();
    }
    const rapidjson::Value* member(const char* name, bool object) {
        const auto it = m_object.FindMember(name);
        if (it == m_object.MemberEnd() || it->value.IsNull())
            return nullptr;
        if (object ? !it->value.IsObject() : !it->value.IsArray()) {
            fail(name, object ? "must be an object" : "must be an array");
            return nullptr;
        }
        return &it->value;
    }
    void fail(std::string_view name, std::string_view message) {
        if (m_error.empty())
            m_error = fmt::format("{}{}: {}", m_path, name, message);
    }
    void adopt(const std::string& error) {
        if (m_error.empty())
            m_error = error;
    }
    const std::string& error() const { return m_error; }
    const std::string& path() const { return m_path; }

private:
    const rapidjson::Value& m_object;
    std::string m_path;
    std::string m_error;
};

std::string read_post(const rapidjson::Value& value, const std::string& path, Post& post) {
    if (!value.IsObject())
        return path.empty() ? "a post must be a JSON object" : path + " must be an object";
    FieldReader in(value, path);
    in.string("source", post.source);
    in.string("platform", post.platform);
    in.string("id", post.id, true);
    in.string("url", post.url);
    in.string("created_at", post.created_at);
    in.string("fetched_at", post.fetched_at);
    in.string("text", post.text);
    in.string("lang", post.lang);
    in.boolean("reply", post.reply);
    in.boolean("repost", post.repost);
    if (const auto* author = in.member("author", true)) {
        FieldReader a(*author, path + "author.");
        a.string("handle", post.author.handle);
        a.string("name", post.author.name);
        a.string("url", post.author.url);
        in.adopt(a.error());
    }
    if (const auto* media = in.member("media", false)) {
        for (rapidjson::SizeType i = 0; i < media->Size(); ++i) {
            const auto& item = (*media)[i];
            const std::string item_path = fmt::format("{}media[{}]", path, i);
            if (!item.IsObject()) {
                in.adopt(item_path + " must be an object");
                break;
            }
            FieldReader m(item, item_path + ".");
            Media out;
            std::string kind;
            m.string("kind", kind, true);
            m.string("url", out.url, true);
            m.string("preview_url", out.preview_url);
            m.string("description", out.description);
            if (m.error().empty()) {
                if (const auto parsed = parse_media_kind(kind))
                    out.kind = *parsed;
                else
                    m.fail("kind", "must be image, video, audio or link");
            }
            in.adopt(m.error());
            post.media.push_back(std::move(out));
        }
    }
    if (const auto* reply_to = in.member("reply_to", true)) {
        FieldReader r(*reply_to, path + "reply_to.");
        ReplyTo parent;
        r.string("id", parent.id, true);
        r.string("url", parent.url);
        if (const auto* author = r.member("author", true)) {
            FieldReader a(*author, path + "reply_to.author.");
            a.string("handle", parent.handle);
            r.adopt(a.error());
        }
        in.adopt(r.error());
        post.reply_to = std::move(parent);
    }
    if (const auto* mentions = in.member("mentions", false)) {
        for (rapidjson::SizeType i = 0; i < mentions->Size(); ++i) {
            const auto& item = (*mentions)[i];
            if (!item.IsString()) {
                in.adopt(fmt::format("{}mentions[{}] must be a string", path, i));
                break;
            }
            std::string handle(as_view(item));
            if (!is_valid_utf8(handle))
                handle = sanitize_utf8(handle);
            post.mentions.push_back(std::move(handle));
        }
    }
    if (const auto* places = in.member("places", false)) {
        for (rapidjson::SizeType i = 0; i < places->Size(); ++i) {
            const auto& item = (*places)[i];
            const std::string item_path = fmt::format("{}places[{}]", path, i);
            if (!item.IsObject()) {
                in.adopt(item_path + " must be an object");
                break;
            }
            FieldReader p(item, item_path + ".");
            Place place;
            p.string("name", place.name);
            p.string("kind", place.kind);
            p.string("code", place.code);
            p.string("gemeente", place.gemeente);
            p.string("provincie", place.provincie);
            p.string("eenheid", place.eenheid);
            p.string("basisteam", place.basisteam);
            p.string("authority", place.authority);
            p.string("force", place.force);
            p.string("how", place.how);
            read_spans(p.member("spans", false), place.spans);
            for (const auto& [key, out] :
                 {std::pair{"lat", &place.lat}, std::pair{"lon", &place.lon}}) {
                const auto it = item.FindMember(key);
                if (it == item.MemberEnd())
                    continue;
                if (!it->value.IsNumber())
                    p.fail(key, "must be a number");
                else
                    *out = it->value.GetDouble();
            }
            if (place.how != "text" && place.how != "prefix" && place.how != "source" &&
                place.how != "geo" && place.how != "field")
                p.fail("how", "must be text, prefix, source, geo or field");
            in.adopt(p.error());
            post.places.push_back(std::move(place));
        }
    }
    if (const auto* areas = in.member("areas", false)) {
        for (const auto& area : areas->GetArray())
            if (area.IsString())
                post.areas.emplace_back(as_view(area));
    }
    if (const auto* tags = in.member("tags", true)) {
        for (const auto& tag : tags->GetObject()) {
            if (!tag.value.IsString()) {
                in.adopt(fmt::format("{}tags.{}: must be a string", path, as_view(tag.name)));
                break;
            }
            post.tags.emplace(as_view(tag.name), as_view(tag.value));
        }
    }
    return in.error();
}

} // namespace

std::string to_json(const Post& post) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    write_post(out, post);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string to_json(const Alert& alert) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "alert");
    write_key(out, "id");
    write_string(out, alert.id);
    write_optional(out, "epoch", alert.epoch);
    if (alert.seq > 0) {
        write_key(out, "seq");
        out.Int64(alert.seq);
    }
    write_optional(out, "stream", alert.stream);
    if (alert.stream_seq > 0) {
        write_key(out, "stream_seq");
        out.Int64(alert.stream_seq);
    }
    write_optional(out, "flagged_at", alert.flagged_at);
    write_key(out, "severity");
    write_string(out, to_string(alert.severity));
    write_key(out, "categories");
    out.StartArray();
    for (const auto& category : alert.categories)
        write_string(out, category);
    out.EndArray();
    write_key(out, "matches");
    out.StartArray();
    for (const auto& match : alert.matches) {
        out.StartObject();
        write_key(out, "rule");
        write_string(out, match.rule);
        write_key(out, "category");
        write_string(out, match.category);
        write_key(out, "severity");
        write_string(out, to_string(match.severity));
        write_key(out, "terms");
        out.StartArray();
        for (const auto& term : match.terms)
            write_string(out, term);
        out.EndArray();
        write_spans(out, match.spans);
        out.EndObject();
    }
    out.EndArray();
    write_optional(out, "incident", alert.incident);
    write_key(out, "post");
    write_post(out, alert.post);
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::string post_from_value(const rapidjson::Value& value, const std::string& path, Post& post) {
    return read_post(value, path, post);
}

std::optional<Post> post_from_corpus_line(std::string_view line, const std::string& source) {
    rapidjson::Document doc;
    if (line.empty() || parse_json(line, doc, k_json_max_depth) || !doc.IsObject())
        return std::nullopt;
    const auto id = json_string(doc, "id");
    const auto text = json_string(doc, "text");
    if (!id || !text)
        return std::nullopt;
    Post post;
    post.source = source;
    post.platform = "feed";
    post.id = std::string(*id);
    post.text = std::string(*text);
    post.lang = json_text(doc, "lang");
    return post;
}

Result<Post> post_from_json(std::string_view text) {
    rapidjson::Document doc;
    if (auto error = parse_json(text, doc, k_json_max_depth))
        return permanent_failure(*error);
    Post post;
    if (auto error = read_post(doc, "", post); !error.empty())
        return permanent_failure(error);
    return post;
}

Result<Alert> alert_from_json(std::string_view text) {
    rapidjson::Document doc;
    if (auto error = parse_json(text, doc, k_json_max_depth))
        return permanent_failure(*error);
    if (!doc.IsObject())
        return permanent_failure("an alert must be a JSON object");
    Alert alert;
    FieldReader in(doc, "");
    std::string type, severity;
    in.string("type", type, true);
    if (in.error().empty() && type != "alert")
        in.fail("type", fmt::format("is \"{}\", not \"alert\"", type));
    in.string("id", alert.id, true);
    in.string("epoch", alert.epoch);
    in.integer("seq", alert.seq);
    in.string("stream", alert.stream);
    in.integer("stream_seq", alert.stream_seq);
    in.string("flagged_at", alert.flagged_at);
    in.string("incident", alert.incident);
    in.string("severity", severity, true);
    if (in.error().empty() && !parse_severity(severity))
        in.fail("severity", "is not one of info, low, medium, high, critical");
    else if (in.error().empty())
        alert.severity = *parse_severity(severity);
    if (const auto* categories = in.member("categories", false))
        for (const auto& category : categories->GetArray())
            if (category.IsString())
                alert.categories.emplace_back(as_view(category));
    if (const auto* matches = in.member("matches", false)) {
        for (const auto& item : matches->GetArray()) {
            if (!item.IsObject())
                continue;
            FieldReader m(item, "matches[].");
            Match match;
            std::string match_severity;
            m.string("rule", match.rule);
            m.string("category", match.category);
            m.string("severity", match_severity);
            match.severity = parse_severity(match_severity).value_or(Severity::info);
            if (const auto* terms = m.member("terms", false))
                for (const auto& term : terms->GetArray())
                    if (term.IsString())
                        match.terms.emplace_back(as_view(term));
            read_spans(m.member("spans", false), match.spans);
            in.adopt(m.error());
            alert.matches.push_back(std::move(match));
        }
    }
    const auto post = doc.FindMember("post");
    if (post == doc.MemberEnd())
        in.fail("post", "is required");
    else
        in.adopt(read_post(post->value, "post.", alert.post));
    if (!in.error().empty())
        return permanent_failure(in.error());
    return alert;
}

} // namespace wijkwacht
