#include "rules/query.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/rules.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

using namespace wijkwacht;

namespace {

Post post_with(std::string text) {
    Post p;
    p.source = "wijkagent-centrum";
    p.platform = "mastodon";
    p.id = "x";
    p.text = std::move(text);
    return p;
}

bool matches_post(std::string_view query, const Post& post) {
    auto parsed = rules::parse_query(query);
    REQUIRE_MESSAGE(!parsed.error, (parsed.error ? parsed.error->message : ""));
    const rules::PreparedPost prepared(post);
    std::vector<rules::Hit> hits;
    return rules::evaluate(*parsed.root, prepared, hits);
}

// Does `query` match `text`?
bool matches(std::string_view query, std::string text) {
    return matches_post(query, post_with(std::move(text)));
}

// The error a query produces, as "col: message".
std::string error_of(std::string_view query) {
    const auto parsed = rules::parse_query(query);
    if (!parsed.error)
        return "";
    return std::to_string(parsed.error->column) + ": " + parsed.error->message;
}

} // namespace

TEST_CASE("terms match whole words, case- and accent-insensitively") {
    CHECK(matches("inbraak", "Inbraak aan de Lindenstraat"));
    CHECK_FALSE(matches("inbraak", "Woninginbraak aan de Lindenstraat"));
    CHECK(matches("cafe", "Overval op Café de Zwaan"));
    CHECK(matches("café", "overval op CAFE de zwaan"));
    CHECK_FALSE(matches("fiets", "fietsen"));
}

TEST_CASE("wildcards: word*, *word, *word*") {
    CHECK(matches("fiets*", "drie fietsen gestolen"));
    CHECK_FALSE(matches("fiets*", "bakfiets"));
    CHECK(matches("*inbraak", "woninginbraak gemeld"));
    CHECK_FALSE(matches("*inbraak", "inbraakpoging gemeld"));
    CHECK(matches("*inbraak*", "woninginbraak gemeld"));
    CHECK(matches("*inbraak*", "inbraakpoging gemeld"));
    CHECK(matches("*inbraak*", "inbraak"));
}

TEST_CASE("hashtags and mentions") {
    CHECK(matches("#inbraak", "Alweer #Inbraak"));
    CHECK_FALSE(matches("#inbraak", "Alweer inbraak"));
    CHECK(matches("inbraak", "Alweer #inbraak")); // a plain term also matches the hashtag
    CHECK(matches("*inbraak*", "#woninginbraak"));
    CHECK(matches("@wijkagent", "Tip voor @wijkagent@example.social"));
    CHECK_FALSE(matches("@wijkagent", "de wijkagent zegt"));
    CHECK_FALSE(matches("wijkagent", "Tip voor @wijkagent"));
    // A handle with underscores is one mention: its words are not the text's.
    CHECK(matches("@local_arsonist", "lol @Local_Arsonist"));
    CHECK(matches("@wijk_*", "Tip voor @wijk_agent_3@example.social"));
    CHECK_FALSE(matches("arsonist", "lol @local_arsonist"));
    CHECK_FALSE(matches("@local_arsonist", "the local arsonist"));
}

TEST_CASE("wildcards inside a hashtag or mention keep its scope") {
    CHECK(matches("#*shooting", "Live coverage of #LAXShooting"));
    CHECK(matches("#*shooting", "#shooting near the school"));
    CHECK_FALSE(matches("#*shooting", "the LAX shooting"));
    CHECK_FALSE(matches("#*shooting", "troubleshooting the printer"));
    CHECK(matches("#schiet*", "#schietpartij in Rotterdam"));
    CHECK_FALSE(matches("#schiet*", "schietpartij in Rotterdam"));
    CHECK(matches("#*inbraak*", "#woninginbraakgolf"));
    CHECK(matches("@politie*", "Tip voor @politieamsterdam"));
    CHECK_FALSE(matches("@politie*", "de politieagent"));
    CHECK(matches("\"verdachte #*shooting\"", "verdachte #LAXShooting"));
    CHECK(error_of("#*ab").find("at least 3 letters") != std::string::npos);
}

TEST_CASE("phrases match consecutive words") {
    CHECK(matches("\"broke into\"", "Someone broke into my car"));
    CHECK_FALSE(matches("\"broke into\"", "broke the window and got into"));
    CHECK(matches("\"wie herkent\"", "WIE HERKENT deze man?"));
    CHECK(matches("\"getuigen gezocht*\"", "Getuigen gezochte"));
    CHECK(matches("e-bike", "Mijn e-bike is weg")); // a term the text splits is a phrase
}

TEST_CASE("AND, OR, NOT, '-', implicit AND and parentheses") {
    CHECK(matches("fiets AND gestolen", "fiets gestolen"));
    CHECK_FALSE(matches("fiets AND gestolen", "fiets gevonden"));
    CHECK(matches("fiets gestolen", "gestolen: een fiets"));
    CHECK(matches("fiets OR scooter", "scooter weg"));
    CHECK(matches("inbraak AND NOT preventie", "inbraak gemeld"));
    CHECK_FALSE(matches("inbraak AND NOT preventie", "inbraak preventie tips"));
    CHECK_FALSE(matches("inbraak -tips", "inbraak tips"));
    CHECK(matches("(inbraak OR diefstal) AND (woning OR auto)", "diefstal uit auto"));
    CHECK_FALSE(matches("(inbraak OR diefstal) AND (woning OR auto)", "diefstal van fiets"));
    CHECK(matches("and", "rock and roll")); // lower-case operators are search terms
}

TEST_CASE("NEAR/n and ONEAR/n count words") {
    CHECK(matches("fiets NEAR/3 gestolen", "fiets is vanmiddag gestolen"));
    CHECK(matches("fiets NEAR/3 gestolen", "gestolen werd de fiets"));
    CHECK_FALSE(matches("fiets NEAR/2 gestolen", "fiets is vanmiddag bij het station gestolen"));
    CHECK(matches("fiets ONEAR/3 gestolen", "fiets is gestolen"));
    CHECK_FALSE(matches("fiets ONEAR/3 gestolen", "gestolen: de fiets"));
    CHECK(matches("(fiets OR scooter) NEAR/2 \"is gestolen\"", "mijn scooter is gestolen"));
}

TEST_CASE("fields") {
    Post p = post_with("Beelden van de deurbelcamera");
    p.author.handle = "wijkagent_noord@mastodon.example";
    p.lang = "nl-BE";
    p.tags = {{"region", "noord"}};
    p.reply = true;
    p.media.push_back({MediaKind::video, "https://x/v.mp4", "", ""});
    CHECK(matches_post("has:media", p));
    CHECK(matches_post("has:video", p));
    CHECK_FALSE(matches_post("has:image", p));
    CHECK_FALSE(matches_post("has:link", p));
    CHECK(matches_post("from:wijkagent_*", p));
    CHECK(matches_post("from:wijkagent_noord@mastodon.example", p));
    CHECK_FALSE(matches_post("from:politie", p));
    CHECK(matches_post("source:wijkagent-*", p));
    CHECK(matches_post("platform:mastodon", p));
    CHECK_FALSE(matches_post("platform:bluesky", p));
    CHECK(matches_post("lang:nl", p));
    CHECK(matches_post("tag:region=noord", p));
    CHECK_FALSE(matches_post("tag:region=zuid", p));
    CHECK(matches_post("is:reply", p));
    CHECK_FALSE(matches_post("is:repost", p));
    CHECK(matches_post("regex:/deurbel(camera)?/", p));
    CHECK(matches_post("regex:/DEURBEL/", p)); // case-insensitive
    p.text += " https://example.nl/x";
    CHECK(matches_post("has:link", p));
}

TEST_CASE("static checks report the column") {
    CHECK(error_of("") == "1: the query is empty");
    CHECK(error_of("a AND b OR c") ==
          "9: AND and OR are mixed at one level: add parentheses, as in (a OR b) AND c");
    CHECK(error_of("a b OR c").find("5: AND and OR are mixed") == 0);
    CHECK(error_of("NOT preventie") == "1: the query only excludes: add a term that must occur");
    CHECK(error_of("-a -b") == "1: the query only excludes: add a term that must occur");
    CHECK(error_of("a OR -b") == "1: the query only excludes: add a term that must occur");
    CHECK(error_of("in*").find("4: ") == std::string::npos);
    CHECK(error_of("x in*") == "3: \"in*\": a wildcard needs at least 3 letters beside the '*'");
    CHECK(error_of("*ab*") == "1: \"*ab*\": a wildcard needs at least 3 letters beside the '*'");
    CHECK(error_of("in*braak") ==
          "1: \"in*braak\": '*' may only stand at the start or end of a word");
    CHECK(error_of("a NEAR/21 b") == "3: \"NEAR/21\": distance 21 is more than 20 words");
    CHECK(error_of("a NEAR/x b").find("3: \"NEAR/x\": the distance must be") == 0);
    CHECK(error_of("a NEAR b") == "3: NEAR needs a distance, as in NEAR/5");
    CHECK(error_of("has:media NEAR/3 b") ==
          "11: NEAR/ONEAR can only join terms, phrases or (a OR b) groups");
    CHECK(error_of("colour:red").find("1: unknown field \"colour:\"") == 0);
    CHECK(error_of("has:smell") == "1: has:smell: expected has:media|image|video|audio|link");
    CHECK(error_of("tag:region") == "1: tag:region: expected tag:KEY=VALUE");
    CHECK(error_of("regex:/(unclosed/").find("1: regex:/(unclosed/: missing )") == 0);
    CHECK(error_of("regex:/abc") == "1: unterminated regex: end it with '/'");
    CHECK(error_of("(a OR b") == "1: '(' is never closed: add ')'");
    CHECK(error_of("a OR b)") == "7: ')' without a matching '('");
    CHECK(error_of("\"open phrase") == "1: unterminated phrase: add the closing '\"'");
    CHECK(error_of("a OR") == "5: OR needs a term after it");
    CHECK(error_of("()") == "2: empty parentheses");
    CHECK(error_of("- a") ==
          "1: '-' must be written directly before what it excludes, as in -preventie");
    CHECK(error_of("!!!") == "1: \"!!!\" has no letters or digits to match");
}

TEST_CASE("hostile queries: deep nesting and very many terms") {
    std::string deep(5000, '(');
    deep += "a";
    deep += std::string(5000, ')');
    CHECK(error_of(deep).find("nested more than 100 levels deep") != std::string::npos);
    std::string nots;
    for (int i = 0; i < 5000; ++i)
        nots += "NOT ";
    CHECK(error_of(nots + "a").find("nested more than") != std::string::npos);
    std::string many = "w0";
    for (int i = 1; i < 10000; ++i)
        many += " OR w" + std::to_string(i);
    CHECK(error_of(many).empty());
    CHECK(matches(many, "zeg w9999 maar"));
}

TEST_CASE("rule files load; matches carry terms and byte spans") {
    const auto set = RuleSet::parse(R"(
[[rule]]
id = "woninginbraak"
title = "Woninginbraak"
category = "crime.burglary"
severity = "high"
query = '(inbraak OR *inbraak* OR ingebroken OR "broke into") AND NOT (preventie OR tips)'

[[rule]]
id = "uit"
category = "crime.theft"
query = 'gestolen'
enabled = false
)",
                                    "test.toml");
    CHECK(set.rules().size() == 2);
    CHECK(set.enabled_count() == 1);
    CHECK(set.rules()[1].severity == Severity::medium);
    const std::string text = "Vannacht een woninginbraak, ook gestolen";
    const auto matches = set.evaluate(post_with(text));
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].rule == "woninginbraak");
    CHECK(matches[0].category == "crime.burglary");
    CHECK(matches[0].severity == Severity::high);
    CHECK(matches[0].terms == std::vector<std::string>{"*inbraak*"});
    REQUIRE(matches[0].spans.size() == 1);
    CHECK(text.substr(matches[0].spans[0].first,
                      matches[0].spans[0].second - matches[0].spans[0].first) == "woninginbraak");
    CHECK(set.evaluate(post_with("inbraak preventie tips")).empty());
}

TEST_CASE("rule file errors name file:line:col") {
    const auto error_for = [](std::string_view toml) -> std::string {
        try {
            RuleSet::parse(toml, "r.toml");
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nquery = 'a AND b OR c'\n") ==
          "r.toml:4:18: rule \"a\": AND and OR are mixed at one level: add parentheses, as in (a "
          "OR b) AND c");
    CHECK(
        error_for(
            "[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nseverity = \"urgent\"\nquery = 'a'\n") ==
        "r.toml:1:1: rule \"a\": unknown severity \"urgent\" (info, low, medium, high, critical)");
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nquery = 'a'\n"
                    "[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nquery = 'b'\n") ==
          "r.toml:5:1: duplicate rule id \"a\" (first at r.toml:1)");
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nquery = 'a'\ncolour = 1\n") ==
          "r.toml:5:1: unknown key \"colour\" (known: id, title, category, severity, query, "
          "enabled)");
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"Crime X\"\nquery = 'a'\n")
              .find("must be a dotted path") != std::string::npos);
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\n") ==
          "r.toml:1:1: rule \"a\": query is required");
    CHECK(error_for("[[rule]]\ncategory = \"crime.x\"\nquery = 'a'\n") ==
          "r.toml:1:1: rule without id");
    CHECK(error_for("[[rule]\n").find("r.toml:1:") == 0);
    CHECK(error_for("rule = 1\n") == "r.toml:1:8: \"rule\" must be written as [[rule]] tables");
    CHECK(error_for("[[rule]]\nid = \"a\"\ncategory = \"crime.x\"\nquery = \"\xFF\"\n")
              .find("r.toml:4:") == 0);
}

TEST_CASE("one RuleSet evaluates on several threads at once with the same results") {
    const auto set =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    const std::vector<std::string> texts = {"Vannacht is er ingebroken bij een woning",
                                            "Fiets gestolen bij het station",
                                            "Wat een mooie dag",
                                            "Overval op tankstation, wie herkent de dader?",
                                            "Witnesses sought after a stabbing",
                                            "Oplichters via WhatsApp"};
    std::vector<std::vector<Match>> expected;
    for (const auto& t : texts)
        expected.push_back(set.evaluate(post_with(t)));
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 500; ++round) {
                const std::size_t i = static_cast<std::size_t>(round + t) % texts.size();
                if (set.evaluate(post_with(texts[i])) != expected[i])
                    ++mismatches;
            }
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(mismatches == 0);
    CHECK_FALSE(expected[0].empty());
}
