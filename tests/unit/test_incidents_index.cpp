#include <wijkwacht/incidents.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace wijkwacht;

namespace {

Place woonplaats(std::string name, std::string code, std::string gemeente) {
    Place p;
    p.name = std::move(name);
    p.kind = "woonplaats";
    p.code = std::move(code);
    p.gemeente = std::move(gemeente);
    return p;
}

Place wijk(std::string name, std::string code, std::string gemeente) {
    Place p = woonplaats(std::move(name), std::move(code), std::move(gemeente));
    p.kind = "wijk";
    return p;
}

Alert alert(std::string id, std::string text, std::vector<Place> places,
            std::vector<std::string> categories = {"crime.violence"}) {
    Alert a;
    a.id = id;
    a.categories = std::move(categories);
    a.post.id = "post-" + id;
    a.post.text = std::move(text);
    a.post.places = std::move(places);
    return a;
}

const Place k_utrecht = woonplaats("Utrecht", "WP3295", "Utrecht");
const Place k_maarssen = woonplaats("Maarssen", "WP1010", "Utrecht");
const Place k_zwolle = woonplaats("Zwolle", "WP1234", "Zwolle");
const Place k_lombok = wijk("Lombok", "WK034401", "Utrecht");

constexpr std::int64_t k_t0 = 1'760'000'000;

// Adds the alert where the index decides; returns the decision.
IncidentDecision join(IncidentIndex& index, const Alert& a, std::int64_t at) {
    auto d = index.decide(a, at);
    index.add(a, d.incident.empty() ? IncidentIndex::new_id(a.id) : d.incident, at);
    return d;
}

const std::string k_stabbing =
    "Man zwaargewond bij steekpartij aan de Kanaalstraat in Utrecht. Een 34-jarige verdachte "
    "uit Nieuwegein is aangehouden na de ruzie bij snackbar De Gouden Hoek";

} // namespace

TEST_CASE("alerts that tell one event in one place join one incident") {
    IncidentIndex index;
    const auto first = alert("a1", k_stabbing, {k_utrecht});
    CHECK(join(index, first, k_t0).incident.empty());
    // The same text from another source.
    const auto copy = join(index, alert("a2", k_stabbing, {k_utrecht}), k_t0 + 600);
    CHECK(copy.incident == "a1");
    CHECK(copy.reason.find("same text") != std::string::npos);
    // Told in other words, with the rare words of the story and a wijk of the town.
    const auto retold = join(index,
                             alert("a3",
                                   "Steekpartij bij snackbar De Gouden Hoek in Lombok: 34-jarige "
                                   "Nieuwegeiner vast, slachtoffer van de Kanaalstraat zwaargewond",
                                   {k_lombok}),
                             k_t0 + 3600);
    CHECK(retold.incident == "a1");
    const auto* incident = index.find("a1");
    REQUIRE(incident != nullptr);
    CHECK(incident->count == 3);
    CHECK(incident->first_at == k_t0);
    CHECK(incident->last_at == k_t0 + 3600);
    CHECK(incident->alerts == std::vector<std::string>{"a1", "a2", "a3"});
    CHECK(incident->places.size() == 2);
    CHECK(index.open() == 1);
}

TEST_CASE("another place, another kind of crime, or a stale incident is another incident") {
    IncidentIndex index;
    join(index, alert("a1", k_stabbing, {k_utrecht}), k_t0);
    // Two towns of one gemeente are two places.
    const auto elsewhere = alert("b1",
                                 "Steekpartij bij snackbar De Gouden Hoek, 34-jarige verdachte "
                                 "uit Nieuwegein aangehouden na ruzie aan de Kanaalstraat",
                                 {k_maarssen});
    CHECK(index.decide(elsewhere, k_t0 + 60).incident.empty());
    CHECK(
        index.decide(alert("b2", k_stabbing.substr(0, 120) + " en inbraak", {k_zwolle}), k_t0 + 60)
            .incident.empty());
    // The same words about a burglary: not the same event.
    const auto burglary =
        alert("b3",
              "Inbraak bij snackbar De Gouden Hoek aan de Kanaalstraat, 34-jarige "
              "uit Nieuwegein aangehouden",
              {k_utrecht}, {"crime.burglary"});
    CHECK(index.decide(burglary, k_t0 + 60).incident.empty());
    // After the window (12 h since the last alert) the incident is closed.
    CHECK(index.decide(alert("b4", k_stabbing, {k_utrecht}), k_t0 + 13 * 3600).incident.empty());
    index.expire(k_t0 + 13 * 3600);
    CHECK(index.open() == 0);
    CHECK(index.find("a1") == nullptr);
}

TEST_CASE("a reply, or a post with the same link, joins the incident of the post it is about") {
    IncidentIndex index;
    auto first = alert("a1", "Getuigen gezocht van de overval op de juwelier", {k_utrecht},
                       {"crime.robbery", "public.witness_appeal"});
    first.post.url = "https://politie.example/nieuws/overval";
    join(index, first, k_t0);
    auto reply = alert("a2", "Ik zag twee mannen wegrennen", {});
    reply.post.reply_to = ReplyTo{"post-a1", "", ""};
    const auto d = join(index, reply, k_t0 + 60);
    CHECK(d.incident == "a1");
    CHECK(d.reason.find("reply") != std::string::npos);
    auto shared = alert("a3", "Heftig: https://politie.example/nieuws/overval", {k_zwolle},
                        {"footage.shared"});
    CHECK(join(index, shared, k_t0 + 120).incident == "a1");
}

TEST_CASE("an alert split off leaves its incident; a merge moves every alert") {
    IncidentIndex index;
    join(index, alert("a1", k_stabbing, {k_utrecht}), k_t0);
    join(index, alert("a2", k_stabbing, {k_utrecht}), k_t0 + 10);
    join(index,
         alert("b1", "Brand in een schuur in Zwolle, politie gaat uit van brandstichting",
               {k_zwolle}, {"crime.explosion"}),
         k_t0 + 20);
    CHECK(index.open() == 2);
    CHECK(index.remove("a2") == std::optional<std::string>("a1"));
    CHECK(index.find("a1")->count == 1);
    CHECK_FALSE(index.remove("zz").has_value());
    index.merge("b1", "a1");
    CHECK(index.open() == 1);
    CHECK(index.find("a1")->alerts == std::vector<std::string>{"a1", "b1"});
    CHECK(index.find("b1") == nullptr);
}

TEST_CASE("the index holds at most max_open incidents, closing the oldest") {
    IncidentIndex index({std::chrono::hours(12), 3});
    for (int i = 0; i < 5; ++i)
        index.add(alert("a" + std::to_string(i), "Inbraak nummer " + std::to_string(i), {k_utrecht},
                        {"crime.burglary"}),
                  "i" + std::to_string(i), k_t0 + i);
    CHECK(index.open() == 3);
    CHECK(index.find("i0") == nullptr);
    CHECK(index.find("i4") != nullptr);
    CHECK(index.memory() > 0);
    CHECK(IncidentIndex::new_id("abc") == "abc");
}
