#include "connectors/bluesky_record.hpp"

#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <fmt/format.h>

namespace wijkwacht {

namespace {

constexpr std::string_view k_cdn = "https://cdn.bsky.app/img";
constexpr std::string_view k_video = "https://video.bsky.app/watch";

// A blob's CID: {"$type":"blob","ref":{"$link":CID}} or the legacy {"cid":CID}.
std::string blob_cid(const rapidjson::Value* blob) {
    if (!blob || !blob->IsObject())
        return {};
    if (const auto* ref = json_object(*blob, "ref"))
        return json_text(*ref, "$link");
    return json_text(*blob, "cid");
}

std::string image_url(std::string_view preset, std::string_view did, std::string_view cid) {
    if (cid.empty())
        return {};
    return fmt::format("{}/{}/plain/{}/{}@jpeg", k_cdn, preset, did, cid);
}

// Facet features of one $type, with the facet's byte range.
template <typename Visit>
void each_feature(const rapidjson::Value& record, std::string_view type, Visit visit) {
    const auto* facets = json_array(record, "facets");
    if (!facets)
        return;
    for (const auto& facet : facets->GetArray()) {
        if (!facet.IsObject())
            continue;
        const auto* features = json_array(facet, "features");
        if (!features)
            continue;
        const auto* index = json_object(facet, "index");
        const auto start = index ? json_int64(*index, "byteStart") : std::nullopt;
        const auto end = index ? json_int64(*index, "byteEnd") : std::nullopt;
        for (const auto& feature : features->GetArray())
            if (feature.IsObject() && json_text(feature, "$type") == type)
                visit(feature, start.value_or(-1), end.value_or(-1));
    }
}

} // namespace

std::optional<AtUri> parse_at_uri(std::string_view uri) {
    if (!uri.starts_with("at://"))
        return std::nullopt;
    uri.remove_prefix(5);
    const auto first = uri.find('/');
    if (first == std::string_view::npos)
        return std::nullopt;
    const auto second = uri.find('/', first + 1);
    if (second == std::string_view::npos || second + 1 >= uri.size() || first == 0)
        return std::nullopt;
    return AtUri{std::string(uri.substr(0, first)),
                 std::string(uri.substr(first + 1, second - first - 1)),
                 std::string(uri.substr(second + 1))};
}

std::string bsky_post_url(std::string_view at_uri) {
    const auto parts = parse_at_uri(at_uri);
    if (!parts || parts->collection != "app.bsky.feed.post")
        return {};
    return fmt::format("https://bsky.app/profile/{}/post/{}", parts->did, parts->rkey);
}

std::vector<Mention> record_mentions(const rapidjson::Value& record) {
    std::vector<Mention> out;
    const std::string_view text = json_string(record, "text").value_or("");
    each_feature(record, "app.bsky.richtext.facet#mention",
                 [&](const rapidjson::Value& feature, std::int64_t start, std::int64_t end) {
                     Mention mention{json_text(feature, "did"), {}};
                     if (mention.did.empty())
                         return;
                     if (start >= 0 && end > start &&
                         static_cast<std::size_t>(end) <= text.size()) {
                         std::string_view shown = text.substr(start, end - start);
                         if (shown.starts_with('@'))
                             shown.remove_prefix(1);
                         if (is_valid_utf8(shown) && !shown.empty() &&
                             shown.find_first_of(" \n\t") == std::string_view::npos)
                             mention.handle = std::string(shown);
                     }
                     if (mention.handle.empty())
                         mention.handle = mention.did;
                     out.push_back(std::move(mention));
                 });
    return out;
}

std::vector<std::string> record_links(const rapidjson::Value& record) {
    std::vector<std::string> out;
    each_feature(record, "app.bsky.richtext.facet#link",
                 [&](const rapidjson::Value& feature, std::int64_t, std::int64_t) {
                     auto uri = json_text(feature, "uri");
                     if (!uri.empty())
                         out.push_back(std::move(uri));
                 });
    return out;
}

std::optional<ReplyRefs> record_reply(const rapidjson::Value& record) {
    const auto* reply = json_object(record, "reply");
    if (!reply)
        return std::nullopt;
    ReplyRefs refs;
    if (const auto* parent = json_object(*reply, "parent"))
        refs.parent = json_text(*parent, "uri");
    if (const auto* root = json_object(*reply, "root"))
        refs.root = json_text(*root, "uri");
    return refs;
}

void record_media(const rapidjson::Value& embed, std::string_view did, std::vector<Media>& out) {
    const auto add_image = [&](const rapidjson::Value& item, const char* blob_key) {
        const std::string cid = blob_cid(json_object(item, blob_key));
        out.push_back({MediaKind::image, image_url("feed_fullsize", did, cid),
                       image_url("feed_thumbnail", did, cid),
                       collapse_whitespace(json_text(item, "alt"))});
    };
    const std::string type = json_text(embed, "$type");
    if (type == "app.bsky.embed.images") {
        if (const auto* images = json_array(embed, "images"))
            for (const auto& image : images->GetArray())
                if (image.IsObject())
                    add_image(image, "image");
    } else if (type == "app.bsky.embed.gallery") {
        if (const auto* items = json_array(embed, "items"))
            for (const auto& item : items->GetArray())
                if (item.IsObject())
                    add_image(item, "image");
    } else if (type == "app.bsky.embed.video") {
        const std::string cid = blob_cid(json_object(embed, "video"));
        if (!cid.empty()) {
            const std::string base = fmt::format("{}/{}/{}", k_video, url_encode(did), cid);
            out.push_back({MediaKind::video, base + "/playlist.m3u8", base + "/thumbnail.jpg",
                           collapse_whitespace(json_text(embed, "alt"))});
        }
    } else if (type == "app.bsky.embed.external") {
        if (const auto* external = json_object(embed, "external"))
            out.push_back(
                {MediaKind::link, json_text(*external, "uri"),
                 image_url("feed_thumbnail", did, blob_cid(json_object(*external, "thumb"))),
                 collapse_whitespace(json_text(*external, "title"))});
    } else if (type == "app.bsky.embed.recordWithMedia") {
        if (const auto* media = json_object(embed, "media");
            media && json_text(*media, "$type") != "app.bsky.embed.recordWithMedia")
            record_media(*media, did, out);
    }
    std::erase_if(out, [](const Media& m) { return m.url.empty(); });
}

} // namespace wijkwacht
