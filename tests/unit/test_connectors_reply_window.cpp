#include "connectors/reply_window.hpp"

#include <doctest/doctest.h>

using namespace wijkwacht;

TEST_CASE("reply window: posts of the window kept newest first, older ones forgotten") {
    CursorFields cursor;
    remember_own_posts(cursor,
                       {{"a", "2026-11-20T10:00:00Z"},
                        {"c", "2026-11-29T09:00:00Z"},
                        {"b", "2026-11-28T10:00:00Z"},
                        {"old", "2026-11-01T00:00:00Z"}},
                       std::chrono::hours(24 * 7), "2026-11-29T10:00:00Z");
    CHECK(cursor.at("own") == "c 2026-11-29T09:00:00Z,b 2026-11-28T10:00:00Z");
    remember_own_posts(cursor, {{"c", "2026-11-29T09:00:00Z"}, {"d", "2026-11-29T09:30:00Z"}},
                       std::chrono::hours(24 * 7), "2026-11-29T10:00:00Z");
    CHECK(cursor.at("own") ==
          "d 2026-11-29T09:30:00Z,c 2026-11-29T09:00:00Z,b 2026-11-28T10:00:00Z");
    remember_own_posts(cursor, {}, std::chrono::hours(1), "2026-11-29T10:00:00Z");
    CHECK(cursor.at("own") == "d 2026-11-29T09:30:00Z,c 2026-11-29T09:00:00Z");
    remember_own_posts(cursor, {}, std::chrono::hours(1), "2026-12-29T10:00:00Z");
    CHECK(cursor.count("own") == 0);
}

TEST_CASE("reply window: each round reads the newest post and the others in turn") {
    CursorFields cursor;
    std::vector<std::pair<std::string, std::string>> posts;
    for (int i = 0; i < 9; ++i)
        posts.emplace_back("p" + std::to_string(i), "2026-11-29T0" + std::to_string(i) + ":00:00Z");
    remember_own_posts(cursor, posts, std::chrono::hours(24), "2026-11-29T10:00:00Z");
    const auto round = [&] {
        std::vector<std::string> ids;
        REQUIRE(start_reply_round(cursor));
        do
            ids.push_back(*reply_round_post(cursor));
        while (finish_reply_post(cursor));
        CHECK_FALSE(reply_round_post(cursor));
        return ids;
    };
    CHECK(round() == std::vector<std::string>{"p8", "p7", "p6", "p5", "p4"});
    CHECK(round() == std::vector<std::string>{"p8", "p3", "p2", "p1", "p0"});
    CHECK(round() == std::vector<std::string>{"p8", "p7", "p6", "p5", "p4"});
    CursorFields empty;
    CHECK_FALSE(start_reply_round(empty));
}
