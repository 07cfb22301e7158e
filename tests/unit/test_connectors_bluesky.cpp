#include "connectors/bluesky.hpp"
#include "connectors/json_cursor.hpp"
#include "tests/support/files.hpp"
#include "tests/support/responses.hpp"

#include <wijkwacht/time.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>

using namespace wijkwacht;
using wijkwacht::test::fixture;
using wijkwacht::test::ok_response;
using wijkwacht::test::read_file;

namespace {

SourceConfig source() {
    SourceConfig s;
    s.name = "politie-bsky";
    s.type = "bluesky";
    s.actor = "politie.example.bsky.social";
    s.tags = {{"region", "centrum"}};
    return s;
}

// A page of `n` posts indexed one minute apart, newest first, from `newest`.
std::string page(int first, int n, std::string api_cursor) {
    std::string feed;
    for (int i = 0; i < n; ++i)
        feed += fmt::format("{}{{\"post\":{{\"uri\":\"at://did:plc:p/app.bsky.feed.post/"
                            "{}\",\"author\":{{\"handle\":\"p.example\"}},"
                            "\"record\":{{\"text\":\"t\",\"createdAt\":\"2026-11-29T09:00:00Z\"}},"
                            "\"indexedAt\":\"2026-11-29T09:{:02}:00.000Z\"}}}}",
                            i ? "," : "", first - i, first - i);
    return fmt::format("{{\"cursor\":\"{}\",\"feed\":[{}]}}", api_cursor, feed);
}

} // namespace

TEST_CASE("bluesky: feed items become posts with media from every embed view") {
    const BlueskyConnector c(source());
    CHECK(c.next_request("").url ==
          "https://public.api.bsky.app/xrpc/"
          "app.bsky.feed.getAuthorFeed?actor=politie.example.bsky.social&limit=50");
    const auto result = c.parse(ok_response(read_file(fixture("bluesky/author_feed.json"))), "");
    REQUIRE(result.ok());
    REQUIRE(result->posts.size() == 4); // the item without a record is skipped
    CHECK_FALSE(result->more);          // the first poll reads one page

    const Post& video = result->posts[0];
    CHECK(video.platform == "bluesky");
    CHECK(video.id == "at://did:plc:politie/app.bsky.feed.post/3kvideo");
    CHECK(video.url == "https://bsky.app/profile/politie.example.bsky.social/post/3kvideo");
    CHECK(video.author.handle == "politie.example.bsky.social");
    CHECK(video.author.name == "Politie Centrum");
    CHECK(video.author.url == "https://bsky.app/profile/politie.example.bsky.social");
    CHECK(video.created_at == "2026-11-29T09:58:00Z");
    CHECK(video.lang == "nl");
    CHECK(video.tags.at("region") == "centrum");
    REQUIRE(video.media.size() == 1);
    CHECK(video.media[0].kind == MediaKind::video);
    CHECK(video.media[0].url == "https://video.bsky.app/watch/v1/playlist.m3u8");
    CHECK(video.media[0].description == "bewakingscamera");

    const Post& repost = result->posts[1];
    CHECK(repost.repost);
    CHECK(repost.reply);
    REQUIRE(repost.reply_to.has_value());
    CHECK(repost.reply_to->id == "at://did:plc:wijkagent/app.bsky.feed.post/3kparent");
    CHECK(repost.reply_to->url == "https://bsky.app/profile/did:plc:wijkagent/post/3kparent");
    CHECK(repost.reply_to->handle == "wijkagent.example"); // from the feed item's reply view
    CHECK(repost.mentions == std::vector<std::string>{"wijkagent.example"}); // the facet's text
    CHECK(repost.id == "at://did:plc:other/app.bsky.feed.post/3krepost");    // the original
    CHECK(repost.author.handle == "buurt.example.com");
    REQUIRE(repost.media.size() == 1);
    CHECK(repost.media[0].kind == MediaKind::image);
    CHECK(repost.media[0].preview_url.find("feed_thumbnail") != std::string::npos);

    const Post& quote = result->posts[2];
    REQUIRE(quote.media.size() == 2); // recordWithMedia: its gallery
    CHECK(quote.media[1].url == "https://cdn.bsky.app/g2");

    const Post& link = result->posts[3];
    CHECK(link.created_at == "2026-11-29T07:00:00Z"); // bad createdAt: indexedAt
    REQUIRE(link.media.size() == 1);
    CHECK(link.media[0].kind == MediaKind::link);
    CHECK(link.media[0].description == "Getuigen gezocht");

    CHECK(read_cursor(result->cursor).at("newest") == "2026-11-29T09:58:01Z");
}

TEST_CASE("bluesky: pages back only while a whole page is newer than the last poll") {
    const BlueskyConnector c(source());
    const std::string seen = write_cursor({{"newest", "2026-11-29T09:10:00Z"}});
    // Page one is all newer than 09:10: page back.
    const auto first = c.parse(ok_response(page(59, 30, "c1")), seen);
    REQUIRE(first.ok());
    CHECK(first->more);
    CHECK(c.next_request(first->cursor).url.ends_with("&cursor=c1"));
    // Page two reaches known posts: stop, and remember the newest of the pass.
    const auto second = c.parse(ok_response(page(29, 30, "c2")), first->cursor);
    REQUIRE(second.ok());
    CHECK_FALSE(second->more);
    const auto cursor = read_cursor(second->cursor);
    CHECK(cursor.at("newest") == "2026-11-29T09:59:00Z");
    CHECK_FALSE(cursor.count("page"));
    CHECK(c.next_request(second->cursor).url.find("cursor=") == std::string::npos);
}

TEST_CASE("bluesky: bad answers fail with a reason") {
    const BlueskyConnector c(source());
    CHECK(c.parse(ok_response("nope"), "").failure().message.starts_with("not JSON"));
    CHECK(
        c.parse(ok_response("{\"error\":\"InvalidRequest\"}"), "").failure().message.find("feed") !=
        std::string::npos);
    Failure bad{FailureKind::permanent, "HTTP 400", std::nullopt, 400};
    CHECK(c.advice(bad, "").find("does not know the actor") != std::string::npos);
}

TEST_CASE("conformance: the recorded AppView feed items in ../shared/fixtures parse") {
    const auto dir = wijkwacht::test::shared_fixtures();
    if (!std::filesystem::exists(dir)) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    const BlueskyConnector c(source());
    const auto result = c.parse(ok_response(read_file(dir / "bsky_feed_items_impro.json")), "");
    REQUIRE(result.ok());
    CHECK(result->posts.size() == 19);
    std::set<std::string> ids;
    int with_media = 0;
    for (const auto& post : result->posts) {
        CHECK(post.id.starts_with("at://did:"));
        CHECK(ids.insert(post.id).second);
        CHECK(post.url.starts_with("https://bsky.app/profile/"));
        with_media += post.media.empty() ? 0 : 1;
    }
    CHECK(with_media == 11); // images ×7, recordWithMedia ×2, external ×2
}

TEST_CASE("bluesky: replies = 7d reads the threads under the actor's recent posts") {
    SourceConfig s = source();
    s.replies = std::chrono::hours(24 * 7);
    const BlueskyConnector c(s);
    const auto feed = c.parse(ok_response(read_file(fixture("bluesky/author_feed.json"))), "");
    REQUIRE(feed.ok());
    CHECK(feed->more);
    const auto url = c.next_request(feed->cursor).url;
    CHECK(url.starts_with("https://public.api.bsky.app/xrpc/"
                          "app.bsky.feed.getPostThread?uri=at%3A%2F%2Fdid%3Aplc%3Apolitie%2Fapp."
                          "bsky.feed.post%2F3k"));
    CHECK(url.ends_with("&depth=6&parentHeight=0"));
    CHECK(url.find("3krepost") == std::string::npos); // a repost is not the actor's post

    const std::string thread = R"({"thread":{"$type":"app.bsky.feed.defs#threadViewPost",
      "post":{"uri":"at://did:plc:politie/app.bsky.feed.post/3kvideo","author":{"did":"did:plc:politie","handle":"politie.example.bsky.social"},
              "record":{"$type":"app.bsky.feed.post","text":"Wie herkent deze man?","createdAt":"2026-11-29T09:58:00.000Z"}},
      "replies":[
        {"$type":"app.bsky.feed.defs#threadViewPost",
         "post":{"uri":"at://did:plc:anna/app.bsky.feed.post/3kr1","author":{"did":"did:plc:anna","handle":"anna.example"},
                 "record":{"$type":"app.bsky.feed.post","text":"Dat is mijn buurman","createdAt":"2026-11-29T10:01:00.000Z",
                           "reply":{"root":{"uri":"at://did:plc:politie/app.bsky.feed.post/3kvideo","cid":"c"},"parent":{"uri":"at://did:plc:politie/app.bsky.feed.post/3kvideo","cid":"c"}}}},
         "replies":[{"$type":"app.bsky.feed.defs#threadViewPost",
           "post":{"uri":"at://did:plc:ben/app.bsky.feed.post/3kr2","author":{"did":"did:plc:ben","handle":"ben.example"},
                   "record":{"$type":"app.bsky.feed.post","text":"Ik heb beelden van de deurbel","createdAt":"2026-11-29T10:02:00.000Z",
                             "reply":{"root":{"uri":"at://did:plc:politie/app.bsky.feed.post/3kvideo","cid":"c"},"parent":{"uri":"at://did:plc:anna/app.bsky.feed.post/3kr1","cid":"c"}}}},
           "replies":[]}]},
        {"$type":"app.bsky.feed.defs#notFoundPost","uri":"at://did:plc:gone/app.bsky.feed.post/x","notFound":true},
        {"$type":"app.bsky.feed.defs#blockedPost","uri":"at://did:plc:blocked/app.bsky.feed.post/y","blocked":true}]}})";
    const auto replies = c.parse(ok_response(thread), feed->cursor);
    REQUIRE(replies.ok());
    REQUIRE(replies->posts.size() == 2); // every level; the missing and blocked ones skipped
    CHECK(replies->posts[0].text == "Dat is mijn buurman");
    CHECK(replies->posts[0].reply_to->handle == "politie.example.bsky.social");
    CHECK(replies->posts[1].author.handle == "ben.example");
    CHECK(replies->posts[1].reply_to->handle == "anna.example"); // the post it answers
    CHECK(replies->more);

    Failure gone = permanent_failure("HTTP 400");
    gone.status = 400; // getPostThread's NotFound
    CHECK(c.recover(gone, replies->cursor).has_value());
    CHECK_FALSE(c.recover(gone, ""));
}
