#include "rules/text.hpp"

#include <doctest/doctest.h>

using namespace wijkwacht::rules;

namespace {
std::string original(const std::string& text, const TextIndex& index, std::size_t i) {
    const Token& t = index.tokens()[i];
    return text.substr(t.begin, t.end - t.begin);
}
} // namespace

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
    CHECK(normalize("e\u0301") == "e");                 // combining mark
    CHECK(normalize("\xC3\x28") == "\xEF\xBF\xBD(");    // invalid UTF-8 replaced
}

TEST_CASE("tokens carry the normalised word and the byte span into the original text") {
    const std::string text = "Fiets gestolen! #Inbraak bij @wijkagent@example.social, café";
    const auto index = tokenize(text);
    REQUIRE(index.size() == 6);
    CHECK(index.word(0) == "fiets");
    CHECK(original(text, index, 0) == "Fiets");
    CHECK(index.tokens()[2].kind == TokenKind::hashtag);
    CHECK(index.word(2) == "inbraak");
    CHECK(original(text, index, 2) == "#Inbraak");
    CHECK(index.tokens()[4].kind == TokenKind::mention);
    CHECK(index.word(4) == "wijkagent");
    CHECK(original(text, index, 4) == "@wijkagent@example.social");
    CHECK(index.word(5) == "cafe");
    CHECK(original(text, index, 5) == "café");
    CHECK(index.normalized() == " fiets gestolen inbraak bij wijkagent cafe ");
    CHECK(index.token_at(1) == 0);
    CHECK(index.token_at(7) == 1);
    CHECK(index.token_at(41) == 5);
}

TEST_CASE("a handle with underscores is one mention, and its words are not the text's") {
    const std::string text = "@local_arsonist LOL @Siren_Song21@example.social x_y @a_ _b";
    const auto index = tokenize(text);
    REQUIRE(index.size() == 7);
    CHECK(index.tokens()[0].kind == TokenKind::mention);
    CHECK(index.word(0) == "local_arsonist");
    CHECK(original(text, index, 0) == "@local_arsonist");
    CHECK(index.word(1) == "lol");
    CHECK(index.tokens()[2].kind == TokenKind::mention);
    CHECK(index.word(2) == "siren_song21");
    CHECK(original(text, index, 2) == "@Siren_Song21@example.social");
    // Outside a mention an underscore still separates words; a trailing one
    // is not part of the handle.
    CHECK(index.word(3) == "x");
    CHECK(index.word(4) == "y");
    CHECK(index.word(5) == "a");
    CHECK(index.tokens()[5].kind == TokenKind::mention);
    CHECK(index.word(6) == "b");
    CHECK(index.tokens()[6].kind == TokenKind::word);
}

TEST_CASE("zero-width characters and soft hyphens do not split words") {
    const auto index = tokenize("woning\u00ADinbraak in\u200Bbraak \u200B\u00AD x");
    REQUIRE(index.size() == 3);
    CHECK(index.word(0) == "woninginbraak");
    CHECK(index.word(1) == "inbraak");
    CHECK(index.word(2) == "x");
    CHECK(index.normalized() == " woninginbraak inbraak x ");
}

TEST_CASE("a '#' inside a word is not a hashtag; e-mail addresses are not mentions") {
    const auto index = tokenize("C#sharp mail@example.nl");
    REQUIRE(index.size() >= 3);
    for (const auto& t : index.tokens())
        CHECK(t.kind == TokenKind::word);
}

TEST_CASE("invalid UTF-8 in text neither crashes nor joins words") {
    const auto index = tokenize("inbraak\xFF\xFE"
                                "fiets \xC3");
    REQUIRE(index.size() == 2);
    CHECK(index.word(0) == "inbraak");
    CHECK(index.word(1) == "fiets");
}

TEST_CASE("a word never holds a space, even where a decomposition has one") {
    const auto index = tokenize("a\uFDFAb c");
    REQUIRE(index.size() == 2);
    CHECK(index.word(0).find(' ') == std::string_view::npos);
}

TEST_CASE("rebuilding an index replaces its contents") {
    TextIndex index;
    index.build("een twee drie");
    index.build("vier");
    REQUIRE(index.size() == 1);
    CHECK(index.normalized() == " vier ");
}
