#include "connectors/jetstream.hpp"
#include "tests/support/files.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace wijkwacht;
using wijkwacht::test::fixture;
using wijkwacht::test::read_file;

namespace {

const std::string k_wijkagent = "did:plc:wijkagent";

SourceConfig source() {
    SourceConfig s;
    s.name = "bluesky-nl";
    s.type = "jetstream";
    s.tags = {{"region", "centrum"}};
    return s;
}

std::vector<std::string> events() {
    std::vector<std::string> lines;
    std::istringstream in(read_file(fixture("jetstream/events.jsonl")));
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// The ids (rkeys) of the posts a filter takes from the fixture events.
std::vector<std::string> taken(const JetstreamFilter& filter) {
    std::vector<std::string> out;
    for (const auto& line : events()) {
        const auto event = parse_jetstream_event(line, filter, source(), "2026-11-29T10:00:00Z");
        REQUIRE(event.ok());
        if (event->post)
            out.push_back(event->post->id.substr(event->post->id.rfind('/') + 1));
    }
    return out;
}

Post only_post(std::size_t line, const JetstreamFilter& filter) {
    const auto event =
        parse_jetstream_event(events().at(line), filter, source(), "2026-11-29T10:00:00Z");
    REQUIRE(event.ok());
    REQUIRE(event->post.has_value());
    return *event->post;
}

} // namespace

TEST_CASE("jetstream: follow takes the authors' posts, created and updated") {
    JetstreamFilter f;
    f.follow = {k_wijkagent};
    CHECK(taken(f) == std::vector<std::string>{"3kinbraak", "3kinbraak", "3kgallery"});
}

TEST_CASE("jetstream: replies_to takes replies under their posts and mentions of them") {
    JetstreamFilter f;
    f.replies_to = {k_wijkagent};
    CHECK(taken(f) == std::vector<std::string>{"3kantwoord", "3kmention"});
}

TEST_CASE("jetstream: langs takes every post in those languages, regional variants too") {
    JetstreamFilter f;
    f.langs = {"nl"};
    CHECK(taken(f) == std::vector<std::string>{"3kinbraak", "3kantwoord", "3kmention", "3knl",
                                               "3kinbraak", "3kgallery"});
    f.langs = {"EN"};
    CHECK(taken(f) == std::vector<std::string>{"3ken"});
}

TEST_CASE("jetstream: a post becomes a Post with its reply, mentions and media") {
    JetstreamFilter f;
    f.replies_to = {k_wijkagent};
    f.handles = {{k_wijkagent, "wijkagent.example"}};
    const Post reply = only_post(1, f);
    CHECK(reply.source == "bluesky-nl");
    CHECK(reply.platform == "bluesky");
    CHECK(reply.id == "at://did:plc:burger/app.bsky.feed.post/3kantwoord");
    CHECK(reply.url == "https://bsky.app/profile/did:plc:burger/post/3kantwoord");
    CHECK(reply.author.handle == "did:plc:burger"); // an unknown account: its DID
    CHECK(reply.author.url == "https://bsky.app/profile/did:plc:burger");
    CHECK(reply.created_at == "2026-11-29T09:58:00Z");
    CHECK(reply.fetched_at == "2026-11-29T10:00:00Z");
    CHECK(reply.lang == "nl");
    CHECK(reply.tags.at("region") == "centrum");
    CHECK(reply.reply);
    REQUIRE(reply.reply_to.has_value());
    CHECK(reply.reply_to->id == "at://did:plc:wijkagent/app.bsky.feed.post/3kinbraak");
    CHECK(reply.reply_to->url == "https://bsky.app/profile/did:plc:wijkagent/post/3kinbraak");
    CHECK(reply.reply_to->handle == "wijkagent.example"); // a configured account: its handle
    REQUIRE(reply.media.size() == 1);
    CHECK(reply.media[0].kind == MediaKind::video);
    CHECK(reply.media[0].url ==
          "https://video.bsky.app/watch/did%3Aplc%3Aburger/bafkreivideo1/playlist.m3u8");
    CHECK(reply.media[0].preview_url ==
          "https://video.bsky.app/watch/did%3Aplc%3Aburger/bafkreivideo1/thumbnail.jpg");
    CHECK(reply.media[0].description == "beelden van de dader");

    const Post mention = only_post(2, f);
    CHECK(mention.mentions == std::vector<std::string>{"wijkagent.example"});
    CHECK_FALSE(mention.reply);
}

TEST_CASE("jetstream: images, galleries (legacy blobs too), quotes with media and link facets") {
    JetstreamFilter f;
    f.follow = {k_wijkagent};
    const Post first = only_post(0, f);
    REQUIRE(first.media.size() == 1);
    CHECK(first.media[0].kind == MediaKind::image);
    CHECK(first.media[0].url ==
          "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:wijkagent/bafkreiimage1@jpeg");
    CHECK(first.media[0].preview_url ==
          "https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:wijkagent/bafkreiimage1@jpeg");
    CHECK(first.media[0].description == "deurbelcamera");

    const Post gallery = only_post(9, f);
    REQUIRE(gallery.media.size() == 3);
    CHECK(gallery.media[0].url ==
          "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:wijkagent/bafkreilegacy@jpeg");
    CHECK(gallery.media[0].description == "de auto");
    CHECK(gallery.media[1].url.find("bafkreigallery2") != std::string::npos);
    CHECK(gallery.media[2].kind == MediaKind::link); // the full URL behind the shortened text
    CHECK(gallery.media[2].url == "https://www.example.nl/nieuws/auto");
    // createdAt in the future: Jetstream's own time instead.
    CHECK(gallery.created_at == "2026-11-29T09:58:00Z");
}

TEST_CASE("jetstream: deletes, identity events and other collections give no post") {
    JetstreamFilter f;
    f.langs = {"en"};
    const auto all = events();
    const auto deleted = parse_jetstream_event(all[5], f, source(), "2026-11-29T10:00:00Z");
    REQUIRE(deleted.ok());
    CHECK(deleted->deleted_post);
    CHECK_FALSE(deleted->post);
    CHECK(deleted->time_us == 1795946280000006);
    const auto identity = parse_jetstream_event(all[6], f, source(), "2026-11-29T10:00:00Z");
    REQUIRE(identity.ok());
    CHECK_FALSE(identity->post);
    CHECK(identity->time_us == 1795946280000007); // still a resume point
    const auto like = parse_jetstream_event(all[7], f, source(), "2026-11-29T10:00:00Z");
    REQUIRE(like.ok());
    CHECK_FALSE(like->post);
}

TEST_CASE("jetstream: malformed events are failures that say where") {
    const JetstreamFilter f;
    const auto truncated =
        parse_jetstream_event(R"({"did":"did:plc:x","time_us":)", f, source(), "");
    REQUIRE_FALSE(truncated.ok());
    CHECK(truncated.failure().message.find("offset") != std::string::npos);
    CHECK_FALSE(parse_jetstream_event("[1]", f, source(), "").ok());
    CHECK_FALSE(parse_jetstream_event(std::string(1000, '['), f, source(), "").ok());
    CHECK_FALSE(parse_jetstream_event("{\"kind\":\"commit\",\"commit\":{\"collection\":"
                                      "\"app.bsky.feed.post\",\"operation\":\"create\"}}",
                                      f, source(), "")
                    .ok()); // no did or rkey
    CHECK_FALSE(parse_jetstream_event("{\"text\":\"\xFF\"}", f, source(), "").ok());
}

TEST_CASE("jetstream: the subscription URL and the options message") {
    CHECK(jetstream_url("wss://jetstream1.us-east.bsky.network", std::nullopt, false) ==
          "wss://jetstream1.us-east.bsky.network/subscribe"
          "?wantedCollections=app.bsky.feed.post&requireHello=true");
    CHECK(jetstream_url("ws://127.0.0.1:9/subscribe/", 1795946280000001, true) ==
          "ws://127.0.0.1:9/subscribe?wantedCollections=app.bsky.feed.post&requireHello=true"
          "&compress=true&cursor=1795946280000001");
    JetstreamFilter f;
    f.follow = {"did:plc:a", "did:plc:b"};
    CHECK(jetstream_options(f) ==
          R"({"type":"options_update","payload":{"wantedCollections":["app.bsky.feed.post"],)"
          R"("wantedDids":["did:plc:a","did:plc:b"]}})");
    f.langs = {"nl"}; // the whole network, filtered here
    CHECK(jetstream_options(f).find(R"("wantedDids":[])") != std::string::npos);
}

TEST_CASE("conformance: the recorded Jetstream events in ../shared/fixtures parse") {
    const auto dir = wijkwacht::test::shared_fixtures() / "listening";
    if (!std::filesystem::exists(dir)) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    JetstreamFilter every;
    every.langs = {"en", "nl", "de", "ja", "pt", "es", "fr", "ru", "ko"};
    int posts = 0, lines = 0;
    for (const auto* name :
         {"jetstream_v1_subscribe_selected_events.jsonl", "jetstream_v1_subscribe_golden.jsonl",
          "jetstream_v1_post_video_embed.json"}) {
        std::istringstream in(read_file(dir / name));
        for (std::string line; std::getline(in, line);) {
            if (line.empty())
                continue;
            ++lines;
            const auto event = parse_jetstream_event(line, every, source(), "2026-07-04T14:40:00Z");
            INFO(name << ": " << line.substr(0, 120));
            REQUIRE(event.ok());
            CHECK(event->time_us > 0);
            if (event->post) {
                ++posts;
                CHECK(event->post->id.starts_with("at://did:"));
                for (const auto& media : event->post->media)
                    CHECK(media.url.starts_with("http"));
            }
        }
    }
    CHECK(lines >= 15);
    CHECK(posts >= 5);
}
