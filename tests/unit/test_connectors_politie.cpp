#include "connectors/json_cursor.hpp"
#include "connectors/politie.hpp"
#include "tests/support/files.hpp"
#include "tests/support/responses.hpp"

#include <doctest/doctest.h>

using namespace wijkwacht;
using wijkwacht::test::fixture;
using wijkwacht::test::ok_response;
using wijkwacht::test::read_file;

namespace {

SourceConfig utrecht() {
    SourceConfig s;
    s.name = "politie-utrecht";
    s.type = "politie";
    s.url = "https://api.politie.nl/";
    s.kinds = {"nieuws", "gezocht", "vermist"};
    s.lat = 52.0907;
    s.lon = 5.1214;
    s.radius = 10;
    s.tags = {{"region", "utrecht"}};
    return s;
}

std::string utc(std::string_view local) {
    const auto t = parse_dutch_local_time(local);
    return t ? format_rfc3339(*t) : "none";
}

} // namespace

TEST_CASE("politie: Dutch local times to UTC, summer and winter, at both switches") {
    CHECK(utc("2026-07-14 09:30:00") == "2026-07-14T07:30:00Z"); // CEST
    CHECK(utc("2026-01-10 14:00:00") == "2026-01-10T13:00:00Z"); // CET
    CHECK(utc("2026-03-29 01:30:00") == "2026-03-29T00:30:00Z"); // before the spring switch
    CHECK(utc("2026-03-29 03:30:00") == "2026-03-29T01:30:00Z"); // after it
    CHECK(utc("2026-10-25 03:30:00") == "2026-10-25T02:30:00Z"); // after the autumn switch
    CHECK(utc("2022-04-02T20:46:00") == "2022-04-02T18:46:00Z");
    CHECK(utc("2026-02-30 10:00:00") == "none");
    CHECK(utc("gisteren") == "none");
    CHECK(utc("") == "none");
}

TEST_CASE("politie: one cycle reads every kind, one page each on the first run") {
    const PolitieConnector c(utrecht());
    auto request = c.next_request("");
    CHECK(request.url == "https://api.politie.nl/v4/nieuws?language=nl&lat=52.090700&lon=5.121400"
                         "&radius=10.0&maxnumberofitems=25&offset=0");
    const auto nieuws = c.parse(ok_response(read_file(fixture("politie/nieuws.json"))), "");
    REQUIRE(nieuws.ok());
    CHECK(nieuws->posts.size() == 2);
    CHECK(nieuws->more); // on to the next kind, though this one says it has more
    CHECK(c.next_request(nieuws->cursor).url.find("/v4/gezocht?") != std::string::npos);

    const auto gezocht =
        c.parse(ok_response(read_file(fixture("politie/gezocht.json"))), nieuws->cursor);
    REQUIRE(gezocht.ok());
    CHECK(gezocht->more);
    CHECK(c.next_request(gezocht->cursor).url.find("/v4/vermist?") != std::string::npos);

    const auto vermist =
        c.parse(ok_response(read_file(fixture("politie/vermist.json"))), gezocht->cursor);
    REQUIRE(vermist.ok());
    CHECK_FALSE(vermist->more); // the cycle is complete
    const auto cursor = read_cursor(vermist->cursor);
    CHECK(cursor.at("newest.nieuws") == "2026-07-14T07:30:00Z");
    CHECK(cursor.at("newest.gezocht") == "2026-10-25T00:30:00Z");
    CHECK(cursor.count("kind") == 0);
    CHECK(c.next_request(vermist->cursor).url.find("/v4/nieuws?") != std::string::npos);
}

TEST_CASE("politie: items become posts with text, media, time and author") {
    const PolitieConnector c(utrecht());
    const auto nieuws = c.parse(ok_response(read_file(fixture("politie/nieuws.json"))), "");
    REQUIRE(nieuws.ok());
    const Post& p = nieuws->posts[0];
    CHECK(p.source == "politie-utrecht");
    CHECK(p.platform == "politie");
    CHECK(p.id == "https://www.politie.nl/nieuws/2026/juli/14/01-inbraak-lindenstraat.html");
    CHECK(p.url == p.id);
    CHECK(p.created_at == "2026-07-14T07:30:00Z");
    CHECK(p.author.handle == "politie.nl");
    CHECK(p.author.name == "Politie Utrecht");
    CHECK(p.lang == "nl");
    CHECK(p.tags.at("region") == "utrecht");
    CHECK(p.text == "Getuigen gezocht van inbraak Lindenstraat\n"
                    "Utrecht - In de nacht van maandag op dinsdag is ingebroken in een woning.\n"
                    "Rond 03.00 uur zagen buurtbewoners twee mannen bij een woning aan de "
                    "Lindenstraat.\nHeeft u iets gezien? Bel 0900-8844."); // <br> as a line
    REQUIRE(p.media.size() == 1);
    CHECK(p.media[0].kind == MediaKind::image);
    CHECK(p.media[0].description == "Een voordeur");
    CHECK(nieuws->posts[1].text ==
          "Koffie met de wijkagent\nKom langs in het buurthuis & praat mee.");

    const auto gezocht =
        c.parse(ok_response(read_file(fixture("politie/gezocht.json"))), R"({"kind":"1"})");
    REQUIRE(gezocht.ok());
    REQUIRE(gezocht->posts.size() == 1);
    const Post& g = gezocht->posts[0];
    CHECK(g.text == "Wie herkent deze man? Straatroof in het centrum\nEen vrouw werd beroofd van "
                    "haar tas.\nDe man droeg een donkere jas.\nHerkent u de man?\nOudegracht, "
                    "Utrecht");
    REQUIRE(g.media.size() == 3); // the photo once, the video, the description's picture
    CHECK(g.media[0].url.ends_with("verdachte1.jpg"));
    CHECK(g.media[1].kind == MediaKind::video);
    CHECK(g.media[1].description == "Camerabeelden");
    CHECK(g.media[2].url.ends_with("signalement.jpg"));

    // The documentation's camelCase keys read the same.
    const auto vermist =
        c.parse(ok_response(read_file(fixture("politie/vermist.json"))), R"({"kind":"2"})");
    REQUIRE(vermist.ok());
    const Post& v = vermist->posts[0];
    CHECK(v.created_at == "2026-03-29T00:30:00Z");
    CHECK(v.text == "Vermist: Jan (15)\nSinds zaterdag wordt Jan vermist.\nAmersfoort");
    REQUIRE(v.media.size() == 1);
    CHECK(v.media[0].description == "Jan");
}

TEST_CASE("politie: pages back while a whole page is newer than the last cycle's newest") {
    const PolitieConnector c(utrecht());
    const std::string known = R"({"newest.nieuws":"2026-01-01T00:00:00Z"})";
    const auto page = c.parse(ok_response(read_file(fixture("politie/nieuws.json"))), known);
    REQUIRE(page.ok());
    CHECK(page->more);
    CHECK(c.next_request(page->cursor).url.ends_with("&offset=25")); // the same kind, further back
    // A page that reaches known items ends the kind.
    const std::string recent = R"({"newest.nieuws":"2026-05-01T00:00:00Z"})";
    const auto done = c.parse(ok_response(read_file(fixture("politie/nieuws.json"))), recent);
    REQUIRE(done.ok());
    CHECK(c.next_request(done->cursor).url.find("/v4/gezocht?") != std::string::npos);
}

TEST_CASE("politie: 204 is an empty list; HTML pages and bad JSON are failures that say so") {
    const PolitieConnector c(utrecht());
    HttpResponse empty = ok_response("");
    empty.status = 204;
    const auto none = c.parse(empty, "");
    REQUIRE(none.ok());
    CHECK(none->posts.empty());
    CHECK(none->more);

    const auto html = c.parse(ok_response(read_file(fixture("politie/error.html"))), "");
    REQUIRE_FALSE(html.ok());
    CHECK(html.failure().message ==
          "the API answered with an HTML page, not JSON: \"Politie - Er is iets misgegaan\"");
    CHECK_FALSE(c.parse(ok_response("{\"iterator\":"), "").ok());
    CHECK(c.parse(ok_response(R"({"nieuwsberichten":{}})"), "").failure().message ==
          "\"nieuwsberichten\" is not a list");
    CHECK(c.parse(ok_response(std::string(10000, '[')), "").failure().message.find("not JSON") ==
          0);
    Failure refused = permanent_failure("HTTP 400");
    refused.status = 400;
    CHECK(c.advice(refused, "").find("radius must be 0.5, 2, 5, 10 or 25 km") != std::string::npos);
}

TEST_CASE("conformance: the recorded politie.nl news answer in ../shared/fixtures parses") {
    const auto file =
        wijkwacht::test::shared_fixtures() / "listening" / "politie_v4_nieuws_response.json";
    if (!std::filesystem::exists(file)) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    SourceConfig s = utrecht();
    s.kinds = {"nieuws"};
    const PolitieConnector c(s);
    const auto result = c.parse(ok_response(read_file(file)), "");
    REQUIRE(result.ok());
    CHECK(result->posts.size() == 10);
    for (const auto& post : result->posts) {
        CHECK(post.id.starts_with("https://www.politie.nl/"));
        CHECK(post.text.size() > 40);
        CHECK(post.created_at.ends_with("Z"));
        CHECK(post.created_at != "2026-11-29T10:00:00Z"); // a real time, not the fetch time
    }
}

TEST_CASE("politie: an item's area names and coordinates become place hints") {
    const PolitieConnector c(utrecht());
    const auto nieuws = c.parse(ok_response(read_file(fixture("politie/nieuws.json"))), "");
    REQUIRE(nieuws.ok());
    REQUIRE(nieuws->posts.size() == 2);
    const auto& first = nieuws->posts[0].places;
    REQUIRE(first.size() == 2);
    CHECK(first[0].how == "field");
    CHECK(first[0].name == "Utrecht");
    CHECK(first[0].code.empty()); // the tagger resolves it
    CHECK(first[1].how == "geo");
    CHECK(*first[1].lat == doctest::Approx(52.09));
    CHECK(*first[1].lon == doctest::Approx(5.12));
    REQUIRE(nieuws->posts[1].places.size() == 1); // no coordinates

    const auto body = R"({"iterator":{"last":true,"offset":0},"nieuwsberichten":[
        {"uid":"a","url":"https://www.politie.nl/nieuws/a","titel":"Camera's","publicatiedatum":"2026-01-10 14:00:00",
         "gebied":"Tilburg, Waalwijk , ,Waspik",
         "locaties":[{"latitude":51.6,"longitude":5.05},{"latitude":"x","longitude":5},{"latitude":91,"longitude":5}]}]})";
    const auto parsed = c.parse(ok_response(body), "");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->posts.size() == 1);
    std::vector<std::string> names;
    for (const auto& p : parsed->posts[0].places)
        names.push_back(p.how + ":" + p.name);
    CHECK(names ==
          std::vector<std::string>{"field:Tilburg", "field:Waalwijk", "field:Waspik", "geo:"});
}
