// libFuzzer targets for the connector parsers. One source file, six
// targets, chosen at compile time: WIJKWACHT_FUZZ_FEED_XML, _FEED_JSON,
// _MASTODON, _BLUESKY, _POLITIE, _JETSTREAM. Any bytes must parse or fail
// with a reason; every post must carry an id and valid UTF-8 text.

#include "connectors/bluesky.hpp"
#include "connectors/feed.hpp"
#include "connectors/jetstream.hpp"
#include "connectors/mastodon.hpp"
#include "connectors/politie.hpp"
#include "core/utf8.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace wijkwacht;

void check(const Result<std::vector<Post>>& posts) {
    if (!posts) {
        if (posts.failure().message.empty())
            std::abort();
        return;
    }
    for (const auto& post : *posts)
        if (post.id.empty() || !is_valid_utf8(post.text))
            std::abort();
}

[[maybe_unused]] std::vector<Post> run(const Connector& connector, std::string body,
                                       std::string cursor) {
    HttpResponse response;
    response.status = 200;
    response.fetched_at = "2026-11-29T10:00:00Z";
    response.body = std::move(body);
    auto result = connector.parse(response, cursor);
    if (!result)
        return {};
    return std::move(result->posts);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
#if defined(WIJKWACHT_FUZZ_FEED_JSON)
    const FeedContext context{"fuzz", "https://fuzz.example/feed", {}, "2026-11-29T10:00:00Z", "",
                              ""};
    check(parse_feed("{" + body, context));
#elif defined(WIJKWACHT_FUZZ_FEED_XML)
    // A first byte 1..7 picks the charset the "server" names.
    static const char* const charsets[] = {"utf-8",  "iso-8859-1", "windows-1252", "koi8-r",
                                           "utf-16", "shift_jis",  "x-unknown"};
    std::string content_type;
    std::string_view document = body;
    if (!document.empty() && document[0] >= 1 && document[0] <= 7) {
        content_type = std::string("text/xml; charset=") + charsets[document[0] - 1];
        document.remove_prefix(1);
    }
    const FeedContext context{
        "fuzz", "https://fuzz.example/feed", {}, "2026-11-29T10:00:00Z", content_type, ""};
    check(parse_feed(document, context));
#elif defined(WIJKWACHT_FUZZ_JETSTREAM)
    SourceConfig source;
    source.name = "fuzz";
    JetstreamFilter filter; // everything a filter can take
    filter.follow = {"did:plc:a"};
    filter.replies_to = {"did:plc:b"};
    filter.langs = {"nl", "en"};
    filter.handles = {{"did:plc:b", "b.example"}};
    const auto event = parse_jetstream_event(body, filter, source, "2026-11-29T10:00:00Z");
    if (!event && event.failure().message.empty())
        std::abort();
    if (event && event->post) {
        check(std::vector<Post>{*event->post});
        for (const auto& media : event->post->media)
            if (media.url.empty())
                std::abort();
    }
#else
    SourceConfig source;
    source.name = "fuzz";
#if defined(WIJKWACHT_FUZZ_MASTODON)
    source.instance = "https://mastodon.example";
    source.account = "x";
    const MastodonConnector connector(source);
    const std::string cursor = "{\"account_id\":\"1\",\"min_id\":\"5\"}";
#elif defined(WIJKWACHT_FUZZ_POLITIE)
    source.kinds = {"nieuws", "gezocht", "vermist"};
    const PolitieConnector connector(source);
    // A first byte picks the kind the answer is read as.
    const std::string cursor =
        body.empty() ? "" : "{\"kind\":\"" + std::to_string(body[0] % 3) + "\"}";
#else
    source.actor = "x.example";
    const BlueskyConnector connector(source);
    const std::string cursor = "{\"newest\":\"2026-11-29T09:00:00Z\"}";
#endif
    Result<std::vector<Post>> posts = run(connector, body, cursor);
    check(posts);
#endif
    return 0;
}
