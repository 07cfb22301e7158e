#pragma once

// The vocabulary of the pipeline: Post (what connectors produce) and Alert
// (what subscribers receive), exactly as SPEC §4 describes their JSON.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wijkwacht {

enum class MediaKind { image, video, audio, link };
std::string_view to_string(MediaKind kind);
std::optional<MediaKind> parse_media_kind(std::string_view text);

struct Media {
    MediaKind kind = MediaKind::link;
    std::string url;
    std::string preview_url; // empty: omitted
    std::string description; // alt text; empty: omitted
    bool operator==(const Media&) const = default;
};

struct Author {
    std::string handle;
    std::string name;
    std::string url;
    bool operator==(const Author&) const = default;
};

// What a platform says of the post a reply answers.
struct ReplyTo {
    std::string id;     // the platform's identity of that post
    std::string url;    // empty: omitted
    std::string handle; // its author; empty: omitted
    bool operator==(const ReplyTo&) const = default;
};

// Byte range [first, second) in post.text.
using Span = std::pair<std::size_t, std::size_t>;

// A place a post is about (SPEC §4 "places"): a gazetteer entry, the
// places above it, where it was read and how it was known. A connector may
// hand over a hint the gazetteer has not resolved yet (`code` empty): a
// name from an API's region field (`how` "field") or coordinates (`how`
// "geo"); the place tagger replaces hints with what they resolve to.
struct Place {
    std::string name; // as people write it: "Den Haag"
    // woonplaats | gemeente | wijk | buurt | provincie | eenheid |
    // basisteam | force | authority | town
    std::string kind;
    std::string code;                                    // CBS, BAG or ONS code
    std::string gemeente, provincie, eenheid, basisteam; // the Netherlands: above it
    std::string authority, force;                        // England and Wales: above it
    std::vector<Span> spans;                             // where it was read in post.text
    std::string how = "text";                            // text | prefix | source | geo | field
    std::optional<double> lat, lon;
    bool operator==(const Place&) const = default;
};

// Optional string fields are omitted from JSON when empty.
struct Post {
    std::string source;   // configured source name
    std::string platform; // mastodon | bluesky | feed | youtube
    std::string id;       // the platform's stable identity, unique per platform
    std::string url;
    std::string created_at; // RFC 3339 UTC, e.g. 2026-11-29T09:58:00Z
    std::string fetched_at; // RFC 3339 UTC
    Author author;
    std::string text; // plain text, valid UTF-8
    std::string lang;
    std::vector<Media> media;
    std::map<std::string, std::string> tags;
    bool reply = false;
    bool repost = false;
    std::optional<ReplyTo> reply_to;   // replies whose parent the platform names
    std::vector<std::string> mentions; // handles the post mentions; empty: omitted
    std::vector<Place> places;         // where it is about; empty: omitted
    std::vector<std::string> areas;    // the configured areas its places lie in
    bool operator==(const Post&) const = default;
};

enum class Severity { info, low, medium, high, critical };
std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

struct Match {
    std::string rule;
    std::string category;
    Severity severity = Severity::info;
    std::vector<std::string> terms; // the query terms that matched, as written
    std::vector<Span> spans;
    bool operator==(const Match&) const = default;
};

struct Alert {
    std::string id;       // stable hex id of the post (alert_id())
    std::string epoch;    // the state journal's random id
    std::int64_t seq = 0; // 0: not yet journaled (omitted in JSON)
    std::string stream;
    std::int64_t stream_seq = 0; // 0: omitted
    std::string flagged_at;
    Severity severity = Severity::info;  // highest among matches
    std::vector<std::string> categories; // distinct, in match order
    std::vector<Match> matches;
    std::string incident; // the incident it belongs to (empty: omitted)
    Post post;
};

// Fills severity and categories of an alert from its matches.
void summarise_matches(Alert& alert);

// The stable id of a post: hex SHA-256 (first 128 bits) of platform and id.
std::string alert_id(std::string_view platform, std::string_view post_id);

} // namespace wijkwacht
