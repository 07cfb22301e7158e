#include "connectors/json_cursor.hpp"
#include "connectors/mastodon.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/responses.hpp"

#include <wijkwacht/time.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

using namespace wijkwacht;
using wijkwacht::test::fixture;
using wijkwacht::test::ok_response;
using wijkwacht::test::read_file;

namespace {

SourceConfig account_source() {
    SourceConfig s;
    s.name = "wijkagent-centrum";
    s.type = "mastodon";
    s.instance = "https://mastodon.example/";
    s.account = "wijkagent_centrum";
    s.tags = {{"region", "centrum"}};
    return s;
}

} // namespace

TEST_CASE("mastodon: look the account up once, backfill one page, then resume with min_id") {
    const MastodonConnector c(account_source());
    auto request = c.next_request("");
    CHECK(request.url == "https://mastodon.example/api/v1/accounts/lookup?acct=wijkagent_centrum");

    const auto lookup =
        c.parse(ok_response(read_file(fixture("mastodon/account_lookup.json"))), "");
    REQUIRE(lookup.ok());
    CHECK(lookup->posts.empty());
    CHECK(lookup->more);
    CHECK(read_cursor(lookup->cursor).at("account_id") == "109876543210");

    request = c.next_request(lookup->cursor);
    CHECK(request.url == "https://mastodon.example/api/v1/accounts/109876543210/statuses?limit=20");

    const auto page =
        c.parse(ok_response(read_file(fixture("mastodon/statuses.json"))), lookup->cursor);
    REQUIRE(page.ok());
    CHECK_FALSE(page->more); // the first run takes one page only
    const auto cursor = read_cursor(page->cursor);
    CHECK(cursor.at("min_id") == "113500000000000012");
    CHECK(cursor.at("account_id") == "109876543210");
    CHECK(c.next_request(page->cursor).url ==
          "https://mastodon.example/api/v1/accounts/109876543210/"
          "statuses?limit=40&min_id=113500000000000012");
}

TEST_CASE("mastodon: statuses become posts") {
    const MastodonConnector c(account_source());
    const std::string cursor = write_cursor({{"account_id", "109876543210"}});
    const auto page = c.parse(ok_response(read_file(fixture("mastodon/statuses.json"))), cursor);
    REQUIRE(page.ok());
    REQUIRE(page->posts.size() == 3);

    const Post& a = page->posts[0];
    CHECK(a.platform == "mastodon");
    CHECK(a.source == "wijkagent-centrum");
    CHECK(a.id == "https://mastodon.example/users/wijkagent_centrum/statuses/113500000000000012");
    CHECK(a.url == "https://mastodon.example/@wijkagent_centrum/113500000000000012");
    CHECK(a.created_at == "2026-11-29T09:58:00Z");
    CHECK(a.fetched_at == "2026-11-29T10:00:00Z");
    CHECK(a.author.handle == "wijkagent_centrum@mastodon.example"); // local accounts get the domain
    CHECK(a.author.name == "Wijkagent Centrum");
    CHECK(a.text ==
          "Vannacht is er ingebroken aan de Lindenstraat.\nGetuigen? Bel 0900-8844 #inbraak");
    CHECK(a.lang == "nl");
    CHECK(a.tags.at("region") == "centrum");
    REQUIRE(a.media.size() == 2);
    CHECK(a.media[0].kind == MediaKind::video); // gifv
    CHECK(a.media[0].description == "deurbelcamera");
    CHECK(a.media[1].kind == MediaKind::image);
    CHECK(a.media[1].url == "https://other.example/2.png"); // url null while processing

    const Post& b = page->posts[1];
    CHECK(b.text == "Geweld\nEen man is mishandeld."); // content warning first
    CHECK(b.reply);
    REQUIRE(b.reply_to.has_value());
    CHECK(b.reply_to->id == "113499999999999999");
    CHECK(b.reply_to->handle == "buurtapp@buurt.example"); // the mention of in_reply_to_account_id
    CHECK(b.mentions ==
          std::vector<std::string>{"buurtapp@buurt.example", "collega@mastodon.example"});
    CHECK(b.url == b.id); // url null: the uri
    CHECK(b.author.name == "wijkagent_centrum");
    REQUIRE(b.media.size() == 1);
    CHECK(b.media[0].kind == MediaKind::link);
    CHECK(b.media[0].url == "https://nieuws.example/artikel");

    const Post& boost = page->posts[2];
    CHECK(boost.repost);
    CHECK(boost.id == "https://politie.example/users/politie/statuses/555"); // the original's uri
    CHECK(boost.text == "Witnesses sought after a stabbing");
    CHECK(boost.author.handle == "politie@politie.example");
    CHECK(boost.lang == "en");
    REQUIRE(boost.media.size() == 1);
    CHECK(boost.media[0].kind == MediaKind::audio);
}

TEST_CASE("mastodon: a full page after min_id pages forward; an empty one keeps the cursor") {
    const MastodonConnector c(account_source());
    const std::string cursor = write_cursor({{"account_id", "1"}, {"min_id", "100"}});
    std::string full = "[";
    for (int i = 0; i < k_mastodon_page; ++i)
        full +=
            fmt::format("{}{{\"id\":\"{}\",\"uri\":\"https://m.example/s/{}\",\"content\":\"x\"}}",
                        i ? "," : "", 200 - i, 200 - i);
    full += "]";
    const auto page = c.parse(ok_response(full), cursor);
    REQUIRE(page.ok());
    CHECK(page->more);
    CHECK(read_cursor(page->cursor).at("min_id") == "200");
    const auto empty = c.parse(ok_response("[]"), cursor);
    REQUIRE(empty.ok());
    CHECK_FALSE(empty->more);
    CHECK(read_cursor(empty->cursor).at("min_id") == "100");
    CHECK(empty->notice.empty()); // nothing new since the last poll is normal
    // An empty first page from an anonymous poller may be a closed timeline.
    const auto first = c.parse(ok_response("[]"), write_cursor({{"account_id", "1"}}));
    REQUIRE(first.ok());
    CHECK(first->notice.find("refuse anonymous access") != std::string::npos);
}

TEST_CASE("mastodon: ids compare by length, then lexically") {
    CHECK(mastodon_id_less("99", "100"));
    CHECK(mastodon_id_less("113", "114"));
    CHECK_FALSE(mastodon_id_less("114", "113"));
    CHECK(mastodon_id_less("", "1"));
}

TEST_CASE("mastodon: hashtag timelines") {
    SourceConfig s = account_source();
    s.account.clear();
    s.hashtag = "inbraak";
    s.backfill = 5;
    const MastodonConnector c(s);
    CHECK(c.next_request("").url ==
          "https://mastodon.example/api/v1/timelines/tag/inbraak?limit=5");
    const auto page = c.parse(ok_response(read_file(fixture("mastodon/statuses.json"))), "");
    REQUIRE(page.ok());
    CHECK(page->posts.size() == 3);
}

TEST_CASE("mastodon: a spent rate limit says when to come back") {
    const MastodonConnector c(account_source());
    auto r = ok_response("[]");
    r.headers = {{"X-RateLimit-Remaining", "0"},
                 {"X-RateLimit-Reset", "2026-11-29T10:15:00.212100Z"}};
    const auto page = c.parse(r, write_cursor({{"account_id", "1"}}));
    REQUIRE(page.ok());
    REQUIRE(page->not_before);
    CHECK(format_rfc3339(*page->not_before) == "2026-11-29T10:15:00Z");
}

TEST_CASE("mastodon: bad answers and refusals are explained") {
    const MastodonConnector c(account_source());
    CHECK_FALSE(c.parse(ok_response("<html>"), "").ok());
    CHECK_FALSE(c.parse(ok_response("{\"error\":\"x\"}"), "").ok());
    CHECK_FALSE(c.parse(ok_response("{}"), write_cursor({{"account_id", "1"}})).ok());
    Failure missing{FailureKind::permanent, "HTTP 404", std::nullopt, 404};
    CHECK(c.advice(missing, "").find("does not know the account \"wijkagent_centrum\"") !=
          std::string::npos);
    Failure closed{FailureKind::permanent, "HTTP 401", std::nullopt, 401};
    CHECK(c.advice(closed, "").find("access_token_file") != std::string::npos);
}

TEST_CASE("mastodon: an access token is sent when configured") {
    wijkwacht::test::TempDir dir;
    SourceConfig s = account_source();
    s.access_token_file = dir.path() / "token";
    wijkwacht::test::write_text(s.access_token_file, "s3cret\n");
    const MastodonConnector c(s);
    const auto request = c.next_request("");
    CHECK(std::find(request.headers.begin(), request.headers.end(),
                    std::pair<std::string, std::string>{"Authorization", "Bearer s3cret"}) !=
          request.headers.end());
}

TEST_CASE("conformance: the recorded Mastodon API answers in ../shared/fixtures parse") {
    const auto dir = wijkwacht::test::shared_fixtures();
    if (!std::filesystem::exists(dir)) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    const MastodonConnector c(account_source());
    const auto lookup = c.parse(ok_response(read_file(dir / "mastodon_account_lookup.json")), "");
    REQUIRE(lookup.ok());
    CHECK(read_cursor(lookup->cursor).at("account_id") == "117020565966271181");
    for (const char* name :
         {"mastodon_account_statuses_limit5.json", "mastodon_account_statuses_page2_max_id.json",
          "mastodon_tag_timeline_limit10.json", "mastodon_tag_timeline_empty_end.json"}) {
        CAPTURE(name);
        const auto page = c.parse(ok_response(read_file(dir / name)), lookup->cursor);
        REQUIRE(page.ok());
        std::set<std::string> ids;
        for (const auto& post : page->posts) {
            CHECK(post.id.starts_with("http://localhost:3000/"));
            CHECK(ids.insert(post.id).second);
            CHECK_FALSE(post.text.empty());
            CHECK(post.author.handle.find('@') != std::string::npos);
        }
    }
    const auto media =
        c.parse(ok_response("[" + read_file(dir / "mastodon_status_with_media_single.json") + "]"),
                lookup->cursor);
    REQUIRE(media.ok());
    REQUIRE(media->posts.size() == 1);
    REQUIRE(media->posts[0].media.size() == 1);
    CHECK(media->posts[0].media[0].kind == MediaKind::video);
    const auto two =
        c.parse(ok_response("[" + read_file(dir / "mastodon_status_with_two_images.json") + "]"),
                lookup->cursor);
    REQUIRE(two.ok());
    CHECK(two->posts[0].media.size() == 2);
}

TEST_CASE("mastodon: the local and the federated timeline, resumed with min_id") {
    SourceConfig s = account_source();
    s.account.clear();
    s.timeline = "local";
    const MastodonConnector local(s);
    CHECK(local.next_request("").url ==
          "https://mastodon.example/api/v1/timelines/public?limit=20&local=true");
    const auto page = local.parse(ok_response(read_file(fixture("mastodon/statuses.json"))), "");
    REQUIRE(page.ok());
    CHECK(page->posts.size() == 3); // no account lookup first
    CHECK(local.next_request(page->cursor).url ==
          "https://mastodon.example/api/v1/timelines/public?limit=40&min_id=113500000000000012"
          "&local=true");
    s.timeline = "public";
    CHECK(MastodonConnector(s).next_request("").url ==
          "https://mastodon.example/api/v1/timelines/public?limit=20");
}

TEST_CASE("mastodon: replies = 7d reads the replies under the account's recent posts") {
    SourceConfig s = account_source();
    s.replies = std::chrono::hours(24 * 7);
    const MastodonConnector c(s);
    const std::string looked_up = R"({"account_id":"109876543210"})";
    const auto page = c.parse(ok_response(read_file(fixture("mastodon/statuses.json"))), looked_up);
    REQUIRE(page.ok());
    CHECK(page->more); // the statuses are read: now their replies
    CHECK(c.next_request(page->cursor).url ==
          "https://mastodon.example/api/v1/statuses/113500000000000012/context");

    const std::string context =
        R"({"ancestors":[],"descendants":[{"id":"113500000000000020","created_at":"2026-11-29T09:59:00Z",)"
        R"("in_reply_to_id":"113500000000000012","in_reply_to_account_id":"109876543210",)"
        R"("uri":"https://buurt.example/users/anna/statuses/1","url":"https://buurt.example/@anna/1",)"
        R"("content":"<p>@wijkagent_centrum ik zag een man met een koevoet</p>",)"
        R"("account":{"id":"555","acct":"anna@buurt.example","username":"anna"},)"
        R"("mentions":[{"id":"109876543210","acct":"wijkagent_centrum"}],"media_attachments":[]}]})";
    const auto replies = c.parse(ok_response(context), page->cursor);
    REQUIRE(replies.ok());
    REQUIRE(replies->posts.size() == 1);
    const Post& r = replies->posts[0];
    CHECK(r.text == "@wijkagent_centrum ik zag een man met een koevoet");
    REQUIRE(r.reply_to.has_value());
    CHECK(r.reply_to->id == "113500000000000012");
    CHECK(r.reply_to->handle == "wijkagent_centrum@mastodon.example");
    CHECK(replies->more); // the other post of the window is next
    CHECK(c.next_request(replies->cursor).url ==
          "https://mastodon.example/api/v1/statuses/113500000000000011/context");

    // A deleted post's context is a 404: stepped over, not retried forever.
    Failure gone = permanent_failure("HTTP 404");
    gone.status = 404;
    const auto next = c.recover(gone, replies->cursor);
    REQUIRE(next.has_value());
    CHECK_FALSE(next->more); // the round is over: so is this poll
    CHECK(c.next_request(next->cursor).url.find("/accounts/109876543210/statuses?") !=
          std::string::npos);
    CHECK_FALSE(c.recover(gone, looked_up)); // outside a round, a 404 is a failure
    CHECK(c.parse(ok_response("[]"), replies->cursor).failure().message ==
          "expected {\"descendants\": [...]} from statuses/:id/context");
}
