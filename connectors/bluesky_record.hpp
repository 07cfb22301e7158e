#pragma once

// Pieces of a raw app.bsky.feed.post record (the lexicon's own JSON, as the
// AppView's `record` and Jetstream's commits carry it), shared by the
// AppView and Jetstream parsers.

#include <wijkwacht/post.hpp>

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

// at://DID/COLLECTION/RKEY split into its parts; nullopt if it is not one.
struct AtUri {
    std::string did, collection, rkey;
};
std::optional<AtUri> parse_at_uri(std::string_view uri);

// https://bsky.app/profile/ACTOR/post/RKEY for a post's AT URI ("" if none).
std::string bsky_post_url(std::string_view at_uri);

// Mentions in the record's facets: the DID each names, and the handle as the
// text shows it (the facet's byte range without "@"; the DID if the range
// does not fit the text).
struct Mention {
    std::string did, handle;
};
std::vector<Mention> record_mentions(const rapidjson::Value& record);

// Links in the record's facets (the full URLs the text shortens).
std::vector<std::string> record_links(const rapidjson::Value& record);

// The post a reply answers (record.reply.parent), and the thread's first post
// (record.reply.root); nullopt when the record is no reply.
struct ReplyRefs {
    std::string parent, root; // AT URIs
};
std::optional<ReplyRefs> record_reply(const rapidjson::Value& record);

// Media of a raw embed (blob references, no URLs yet) as Bluesky's CDN
// serves them for the author `did`: images and gallery items as
// cdn.bsky.app images, video as its HLS playlist, external links with their
// thumbnail, and the media of a quote with media.
void record_media(const rapidjson::Value& embed, std::string_view did, std::vector<Media>& out);

} // namespace wijkwacht
