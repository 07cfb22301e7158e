// Word families (~lemma) and vocabularies ($name): what they expand to, how
// they match inside terms, phrases and NEAR, and every load-time check.

#include "rules/lexicon.hpp"
#include "tests/support/rules.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>

using namespace wijkwacht;

namespace {

rules::Lexicon& lexicon() {
    static rules::Lexicon instance; // loading the dictionaries takes half a second
    return instance;
}

std::set<std::string> forms_of(std::string_view lemma) {
    const auto family = lexicon().family(lemma);
    REQUIRE_MESSAGE(family.error.empty(), family.error);
    return {family.forms.begin(), family.forms.end()};
}

RuleSet rules_of(std::string_view toml) {
    return RuleSet::parse(toml, "r.toml");
}

using test::fires;
using test::one_rule;

bool fires(std::string_view query, std::string text) {
    return fires(one_rule(query), std::move(text));
}

std::string error_of(std::string_view toml) {
    return test::load_error(toml);
}

} // namespace

TEST_CASE("word families: Dutch regular verbs, with ge-…-d/t participles and 't kofschip") {
    const auto bedreigen = forms_of("bedreigen");
    for (const char* form :
         {"bedreig", "bedreigt", "bedreigde", "bedreigden", "bedreigd", "bedreigen"})
        CHECK_MESSAGE(bedreigen.count(form), form);
    CHECK_FALSE(bedreigen.count("gebedreigd")); // be- takes no ge-

    const auto schoppen = forms_of("schoppen");
    for (const char* form : {"schop", "schopt", "schopte", "geschopt"}) // voiceless: -te, -t
        CHECK_MESSAGE(schoppen.count(form), form);
    CHECK_FALSE(schoppen.count("schoppens")); // an infinitive is not pluralised

    const auto dealen = forms_of("dealen");
    CHECK(dealen.count("dealde"));
    CHECK(dealen.count("gedeald"));

    CHECK(forms_of("mishandelen").count("mishandeld")); // mis- is inseparable
    CHECK(forms_of("ontbloten").count("ontblootte"));   // open syllable, long vowel
}

TEST_CASE("word families: Dutch strong verbs from the table, never another lemma's forms") {
    const auto stelen = forms_of("stelen");
    for (const char* form : {"steel", "steelt", "stal", "stalen", "gestolen", "stelend"})
        CHECK_MESSAGE(stelen.count(form), form);
    CHECK_FALSE(stelen.count("gesteld")); // stellen
    CHECK_FALSE(stelen.count("stelde"));
    CHECK_FALSE(stelen.count("gesteeld")); // no weak past for a strong verb

    CHECK(forms_of("slaan").count("sloeg"));
    CHECK(forms_of("slaan").count("geslagen"));
    CHECK(forms_of("schieten").count("geschoten"));
}

TEST_CASE("word families: Dutch separable and inseparable compounds of verbs") {
    const auto inbreken = forms_of("inbreken");
    for (const char* form : {"ingebroken", "inbrak", "inbraken", "inbreekt"})
        CHECK_MESSAGE(inbreken.count(form), form);
    CHECK(forms_of("aftrappen").count("afgetrapt"));
    CHECK(forms_of("neersteken").count("neergestoken"));
    CHECK(forms_of("bestelen").count("bestolen")); // inseparable: no ge-
}

TEST_CASE("word families: Dutch nouns take plurals and diminutives") {
    const auto fiets = forms_of("fiets");
    CHECK(fiets.count("fietsen"));
    CHECK(fiets.count("fietsje"));
    const auto dief = forms_of("dief");
    CHECK(dief.count("dieven")); // f → v
    CHECK(forms_of("straat").count("straten"));
    CHECK(forms_of("kat").count("katten"));
    // Nouns in -een are no verbs: no "te"/"tet" for teen, no "bed" for been.
    const auto teen = forms_of("teen");
    CHECK(teen.count("tenen"));
    CHECK_FALSE(teen.count("te"));
    CHECK_FALSE(teen.count("tet"));
    const auto been = forms_of("been");
    CHECK(been.count("benen"));
    CHECK_FALSE(been.count("bed"));
}

TEST_CASE("word families: English regular and irregular forms") {
    const auto steal = forms_of("steal");
    for (const char* form : {"steals", "stealing", "stole", "stolen"})
        CHECK_MESSAGE(steal.count(form), form);
    CHECK_FALSE(steal.count("stealed"));
    const auto smash = forms_of("smash");
    CHECK(smash.count("smashing"));
    CHECK(smash.count("smashed"));
    CHECK(forms_of("stab").count("stabbed")); // consonant doubling
    CHECK(forms_of("knife").count("knives"));
    CHECK(forms_of("thief").count("thieves"));
    CHECK(forms_of("shoot").count("shot"));
}

TEST_CASE("word families: an unknown lemma is an error with its column") {
    CHECK_FALSE(lexicon().family("xqzwvk").error.empty());
    const auto error =
        error_of("[[rule]]\nid = \"r\"\ncategory = \"crime.x\"\nquery = 'fiets ~xqzwvk'\n");
    CHECK(error.find("r.toml:4:16:") == 0);
    CHECK(error.find("no Dutch or English dictionary knows \"xqzwvk\"") != std::string::npos);
    CHECK(error_of("[[rule]]\nid = \"r\"\ncategory = \"crime.x\"\nquery = '~'\n")
              .find("a word family is '~' and one word") != std::string::npos);
    CHECK(error_of("[[rule]]\nid = \"r\"\ncategory = \"crime.x\"\nquery = '#~stelen'\n")
              .find("'~' and '$' stand only at the start of a term") != std::string::npos);
}

TEST_CASE("word families match as terms, inside phrases and in NEAR, at no other word") {
    CHECK(fires("~stelen", "Mijn fiets is gestolen"));
    CHECK(fires("~stelen", "Hij stal een fiets"));
    CHECK_FALSE(fires("~stelen", "De vraag werd gesteld"));
    CHECK(fires("\"~fiets ~stelen\"", "fietsen gestolen bij het station"));
    CHECK_FALSE(fires("\"~fiets ~stelen\"", "gestolen fietsen"));
    CHECK(fires("~fiets NEAR/3 ~stelen", "gestolen: drie fietsjes"));
    CHECK(fires("~steal", "someone stole my bike"));
    CHECK(fires("~steal", "#stolen bike")); // like any plain term, also the hashtag
    // The matched terms name the family.
    const auto matches = one_rule("~stelen").evaluate([] {
        Post p;
        p.text = "fiets gestolen";
        return p;
    }());
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].terms == std::vector<std::string>{"~stelen"});
}

TEST_CASE("vocabularies: used in any file, nested, and expanded in place") {
    const auto set = rules_of(R"(
[[vocabulary]]
name = "advice"
terms = 'preventie OR tips OR $campaign'

[[vocabulary]]
name = "campaign"
terms = '"week van de" OR campagne'

[[rule]]
id = "burglary"
category = "crime.burglary"
query = '*inbraak* -$advice'
)");
    CHECK(set.vocabularies().size() == 2);
    CHECK(set.warnings().empty());
    CHECK(fires(set, "Woninginbraak aan de Dorpsstraat"));
    CHECK_FALSE(fires(set, "Tips tegen woninginbraak"));
    CHECK_FALSE(fires(set, "De week van de inbraakpreventie"));
    CHECK_FALSE(fires(set, "Campagne tegen inbraak"));

    const auto expansion = set.explain(0);
    CHECK(expansion.vocabularies == std::vector<std::string>{"$advice", "$campaign"});
}

TEST_CASE("vocabularies: undefined, cycles, duplicates and bad names are errors; unused warns") {
    CHECK(error_of("[[rule]]\nid = \"r\"\ncategory = \"c\"\nquery = 'a -$nope'\n") ==
          "r.toml:4:13: rule \"r\": \"$nope\" is not defined: add a [[vocabulary]] with name = "
          "\"nope\"");
    const auto cycle = error_of(R"([[vocabulary]]
name = "a"
terms = 'x OR $b'

[[vocabulary]]
name = "b"
terms = 'y OR $a'

[[rule]]
id = "r"
category = "c"
query = 'z -$a'
)");
    CHECK(cycle.find("refers to itself") != std::string::npos);
    CHECK(cycle.find("r.toml:3:") != std::string::npos);
    CHECK(error_of("[[vocabulary]]\nname = \"a\"\nterms = 'x'\n[[vocabulary]]\nname = \"a\"\n"
                   "terms = 'y'\n[[rule]]\nid = \"r\"\ncategory = \"c\"\nquery = '$a'\n")
              .find("duplicate vocabulary \"a\" (first at r.toml:3:") != std::string::npos);
    CHECK(error_of("[[vocabulary]]\nname = \"A-b\"\nterms = 'x'\n")
              .find("may only use a-z, 0-9 and '_'") != std::string::npos);
    CHECK(error_of("[[vocabulary]]\nname = \"a\"\n").find("needs name and terms") !=
          std::string::npos);
    CHECK(error_of("[[vocabulary]]\nname = \"a\"\nterms = 'x OR'\n").find("r.toml:3:") == 0);
    CHECK(error_of("[[rule]]\nid = \"r\"\ncategory = \"c\"\nquery = '\"a $b\"'\n")
              .find("cannot stand inside a phrase") != std::string::npos);

    const auto unused =
        rules_of("[[vocabulary]]\nname = \"spare\"\nterms = 'x'\n[[rule]]\nid = \"r\"\ncategory = "
                 "\"c\"\nquery = 'a'\n");
    REQUIRE(unused.warnings().size() == 1);
    CHECK(unused.warnings()[0] ==
          "r.toml:3:9: warning: vocabulary \"spare\" is not used by any rule");
}

TEST_CASE("rules explain: the forms of every family and the vocabularies of a rule") {
    const auto set = rules_of(R"(
[[vocabulary]]
name = "advice"
terms = 'preventie'

[[rule]]
id = "theft"
category = "crime.theft"
query = '(~stelen OR ~steal) NEAR/3 ~fiets -$advice'
)");
    const auto expansion = set.explain(0);
    REQUIRE(expansion.families.size() == 3);
    CHECK(expansion.families[0].lemma == "~stelen");
    const auto& forms = expansion.families[0].forms;
    CHECK(std::find(forms.begin(), forms.end(), "gestolen") != forms.end());
    CHECK(expansion.families[1].lemma == "~steal");
    CHECK(expansion.vocabularies == std::vector<std::string>{"$advice"});
}
