#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/places.hpp>
#include <wijkwacht/rules.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace wijkwacht;

namespace {

const std::filesystem::path k_fixture = std::filesystem::path(WIJKWACHT_FIXTURES) / "places";

std::shared_ptr<const Gazetteer> gazetteer() {
    static const auto g = Gazetteer::load(k_fixture);
    return g;
}

const PlaceTagger& tagger() {
    static const PlaceTagger t(gazetteer());
    return t;
}

std::vector<Place> places_of(std::string text, const SourceArea* area = nullptr) {
    Post post;
    post.text = std::move(text);
    return tagger().tag(post, area);
}

// "name/kind/how" of each place, in order.
std::vector<std::string> read(std::string text, const SourceArea* area = nullptr) {
    std::vector<std::string> out;
    for (const auto& p : places_of(std::move(text), area))
        out.push_back(p.name + "/" + p.kind + "/" + p.how);
    return out;
}

std::vector<std::string> codes(std::string text, const SourceArea* area = nullptr) {
    std::vector<std::string> out;
    for (const auto& p : places_of(std::move(text), area))
        out.push_back(p.code);
    return out;
}

using Names = std::vector<std::string>;

// The problems a ConfigError from `load` lists, one a line; empty: none.
template <typename Load> std::string problems(Load&& load) {
    try {
        load();
    } catch (const ConfigError& e) {
        std::string all;
        for (const auto& p : e.problems())
            all += p + "\n";
        return all;
    }
    return {};
}

std::string problems_of(std::string_view tsv) {
    return problems([&] { Gazetteer::parse(tsv, "g.tsv"); });
}

} // namespace

TEST_CASE("a gazetteer names the line of every mistake in it") {
    CHECK(problems_of("# header\nGM1\tgemeente\tX\n").find("g.tsv:2: expected 8") !=
          std::string::npos);
    CHECK(problems_of("X1\tstad\tX\t\t\t\t\t\n").find("g.tsv:1: unknown kind \"stad\"") !=
          std::string::npos);
    CHECK(problems_of("X1\tgemeente\tX\t\t\t\t\t\nX1\tgemeente\tY\t\t\t\t\t\n")
              .find("g.tsv:2: code X1 appears twice") != std::string::npos);
    CHECK(problems_of("W1\twoonplaats\tX\t\tGM9\t\t\t\n")
              .find("g.tsv:1: parent GM9 is not in the gazetteer") != std::string::npos);
    CHECK(problems_of("W1\twoonplaats\tX\t\t\tnoord\t5\t\n").find("decimal degrees") !=
          std::string::npos);
    CHECK(problems_of("# only a header\n").find("holds no places") != std::string::npos);
    CHECK_THROWS_AS(Gazetteer::load(k_fixture / "missing.tsv"), ConfigError);
    const auto g = gazetteer();
    CHECK(g->description().find("hand-written") != std::string::npos);
    REQUIRE(g->by_code("WP3295") != nullptr);
    CHECK(
        g->above(static_cast<std::uint32_t>(g->by_code("WP3295") - g->entries().data()), "eenheid")
            ->name == "Midden-Nederland");
}

TEST_CASE("places are read by their names, aliases, adjectives, demonyms and hashtags") {
    CHECK(read("Inbraak in Utrecht vannacht") == Names{"Utrecht/woonplaats/text"});
    CHECK(read("Aanhouding in 's-Gravenhage") == Names{"Den Haag/woonplaats/text"});
    CHECK(read("Aanhouding in Den Haag") == Names{"Den Haag/woonplaats/text"});
    CHECK(read("De Rotterdamse politie en een Amsterdammer") == Names{"Amsterdam/woonplaats/text"});
    CHECK(read("Een Hagenees en de Haagse rechtbank") == Names{"Den Haag/woonplaats/text"});
    CHECK(read("#politieUtrecht zoekt getuigen") == Names{"Utrecht/woonplaats/text"});
    CHECK(read("#DenHaag #Birmingham") ==
          Names{"Den Haag/woonplaats/text", "Birmingham/town/text"});
    CHECK(read("Overval in de provincie Utrecht") == Names{"Utrecht/provincie/text"});
    CHECK(read("De gemeente Utrecht sluit een pand") == Names{"Utrecht/gemeente/text"});
    CHECK(read("West Midlands Police said") == Names{"West Midlands/force/text"});
    CHECK(read("Birmingham City Council said") == Names{"Birmingham/town/text"});
    // Places above it are named on the place.
    const auto p = places_of("Ingebroken in Maarssen");
    REQUIRE(p.size() == 1);
    CHECK(p[0].gemeente == "Utrecht");
    CHECK(p[0].provincie == "Utrecht");
    CHECK(p[0].eenheid == "Midden-Nederland");
    CHECK(p[0].basisteam == "Utrecht-Stad");
    CHECK(p[0].spans == std::vector<Span>{{14, 22}});
    REQUIRE(p[0].lat.has_value());
}

TEST_CASE("a politie.nl title's place prefix is the place the item is about") {
    const auto p = places_of("Nijmegen - Man aangehouden na woninginbraak in Lent");
    REQUIRE(p.size() == 2);
    CHECK(p[0].name == "Nijmegen");
    CHECK(p[0].how == "prefix");
    CHECK(p[1].name == "Lent");
    // The prefix counts even for a name that is also a word.
    CHECK(read("Best - Fietsen gestolen") == Names{"Best/woonplaats/prefix"});
    // The place named most often comes first after the prefix.
    CHECK(codes("Auto in Maarssen gestolen; een man uit Utrecht, Utrecht en Utrecht") ==
          Names{"WP3295", "WP1010"});
}

TEST_CASE("names that are ordinary words, surnames and streets are not read as places") {
    CHECK(read("Best wel een rare dag") == Names{});
    CHECK(read("Lent is begonnen") == Names{});
    CHECK(read("het was de beste dag, zei ze") == Names{});
    CHECK(read("Fietsen gestolen in Best") == Names{"Best/woonplaats/text"});
    CHECK(read("Inbraak bij een woning. Best gemeente reageert niet") == Names{});
    CHECK(read("Verdachte Kees van Amsterdam is vrijgesproken") == Names{});
    CHECK(read("Volgens Van Amsterdam is het onzin") == Names{});
    CHECK(read("De burgemeester van Amsterdam reageert") == Names{"Amsterdam/woonplaats/text"});
    CHECK(read("Ongeluk op de Utrechtse Baan") == Names{});
    CHECK(read("de politie in utrecht") == Names{});
    // Headlines in title case: a word-name needs a place word before it.
    CHECK(read("The Best Way To Keep Your Bike Safe This Year") == Names{});
    CHECK(read("Two Bikes Stolen In Best Overnight Near School") == Names{"Best/woonplaats/text"});
}

TEST_CASE("a name two places share is read by what the post says, or by their size") {
    // Size: Hengelo in Overijssel is nine times the one in Gelderland.
    CHECK(codes("Steekpartij in Hengelo") == Names{"WP1773"});
    // Context: another place in the post.
    CHECK(codes("Steekpartij in Hengelo, gemeente Bronckhorst") == Names{"WP1774", "GM1876"});
    CHECK(codes("Inbraken in Oss en Haren") == Names{"GM0828", "WP1004"});
    CHECK(codes("Inbraken in Groningen en Haren") == Names{"WP1001", "WP1002"});
    // A qualifier.
    CHECK(codes("Brand in Bergen (L)") == Names{"WP1003"});
    CHECK(codes("Brand in Bergen (NH)") == Names{"WP2120"});
    // Two Elsts of unlike size: the bigger, unless the post says otherwise.
    CHECK(codes("Overval in Elst") == Names{"WP1008"});
    CHECK(codes("Overval in Elst bij Rhenen") == Names{"WP1009", "GM0340"});
    // Nothing tells them apart and they are alike: no place rather than a wrong one.
    const auto readings = tagger().explain("Inbraak in Oosterend");
    REQUIRE(readings.size() == 1);
    CHECK(readings[0].verdict.find("dropped") == 0);
    CHECK_FALSE(readings[0].place.has_value());
}

TEST_CASE("a neighbourhood is read only with its town, and America's towns are not ours") {
    CHECK(read("Schoten in Kanaleneiland") == Names{});
    CHECK(read("Schoten in Kanaleneiland in Utrecht") ==
          Names{"Kanaleneiland/wijk/text", "Utrecht/woonplaats/text"});
    // "Centrum" is a wijk in Amsterdam and in Hengelo: the town decides.
    CHECK(codes("Zakkenroller in Centrum van Hengelo") == Names{"WK016401", "WP1773"});
    CHECK(codes("Shots fired in Boston, MA near the harbor") == Names{});
    CHECK(codes("Man arrested in Boston, Lincolnshire, after a burglary") == Names{"TW-boston"});
}

TEST_CASE("the source's area decides shared names and places posts that name none") {
    SourceArea limburg{{static_cast<std::uint32_t>(gazetteer()->by_code("GM0893") -
                                                   gazetteer()->entries().data())}};
    CHECK(codes("Brand in Bergen", &limburg) == Names{"WP1003"});
    CHECK(read("Fiets gestolen bij het station", &limburg) == Names{"Bergen/gemeente/source"});
    // A post that names a place keeps it.
    CHECK(read("Fiets gestolen in Utrecht", &limburg) == Names{"Utrecht/woonplaats/text"});
}

TEST_CASE("a connector's region field and coordinates become places") {
    Post post;
    post.text = "Getuigen gezocht van een overval";
    Place field;
    field.how = "field";
    field.name = "Maarssen";
    Place geo;
    geo.how = "geo";
    geo.lat = 52.262;
    geo.lon = 6.795;
    post.places = {field, geo};
    const auto p = tagger().tag(post);
    REQUIRE(p.size() == 2);
    CHECK(p[0].code == "WP1010");
    CHECK(p[0].how == "field");
    CHECK(p[1].code == "WP1773");
    CHECK(p[1].how == "geo");
    CHECK(*p[1].lat == doctest::Approx(52.262));
    // Far from every place: no place.
    geo.lat = 40.0;
    geo.lon = -74.0;
    post.places = {geo};
    CHECK(tagger().tag(post).empty());
}

TEST_CASE("places and areas travel in Post JSON") {
    Post post;
    post.id = "x";
    post.text = "Inbraak in Maarssen";
    post.places = places_of(post.text);
    post.areas = {"utrecht-stad"};
    const auto back = post_from_json(to_json(post));
    REQUIRE(back);
    CHECK(back->places == post.places);
    CHECK(back->areas == post.areas);
    const auto bad = post_from_json(R"({"id":"x","places":[{"name":"X","how":"guess"}]})");
    REQUIRE_FALSE(bad);
    CHECK(bad.failure().message.find("places[0].how") != std::string::npos);
    CHECK_FALSE(post_from_json(R"({"id":"x","places":[{"lat":"north","how":"geo"}]})"));
}

namespace {

Config config_with(std::string text) {
    return parse_config(text, "/etc/wijkwacht/w.toml");
}

std::string config_problems(std::string text) {
    return problems([&] { config_with(std::move(text)); });
}

std::string area_problems(const Config& config) {
    return problems([&] { Areas areas(config.areas, *gazetteer()); });
}

} // namespace

TEST_CASE("areas are resolved against the gazetteer with clear errors") {
    const auto config = config_with(R"toml(
[[area]]
name = "utrecht-stad"
gemeenten = ["Utrecht"]
[[area]]
name = "twente"
woonplaatsen = ["Hengelo (Overijssel)"]
basisteam = ["BT-twente"]
[[area]]
name = "london"
force_area = ["Metropolitan Police"]
)toml");
    const Areas areas(config.areas, *gazetteer());
    const auto in = [&](std::string text) {
        return areas.of(places_of(text), *gazetteer());
    };
    CHECK(in("Inbraak in Maarssen") == Names{"utrecht-stad"});
    CHECK(in("Schoten in Kanaleneiland in Utrecht") == Names{"utrecht-stad"});
    CHECK(in("Inbraak in Hengelo") == Names{"twente"});
    CHECK(in("Man stabbed in #Hackney") == Names{"london"});
    CHECK(in("Inbraak in Nijmegen") == Names{});
    CHECK(in("Inbraak in de provincie Utrecht") == Names{});

    const auto ambiguous = config_with(R"toml(
[[area]]
name = "a"
gemeenten = ["Bergen", "Atlantis"]
)toml");
    const auto problems = area_problems(ambiguous);
    CHECK(problems.find("/etc/wijkwacht/w.toml:2: area a: gemeente \"Bergen\" is 2 places: "
                        "GM0373 (Noord-Holland), GM0893 (Limburg)") != std::string::npos);
    CHECK(problems.find("no gemeente \"Atlantis\"") != std::string::npos);
    CHECK(area_problems(config_with("[[area]]\nname = \"b\"\ngemeenten = [\"GM0893\"]\n")).empty());
}

TEST_CASE("the configuration checks what areas and routes refer to") {
    CHECK(config_problems("[[area]]\nname = \"a\"\n").find("names no place") != std::string::npos);
    CHECK(config_problems("[[area]]\nname = \"a\"\ngemeenten = [\"X\"]\n[[area]]\nname = "
                          "\"a\"\ngemeenten = [\"Y\"]\n")
              .find("\"a\" is already used") != std::string::npos);
    CHECK(config_problems("[[stream]]\nname = \"s\"\nareas = [\"nowhere\"]\n")
              .find("stream.areas: no [[area]] is called \"nowhere\"") != std::string::npos);
    CHECK(config_problems("[[area]]\nname = \"a\"\ngemeenten = [\"X\"]\n[[stream]]\nname = "
                          "\"s\"\nareas = [\"a\"]\nunplaced = \"elsewhere\"\n")
              .find("stream.unplaced: no [[stream]] is called \"elsewhere\"") != std::string::npos);
    CHECK(config_problems("[[stream]]\nname = \"s\"\nunplaced = \"all\"\n")
              .find("has no effect on a stream without areas") != std::string::npos);
    CHECK(config_problems("[[source]]\nname = \"f\"\ntype = \"feed\"\nurl = "
                          "\"https://example.org/f\"\narea = \"a\"\n")
              .find("source.area: no [[area]] is called \"a\"") != std::string::npos);
}

TEST_CASE("routes send an alert to the streams of its areas, and an unplaced one where they say") {
    const auto config = config_with(R"toml(
[[area]]
name = "utrecht-stad"
gemeenten = ["Utrecht"]
[[stream]]
name = "utrecht"
areas = ["utrecht-stad"]
unplaced = "unplaced"
[[stream]]
name = "unplaced"
categories = ["none.*"]
[[stream]]
name = "utrecht-all"
areas = ["utrecht-stad"]
)toml");
    const Areas areas(config.areas, *gazetteer());
    Alert alert;
    alert.categories = {"crime.burglary"};
    alert.severity = Severity::high;
    const auto routed = [&](std::string text) {
        alert.post.text = std::move(text);
        alert.post.places = places_of(alert.post.text);
        alert.post.areas = areas.of(alert.post.places, *gazetteer());
        return route(config.streams, alert);
    };
    CHECK(routed("Inbraak in Maarssen") == Names{"all", "utrecht", "utrecht-all"});
    CHECK(routed("Inbraak in Nijmegen") == Names{"all"});
    // No place: where `unplaced` says, or the stream itself; never nowhere.
    CHECK(routed("Inbraak in een woning") == Names{"all", "unplaced", "utrecht-all"});
}

TEST_CASE("in: matches an area, a place's name or code, or a place above it") {
    const auto rules = RuleSet::parse(R"toml(
[[rule]]
id = "utrecht"
category = "crime.burglary"
query = 'inbraak in:utrecht'
[[rule]]
id = "den-haag"
category = "crime.burglary"
query = 'inbraak in:den-haag'
[[rule]]
id = "midden"
category = "crime.burglary"
query = 'inbraak in:midden-nederland'
[[rule]]
id = "area"
category = "crime.burglary"
query = 'inbraak in:team-west'
[[rule]]
id = "code"
category = "crime.burglary"
query = 'inbraak in:GM0344'
)toml",
                                      "r.toml");
    const auto fired = [&](std::string text, std::vector<std::string> areas = {}) {
        Post post;
        post.text = std::move(text);
        post.places = places_of(post.text);
        post.areas = std::move(areas);
        std::vector<std::string> out;
        for (const auto& m : rules.evaluate(post))
            out.push_back(m.rule);
        return out;
    };
    CHECK(fired("Inbraak in Maarssen") == Names{"utrecht", "midden"});
    CHECK(fired("Inbraak in de gemeente Utrecht") == Names{"utrecht", "midden", "code"});
    CHECK(fired("Inbraak in 's-Gravenhage") == Names{"den-haag"});
    CHECK(fired("Inbraak in Nijmegen", {"team-west"}) == Names{"area"});
    CHECK(fired("Inbraak ergens") == Names{});
    // Only such rules make the daemon place every post before evaluating it.
    CHECK(rules.uses_places());
    CHECK_FALSE(RuleSet::parse("[[rule]]\nid = \"a\"\ncategory = \"crime.theft\"\nquery = 'fiets "
                               "-has:video'\n",
                               "s.toml")
                    .uses_places());
    CHECK_FALSE(RuleSet::parse("[[rule]]\nid = \"a\"\ncategory = \"crime.theft\"\nquery = 'fiets "
                               "in:utrecht'\nenabled = false\n",
                               "s.toml")
                    .uses_places());
}
