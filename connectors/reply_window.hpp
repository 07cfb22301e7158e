#pragma once

// replies = "7d": the account's own posts of the window, remembered in the
// connector's cursor ("own": "ID TIME,ID TIME", newest first), and the
// round of them whose replies are read after each poll ("replies": IDs):
// the newest post every round, the others in turn, a few per round so the
// host's request budget holds.

#include "connectors/json_cursor.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wijkwacht {

inline constexpr std::size_t k_reply_posts_per_round = 5;
inline constexpr std::size_t k_reply_posts_kept = 200;

// Adds `posts` (id, RFC 3339 time) to the remembered ones and forgets
// those older than `window` before `now`.
void remember_own_posts(CursorFields& cursor,
                        const std::vector<std::pair<std::string, std::string>>& posts,
                        std::chrono::seconds window, std::string_view now);

// Starts a round; false when there is nothing to read.
bool start_reply_round(CursorFields& cursor);

// The post whose replies are read next (during a round).
std::optional<std::string> reply_round_post(const CursorFields& cursor);

// That post is done; true while the round has more.
bool finish_reply_post(CursorFields& cursor);

} // namespace wijkwacht
