#include <wijkwacht/json.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace wijkwacht;

namespace {
Post sample_post() {
    Post p;
    p.source = "wijkagent-centrum";
    p.platform = "mastodon";
    p.id = "https://mastodon.example/users/x/statuses/1133";
    p.url = "https://mastodon.example/@x/1133";
    p.created_at = "2026-11-29T09:58:00Z";
    p.fetched_at = "2026-11-29T10:00:02Z";
    p.author = {"x@mastodon.example", "Wijkagent Centrum", "https://mastodon.example/@x"};
    p.text = "Inbraak in de Lindenstraat \xE2\x80\x94 getuigen gezocht";
    p.lang = "nl";
    p.media.push_back(
        {MediaKind::video, "https://m.example/v.mp4", "https://m.example/v.jpg", "deurbel"});
    p.tags = {{"region", "amsterdam-centrum"}};
    return p;
}
} // namespace

TEST_CASE("a Post survives a JSON round trip") {
    const Post post = sample_post();
    const auto parsed = post_from_json(to_json(post));
    REQUIRE(parsed.ok());
    CHECK(*parsed == post);
}

TEST_CASE("a reply's parent and mentions survive a JSON round trip") {
    Post post = sample_post();
    post.reply = true;
    post.reply_to = ReplyTo{"at://did:plc:abc/app.bsky.feed.post/3k", "https://bsky.app/x",
                            "wijkagent.example"};
    post.mentions = {"wijkagent.example", "politie@mastodon.example"};
    const auto json = to_json(post);
    CHECK(json.find(R"("reply_to":{"id":"at://did:plc:abc/app.bsky.feed.post/3k",)"
                    R"("url":"https://bsky.app/x","author":{"handle":"wijkagent.example"}})") !=
          std::string::npos);
    const auto parsed = post_from_json(json);
    REQUIRE(parsed.ok());
    CHECK(*parsed == post);
    CHECK(post_from_json(R"({"id":"x","reply_to":{"url":"u"}})").failure().message ==
          "reply_to.id: is required");
    CHECK(post_from_json(R"({"id":"x","mentions":[1]})").failure().message ==
          "mentions[0] must be a string");
}

TEST_CASE("missing optional Post fields are omitted, not null") {
    Post post;
    post.source = "s";
    post.platform = "feed";
    post.id = "x";
    post.text = "t";
    const auto json = to_json(post);
    CHECK(json ==
          R"({"source":"s","platform":"feed","id":"x","text":"t","reply":false,"repost":false})");
}

TEST_CASE("an Alert survives a JSON round trip") {
    Alert alert;
    alert.id = alert_id("mastodon", "x");
    alert.epoch = "9f2c";
    alert.seq = 8812;
    alert.stream = "centrum";
    alert.stream_seq = 311;
    alert.flagged_at = "2026-11-29T10:00:02Z";
    alert.matches.push_back(
        {"woninginbraak", "crime.burglary", Severity::high, {"inbraak"}, {{0, 7}}});
    alert.matches.push_back(
        {"beelden", "footage.shared", Severity::medium, {"camera"}, {{20, 26}}});
    summarise_matches(alert);
    alert.post = sample_post();
    CHECK(alert.severity == Severity::high);
    CHECK(alert.categories == std::vector<std::string>{"crime.burglary", "footage.shared"});
    const auto parsed = alert_from_json(to_json(alert));
    REQUIRE(parsed.ok());
    CHECK(parsed->id == alert.id);
    CHECK(parsed->seq == 8812);
    CHECK(parsed->stream_seq == 311);
    CHECK(parsed->matches == alert.matches);
    CHECK(parsed->post == alert.post);
}

TEST_CASE("alert ids are stable hex and differ per platform") {
    const auto a = alert_id("mastodon", "https://x/1");
    CHECK(a.size() == 32);
    CHECK(a == alert_id("mastodon", "https://x/1"));
    CHECK(a != alert_id("bluesky", "https://x/1"));
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("malformed Post JSON is a failure naming the offset") {
    const auto r = post_from_json(R"({"id": "x", "text": )");
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure().message.find("offset") != std::string::npos);
}

TEST_CASE("Post JSON with wrong types names the field") {
    CHECK(post_from_json(R"({"id": 5})").failure().message == "id: must be a string");
    CHECK(post_from_json(R"({"text": "x"})").failure().message == "id: is required");
    CHECK(
        post_from_json(R"({"id":"x","media":[{"kind":"hologram","url":"u"}]})").failure().message ==
        "media[0].kind: must be image, video, audio or link");
    CHECK(post_from_json(R"({"id":"x","author":{"handle":1}})").failure().message ==
          "author.handle: must be a string");
    CHECK(post_from_json(R"({"id":"x","reply":"yes"})").failure().message ==
          "reply: must be true or false");
    CHECK(post_from_json(R"([1,2])").failure().message == "a post must be a JSON object");
}

TEST_CASE("deep nesting is refused without exhausting the stack") {
    const std::string deep(100000, '[');
    const auto r = post_from_json(deep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure().message.find("nested deeper than") != std::string::npos);
}

TEST_CASE("invalid UTF-8 in JSON is refused") {
    const auto r = post_from_json("{\"id\":\"x\",\"text\":\"\xC3\x28\"}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure().message.find("encoding") != std::string::npos);
}

TEST_CASE("NUL inside JSON strings is kept by length") {
    const auto r = post_from_json(R"({"id":"a\u0000b","text":""})");
    REQUIRE(r.ok());
    CHECK(r->id == std::string("a\0b", 3));
}

TEST_CASE("a number with thousands of zeros after the decimal point parses safely") {
    // RapidJSON 1.1.0's full-precision strtod read out of bounds here (found by fuzzing).
    const std::string json =
        R"({"id":"x","text":"t","score":0.)" + std::string(4000, '0') + "1e-5}";
    const auto r = post_from_json(json);
    REQUIRE(r.ok());
    CHECK(r->id == "x");
}
