// docs/RULES.md, sentence by sentence: every claim the guide makes about
// the language, the checks and the default packs, through the public
// RuleSet (the compiled path staff get).

#include "tests/support/rules.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>

using namespace wijkwacht;

namespace {

RuleSet one_rule(std::string_view query) {
    return test::one_rule(query, "RULES.md");
}

bool fires(std::string_view query, std::string text, Post post = {}) {
    return test::fires(one_rule(query), std::move(text), std::move(post));
}

std::string error_of(std::string_view query) {
    return test::load_error(test::rule_file(query), "RULES.md");
}

} // namespace

TEST_CASE("RULES.md: the query language table") {
    // `inbraak`: the whole word, also the hashtag; not woninginbraak
    CHECK(fires("inbraak", "Inbraak gemeld"));
    CHECK(fires("inbraak", "alweer #inbraak"));
    CHECK_FALSE(fires("inbraak", "woninginbraak gemeld"));
    // `fiets*`: fietsen, fietsendief
    CHECK(fires("fiets*", "drie fietsen"));
    CHECK(fires("fiets*", "een fietsendief"));
    // `*inbraak`: woninginbraak
    CHECK(fires("*inbraak", "woninginbraak"));
    CHECK_FALSE(fires("*inbraak", "inbraakpoging"));
    // `*inbraak*`: woninginbraak, inbraakpoging
    CHECK(fires("*inbraak*", "woninginbraak"));
    CHECK(fires("*inbraak*", "inbraakpoging"));
    // `#inbraak`: only the hashtag
    CHECK(fires("#inbraak", "#inbraak"));
    CHECK_FALSE(fires("#inbraak", "inbraak"));
    // in quotes too, alone or inside a phrase
    CHECK(fires("\"#wanted\"", "#wanted in Leeds"));
    CHECK_FALSE(fires("\"#wanted\"", "I wanted to go"));
    CHECK(fires("\"man #wanted\"", "man #wanted"));
    CHECK_FALSE(fires("\"man #wanted\"", "man wanted"));
    // `@wijkagent`: only a mention, also @wijkagent@instance.example
    CHECK(fires("@wijkagent", "vraag het @wijkagent"));
    CHECK(fires("@wijkagent", "vraag het @wijkagent@instance.example"));
    CHECK_FALSE(fires("@wijkagent", "vraag het de wijkagent"));
    // phrases: the words one after the other
    CHECK(fires("\"getuigen gezocht\"", "Getuigen gezocht!"));
    CHECK_FALSE(fires("\"getuigen gezocht\"", "gezocht: getuigen"));
    // `e-bike`: searched as a phrase
    CHECK(fires("e-bike", "mijn e-bike"));
    CHECK(fires("e-bike", "mijn e bike"));
    // AND, side by side
    CHECK(fires("fiets AND gestolen", "gestolen fiets"));
    CHECK(fires("fiets gestolen", "gestolen fiets"));
    CHECK_FALSE(fires("fiets gestolen", "fiets gevonden"));
    // OR
    CHECK(fires("fiets OR scooter", "scooter"));
    // NOT, -
    CHECK_FALSE(fires("inbraak NOT preventie", "inbraak preventie"));
    CHECK_FALSE(fires("inbraak -preventie", "inbraak preventie"));
    CHECK(fires("inbraak -preventie", "inbraak"));
    // parentheses group
    CHECK(fires("(a1 OR b1) AND c1", "b1 c1"));
    CHECK_FALSE(fires("(a1 OR b1) AND c1", "a1 b1"));
    // NEAR/3: at most 3 words apart, any order
    CHECK(fires("fiets NEAR/3 gestolen", "fiets is vannacht gestolen"));
    CHECK(fires("fiets NEAR/3 gestolen", "gestolen is mijn fiets"));
    CHECK_FALSE(fires("fiets NEAR/3 gestolen", "fiets is vannacht bij ons gestolen"));
    // ONEAR/3: in order
    CHECK(fires("fiets ONEAR/3 gestolen", "fiets gestolen"));
    CHECK_FALSE(fires("fiets ONEAR/3 gestolen", "gestolen fiets"));
}

TEST_CASE("RULES.md: matching ignores case, accents and width") {
    CHECK(fires("cafe", "Café"));
    CHECK(fires("inbraak", "ＩＮＢＲＡＡＫ"));
    CHECK(fires("ijzer", "ĳzer"));
    CHECK(fires("inbraak", "in\u200Bbraak"));
    CHECK(fires("inbraak", "in\u00ADbraak"));
}

TEST_CASE("RULES.md: fields") {
    Post p;
    p.media.push_back({MediaKind::video, "https://x/v.mp4", "", ""});
    p.author.handle = "wijkagent_noord@mastodon.example";
    p.source = "politie-noord";
    p.platform = "bluesky";
    p.lang = "nl-BE";
    p.tags = {{"region", "noord"}};
    p.repost = true;
    CHECK(fires("has:media", "x", p));
    CHECK(fires("has:video", "x", p));
    CHECK_FALSE(fires("has:image", "x", p));
    CHECK_FALSE(fires("has:audio", "x", p));
    CHECK(fires("has:link", "zie https://x.example", p)); // a URL in the text
    CHECK(fires("from:wijkagent_*", "x", p));             // wildcards
    CHECK(fires("from:wijkagent_noord", "x", p));         // the part before @instance
    CHECK(fires("source:politie-*", "x", p));
    CHECK(fires("platform:bluesky", "x", p));
    CHECK(fires("lang:nl", "x", p)); // nl also matches nl-BE
    CHECK(fires("tag:region=noord", "x", p));
    CHECK(fires("is:repost", "x", p));
    CHECK_FALSE(fires("is:reply", "x", p));
    CHECK(fires("regex:/deurbel(camera)?/", "DEURBELCAMERA", p)); // case-insensitive
    CHECK_FALSE(fires("to:wijkagent_*", "x", p));                 // the author is not the addressee
    p.reply_to = ReplyTo{"at://x", "", "wijkagent_zuid@mastodon.example"};
    CHECK(fires("to:wijkagent_*", "x", p)); // the author of the post replied to
    CHECK(fires("to:wijkagent_zuid", "x", p));
    p.reply_to.reset();
    p.mentions = {"politie.example.bsky.social"};
    CHECK(fires("to:politie.*", "x", p)); // or a mention
    CHECK_FALSE(fires("to:wijkagent_*", "x", p));
}

TEST_CASE("RULES.md: checks are errors with line and column") {
    CHECK(error_of("a AND b OR c").find("RULES.md:4:") == 0);
    CHECK(error_of("a AND b OR c").find("AND and OR are mixed") != std::string::npos);
    CHECK(error_of("(a AND b) OR c").empty());
    CHECK(error_of("NOT preventie").find("only excludes") != std::string::npos);
    CHECK(error_of("a OR -b").find("only excludes") != std::string::npos);
    CHECK(error_of("in*").find("at least 3 letters") != std::string::npos);
    CHECK(error_of("a NEAR/21 b").find("more than 20") != std::string::npos);
    CHECK(error_of("has:media NEAR/3 b").find("NEAR/ONEAR can only join") != std::string::npos);
    CHECK(error_of("smell:x").find("unknown field") != std::string::npos);
    CHECK(error_of("has:smell").find("has:media|image|video|audio|link") != std::string::npos);
    CHECK(error_of("regex:/(/").find("regex:/(/:") != std::string::npos);
    CHECK(error_of(std::string(101, '(') + "a" + std::string(101, ')'))
              .find("nested more than 100") != std::string::npos);
}

TEST_CASE("RULES.md: the default packs cover every category of the taxonomy") {
    const auto packs =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    std::set<std::string> top;
    for (const auto& rule : packs.rules())
        for (const std::string category :
             {"crime.burglary", "crime.theft", "crime.pickpocketing", "crime.robbery",
              "crime.violence", "crime.threat", "crime.explosion", "crime.vandalism", "crime.drugs",
              "crime.fraud", "crime.cyber", "crime.sexual", "crime.traffic", "crime.weapons",
              "public.missing", "public.witness_appeal", "footage.shared", "victim.help"})
            if (rule.category == category || rule.category.starts_with(category + "."))
                top.insert(category);
    CHECK(top.size() == 18);
}

TEST_CASE("RULES.md: each pack's rules are guarded by language") {
    const auto packs =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    const auto categories = [&](std::string text, std::string lang) {
        Post p;
        p.platform = "feed";
        p.text = std::move(text);
        p.lang = std::move(lang);
        std::set<std::string> out;
        for (const auto& m : packs.evaluate(p))
            out.insert(m.category);
        return out;
    };
    CHECK_FALSE(categories("Police set new rules for pursuits - The Plain Dealer", "en")
                    .count("crime.drugs"));
    CHECK(categories("Dealer aangehouden in Oud Woensel", "nl").count("crime.drugs"));
    CHECK(categories("Dealer aangehouden in Oud Woensel", "").count("crime.drugs"));
}

TEST_CASE("RULES.md: word families, what they cover and what not") {
    const auto families = RuleSet::parse(R"(
[[rule]]
id = "a"
category = "c"
query = '~stelen'

[[rule]]
id = "b"
category = "c"
query = '~inbreken'

[[rule]]
id = "c"
category = "c"
query = '~rob'

[[rule]]
id = "d"
category = "c"
query = '~helen'
)",
                                         "RULES.md");
    const auto fired = [&](std::string text) {
        Post p;
        p.text = std::move(text);
        std::set<std::string> out;
        for (const auto& m : families.evaluate(p))
            out.insert(m.rule);
        return out;
    };
    for (const char* text : {"steel", "steelt", "stal", "stalen", "gestolen", "stelend"})
        CHECK_MESSAGE(fired(text).count("a"), text);
    CHECK(fired("de vraag werd gesteld").empty());
    CHECK(fired("er is ingebroken").count("b"));
    CHECK(fired("hij brak gisteren in").empty());   // a split separable verb
    CHECK(fired("zeehonden en robben").count("c")); // both languages' families
    CHECK(fired("heel mooi").count("d"));
}

TEST_CASE("RULES.md: footage is a camera word together with an incident, not every photo") {
    const auto packs =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    const auto categories = [&](std::string text, bool media) {
        Post p;
        p.platform = "mastodon";
        p.text = std::move(text);
        if (media)
            p.media.push_back({MediaKind::image, "https://x/i.jpg", "", ""});
        std::set<std::string> out;
        for (const auto& m : packs.evaluate(p))
            out.insert(m.category);
        return out;
    };
    CHECK(categories("Camerabeelden van de inbraak: herkent u de dader?", true)
              .count("footage.shared"));
    CHECK(categories("Wie herkent deze man?", true).count("footage.shared"));
    CHECK_FALSE(categories("Wat een mooie zonsondergang op de foto", true).count("footage.shared"));
    CHECK_FALSE(categories("Bekijk de video van de open dag", true).count("footage.shared"));
}

TEST_CASE("RULES.md: the packs leave out advice, statistics, idioms, films and sport") {
    const auto packs =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    for (const char* text :
         {"Tips om inbraak te voorkomen: sluit je ramen",
          "Het aantal woninginbraken is met 12 procent gedaald", "Die prijzen zijn echt diefstal",
          "Ajax steelt de show", "Net een film over een bankoverval gezien",
          "That price is daylight robbery", "Mijn hart is gestolen", "Onze kat is vermist"}) {
        Post p;
        p.platform = "mastodon";
        p.text = text;
        CAPTURE(text);
        CHECK(packs.evaluate(p).empty());
    }
}

TEST_CASE("hostile rule files: a 10,000-term query and invalid UTF-8 compile or fail cleanly") {
    std::string many = "w0";
    for (int i = 1; i < 10000; ++i)
        many += " OR w" + std::to_string(i);
    const auto set = one_rule(many);
    Post p;
    p.text = "zeg w9999 en w17";
    const auto matches = set.evaluate(p);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].spans.size() == 2);
    CHECK(error_of("inbraak\xFF").find("RULES.md:4:") == 0);
}
