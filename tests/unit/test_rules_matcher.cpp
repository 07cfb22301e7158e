// The compiled matcher against the reference evaluator: the same matches,
// hits and spans on many generated posts and queries.

#include "rules/matcher.hpp"
#include "rules/query.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace wijkwacht;
using namespace wijkwacht::rules;

namespace {

const std::vector<std::string> k_words = {"inbraak",
                                          "woninginbraak",
                                          "inbraakpoging",
                                          "fiets",
                                          "fietsen",
                                          "gestolen",
                                          "#inbraak",
                                          "@wijkagent",
                                          "café",
                                          "CAFE",
                                          "ＩＮＢＲＡＡＫ",
                                          "in\u00ADbraak",
                                          "overval",
                                          "dader",
                                          "beelden",
                                          "camerabeelden",
                                          "de",
                                          "het",
                                          "een",
                                          "wie",
                                          "herkent",
                                          "getuigen",
                                          "gezocht",
                                          "e-bike",
                                          "bij",
                                          "station",
                                          "#fiets",
                                          "politie",
                                          "ĳzer",
                                          "straße"};

const std::vector<std::string> k_queries = {
    "inbraak",
    "*inbraak*",
    "fiets*",
    "*beelden",
    "#inbraak",
    "@wijkagent",
    "\"wie herkent\"",
    "\"getuigen gezocht\" OR dader",
    "fiets NEAR/3 gestolen",
    "fiets ONEAR/2 gestolen",
    "(inbraak OR overval) -politie",
    "cafe AND NOT (station OR bij)",
    "e-bike",
    "ijzer OR strasse",
    "(fiets* OR *inbraak*) NEAR/4 (gestolen OR \"de dader\")",
    "has:media AND NOT NOT gestolen",
    "has:media -inbraak",
    "regex:/st(a|o)tion/ fiets",
    "\"*inbraak* gezocht\"",
};

struct Outcome {
    bool matched;
    std::vector<std::pair<std::string, Span>> hits;
    bool operator==(const Outcome&) const = default;
};

Outcome outcome(const Node& query, const EvalContext& context) {
    std::vector<Hit> hits;
    Outcome o{evaluate(query, context, hits), {}};
    for (const auto& h : hits)
        o.hits.emplace_back(*h.term, h.span);
    std::sort(o.hits.begin(), o.hits.end());
    o.hits.erase(std::unique(o.hits.begin(), o.hits.end()), o.hits.end());
    return o;
}

} // namespace

TEST_CASE("the compiled matcher agrees with the reference evaluator") {
    std::vector<std::unique_ptr<Node>> owned;
    std::vector<Node*> queries;
    for (const auto& q : k_queries) {
        auto parsed = parse_query(q);
        REQUIRE_MESSAGE(!parsed.error, q);
        queries.push_back(parsed.root.get());
        owned.push_back(std::move(parsed.root));
    }
    queries.insert(queries.begin() + 3, nullptr); // a disabled rule
    const Matcher matcher(queries);
    CHECK(matcher.literal_count() > 10);

    std::mt19937 random(7);
    std::uniform_int_distribution<std::size_t> pick(0, k_words.size() - 1);
    std::uniform_int_distribution<int> length(0, 14);
    Matcher::Scratch scratch;
    TextIndex index;
    int matched = 0;
    for (int n = 0; n < 3000; ++n) {
        Post post;
        post.platform = "feed";
        post.id = "x";
        const int words = length(random);
        for (int w = 0; w < words; ++w)
            post.text += (w ? (w % 5 == 0 ? ", " : " ") : "") + k_words[pick(random)];
        if (n % 3 == 0)
            post.media.push_back({MediaKind::image, "https://x/i.jpg", "", ""});
        index.build(post.text);
        matcher.scan(index, scratch);
        const PreparedPost reference(post);
        const EvalContext compiled{post, index, scratch};
        for (std::size_t r = 0; r < queries.size(); ++r) {
            if (!queries[r])
                continue;
            CAPTURE(post.text);
            CAPTURE(k_queries[r > 3 ? r - 1 : r]);
            const bool candidate =
                std::binary_search(scratch.candidates().begin(), scratch.candidates().end(), r);
            const auto want = outcome(*queries[r], reference.context());
            const auto got = candidate ? outcome(*queries[r], compiled) : Outcome{false, {}};
            CHECK(got == want);
            matched += want.matched;
        }
    }
    CHECK(matched > 1000); // the generated posts exercise the queries
}

TEST_CASE("a matcher without literals still evaluates rules that need no term") {
    auto parsed = parse_query("has:video");
    REQUIRE(parsed.root);
    const Matcher matcher({parsed.root.get()});
    CHECK(matcher.literal_count() == 0);
    Matcher::Scratch scratch;
    TextIndex index;
    index.build("iets");
    matcher.scan(index, scratch);
    CHECK(scratch.candidates() == std::vector<std::uint32_t>{0});
}

TEST_CASE("one scratch serves several matchers in turn") {
    auto a = parse_query("fiets");
    auto b = parse_query("inbraak OR diefstal OR overval");
    const Matcher first({a.root.get()});
    const Matcher second({b.root.get()});
    Matcher::Scratch scratch;
    TextIndex index;
    index.build("fiets en inbraak");
    first.scan(index, scratch);
    CHECK(scratch.candidates().size() == 1);
    second.scan(index, scratch);
    CHECK(scratch.candidates().size() == 1);
    CHECK(scratch.of(b.root->children[0]->words[0]).size() == 1);
    index.build("niets");
    first.scan(index, scratch);
    CHECK(scratch.candidates().empty());
}
