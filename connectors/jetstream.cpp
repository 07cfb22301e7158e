#include "connectors/jetstream.hpp"

#include "connectors/bluesky_record.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wijkwacht {

namespace {

constexpr std::string_view k_collection = "app.bsky.feed.post";
// Jetstream's events nest a record inside a commit: well below this.
constexpr std::size_t k_max_depth = 64;

std::string did_of(std::string_view at_uri) {
    const auto parts = parse_at_uri(at_uri);
    return parts ? parts->did : std::string();
}

bool lang_wanted(const std::vector<std::string>& wanted, const rapidjson::Value& record) {
    const auto* langs = json_array(record, "langs");
    if (!langs)
        return false;
    for (const auto& lang : langs->GetArray()) {
        if (!lang.IsString())
            continue;
        const std::string have = ascii_lower(as_view(lang));
        for (const auto& want : wanted) {
            const std::string w = ascii_lower(want);
            if (have == w || have.starts_with(w + "-"))
                return true;
        }
    }
    return false;
}

std::string handle_of(const JetstreamFilter& filter, const std::string& did) {
    const auto it = filter.handles.find(did);
    return it == filter.handles.end() ? did : it->second;
}

} // namespace

std::string jetstream_url(std::string_view endpoint, std::optional<std::int64_t> cursor,
                          bool compress) {
    std::string url(endpoint);
    while (url.ends_with('/'))
        url.pop_back();
    if (!url.ends_with("/subscribe"))
        url += "/subscribe";
    url += fmt::format("?wantedCollections={}&requireHello=true", k_collection);
    if (compress)
        url += "&compress=true";
    if (cursor)
        url += fmt::format("&cursor={}", *cursor);
    return url;
}

std::string jetstream_options(const JetstreamFilter& filter) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    out.StartObject();
    write_key(out, "type");
    write_string(out, "options_update");
    write_key(out, "payload");
    out.StartObject();
    write_key(out, "wantedCollections");
    out.StartArray();
    write_string(out, k_collection);
    out.EndArray();
    write_key(out, "wantedDids");
    out.StartArray();
    if (filter.authors_only())
        for (const auto& did : filter.follow)
            write_string(out, did);
    out.EndArray();
    out.EndObject();
    out.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

Result<JetstreamEvent> parse_jetstream_event(std::string_view json, const JetstreamFilter& filter,
                                             const SourceConfig& source,
                                             std::string_view fetched_at) {
    rapidjson::Document doc;
    if (auto error = parse_json(json, doc, k_max_depth))
        return permanent_failure(fmt::format("event is not JSON: {}", *error));
    if (!doc.IsObject())
        return permanent_failure("event is not a JSON object");
    JetstreamEvent event;
    event.time_us = json_int64(doc, "time_us").value_or(0);
    if (json_text(doc, "kind") != "commit")
        return event; // identity and account events reach every subscriber
    const auto* commit = json_object(doc, "commit");
    if (!commit || json_text(*commit, "collection") != k_collection)
        return event;
    const std::string did = json_text(doc, "did");
    const std::string rkey = json_text(*commit, "rkey");
    const std::string operation = json_text(*commit, "operation");
    if (did.empty() || rkey.empty())
        return permanent_failure("commit without did or rkey");
    if (operation == "delete") {
        event.deleted_post = true;
        return event;
    }
    const auto* record = json_object(*commit, "record");
    if ((operation != "create" && operation != "update") || !record)
        return event;

    const auto mentions = record_mentions(*record);
    const auto reply = record_reply(*record);
    const bool by_followed = filter.follow.count(did) > 0;
    const bool to_watched = !filter.replies_to.empty() &&
                            ((reply && (filter.replies_to.count(did_of(reply->parent)) ||
                                        filter.replies_to.count(did_of(reply->root)))) ||
                             std::any_of(mentions.begin(), mentions.end(), [&](const Mention& m) {
                                 return filter.replies_to.count(m.did) > 0;
                             }));
    const bool in_language = !filter.langs.empty() && lang_wanted(filter.langs, *record);
    if (!by_followed && !to_watched && !in_language)
        return event;

    Post post;
    post.source = source.name;
    post.platform = "bluesky";
    post.id = fmt::format("at://{}/{}/{}", did, k_collection, rkey);
    post.url = bsky_post_url(post.id);
    post.fetched_at = std::string(fetched_at);
    // A client's clock may lie: a post is never later than Jetstream saw it.
    const auto created = parse_rfc3339(json_text(*record, "createdAt"));
    SysTime when =
        created.value_or(parse_rfc3339(fetched_at).value_or(std::chrono::system_clock::now()));
    if (event.time_us > 0) {
        const SysTime received{std::chrono::microseconds(event.time_us)};
        if (!created || *created > received)
            when = received;
    }
    post.created_at = format_rfc3339(when);
    post.author.handle = handle_of(filter, did);
    post.author.url = "https://bsky.app/profile/" + did;
    post.text = json_text(*record, "text");
    if (!is_valid_utf8(post.text))
        post.text = sanitize_utf8(post.text);
    if (const auto* langs = json_array(*record, "langs");
        langs && langs->Size() > 0 && (*langs)[0].IsString())
        post.lang = std::string(as_view((*langs)[0]));
    if (reply) {
        post.reply = true;
        if (!reply->parent.empty()) {
            const std::string parent_did = did_of(reply->parent);
            post.reply_to = ReplyTo{reply->parent, bsky_post_url(reply->parent),
                                    parent_did.empty() ? "" : handle_of(filter, parent_did)};
        }
    }
    for (const auto& mention : mentions) {
        const auto known = filter.handles.find(mention.did);
        post.mentions.push_back(known != filter.handles.end() ? known->second : mention.handle);
    }
    if (const auto* embed = json_object(*record, "embed"))
        record_media(*embed, did, post.media);
    for (auto& link : record_links(*record))
        if (std::none_of(post.media.begin(), post.media.end(),
                         [&](const Media& m) { return m.url == link; }))
            post.media.push_back({MediaKind::link, std::move(link), "", ""});
    post.tags = source.tags;
    event.post = std::move(post);
    return event;
}

} // namespace wijkwacht
