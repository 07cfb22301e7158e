#pragma once

// type = "jetstream": Bluesky's public event stream (Jetstream's v1 wire,
// `/subscribe`). This file is the pure part: the subscription URL and
// options message, and one event's JSON to a Post (or nothing). The
// connection itself (websocket, zstd, reconnects) is daemon/live_jetstream.

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/post.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

// What a source takes from the whole network; accounts as DIDs.
struct JetstreamFilter {
    std::set<std::string> follow;     // their posts
    std::set<std::string> replies_to; // posts replying to (parent or root) or mentioning them
    std::vector<std::string> langs;   // every post in these languages ("nl" takes "nl-BE")
    std::map<std::string, std::string> handles; // DID → handle of the configured accounts

    // Only authors are wanted: the server can filter (wantedDids).
    bool authors_only() const { return replies_to.empty() && langs.empty(); }
};

struct JetstreamEvent {
    std::int64_t time_us = 0;  // Jetstream's time of the event, the resume point
    std::optional<Post> post;  // a created or updated post the filter takes
    bool deleted_post = false; // a post was deleted (nothing to do but count)
};

// The websocket URL for `endpoint` (wss://host or wss://host/subscribe):
// posts only, hello required (the filter follows in the options message),
// zstd when `compress`, and `cursor` (unix µs) when resuming.
std::string jetstream_url(std::string_view endpoint, std::optional<std::int64_t> cursor,
                          bool compress);

// The options_update message that sets the filter: wantedDids only when
// authors alone are wanted (else the whole network, filtered here).
std::string jetstream_options(const JetstreamFilter& filter);

// One event (a text frame, or a decompressed binary one). Events of other
// kinds or collections give no post; malformed JSON is a failure naming the
// offset. `fetched_at` is when the frame arrived.
Result<JetstreamEvent> parse_jetstream_event(std::string_view json, const JetstreamFilter& filter,
                                             const SourceConfig& source,
                                             std::string_view fetched_at);

} // namespace wijkwacht
