#include "rules/text.hpp"

#include <doctest/doctest.h>

using namespace wijkwacht::rules;

TEST_CASE("normalisation folds case, accents, width, ligatures and zero-width") {
    CHECK(normalize("InBrAaK") == "inbraak");
    CHECK(normalize("café") == "cafe");
    CHECK(normalize("Ĳsselmeer") == "ijsselmeer");
    CHECK(normalize("ĳzer") == "ijzer");
    CHECK(normalize("ＩＮＢＲＡＡＫ") == "inbraak");    // full-width
    CHECK(normalize("in\u200Bbraak") == "inbraak");     // zero-width space
    CHECK(normalize("in\u00ADbraak") == "inbraak");     // soft hyphen
    CHECK(normalize("ﬁets") == "fiets");                // fi ligature
    CHECK(normalize("STRASSE") == normalize("straße")); // case fold ß
    CHECK(normalize("\xC3\x28") == "\xEF\xBF\xBD(");    // invalid UTF-8 replaced
}

TEST_CASE("tokens keep byte spans into the original text") {
    const std::string text = "Fiets gestolen! #Inbraak bij @wijkagent@example.social, café";
    const auto tokens = tokenize(text);
    REQUIRE(tokens.size() == 6);
    CHECK(tokens[0].norm == "fiets");
    CHECK(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin) == "Fiets");
    CHECK(tokens[2].kind == TokenKind::hashtag);
    CHECK(tokens[2].norm == "inbraak");
    CHECK(text.substr(tokens[2].begin, tokens[2].end - tokens[2].begin) == "#Inbraak");
    CHECK(tokens[4].kind == TokenKind::mention);
    CHECK(tokens[4].norm == "wijkagent");
    CHECK(text.substr(tokens[4].begin, tokens[4].end - tokens[4].begin) ==
          "@wijkagent@example.social");
    CHECK(tokens[5].norm == "cafe");
    CHECK(text.substr(tokens[5].begin) == "café");
}

TEST_CASE("zero-width characters and soft hyphens do not split words") {
    const auto tokens = tokenize("woning\u00ADinbraak in\u200Bbraak");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].norm == "woninginbraak");
    CHECK(tokens[1].norm == "inbraak");
}

TEST_CASE("a '#' inside a word is not a hashtag; e-mail addresses are not mentions") {
    const auto tokens = tokenize("C#sharp mail@example.nl");
    REQUIRE(tokens.size() >= 3);
    CHECK(tokens[1].kind == TokenKind::word);
    for (const auto& t : tokens)
        CHECK(t.kind == TokenKind::word);
}

TEST_CASE("invalid UTF-8 in text neither crashes nor joins words") {
    const auto tokens = tokenize("inbraak\xFF\xFE"
                                 "fiets \xC3");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].norm == "inbraak");
    CHECK(tokens[1].norm == "fiets");
}
