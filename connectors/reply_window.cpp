#include "connectors/reply_window.hpp"

#include <wijkwacht/time.hpp>

#include <algorithm>
#include <charconv>

namespace wijkwacht {

namespace {

using Own = std::vector<std::pair<std::string, std::string>>; // id, time

Own read_own(const CursorFields& cursor) {
    Own own;
    const auto it = cursor.find("own");
    if (it == cursor.end())
        return own;
    std::string_view rest = it->second;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        const auto space = item.find(' ');
        if (space != std::string_view::npos)
            own.emplace_back(std::string(item.substr(0, space)),
                             std::string(item.substr(space + 1)));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return own;
}

std::vector<std::string> split_ids(std::string_view text) {
    std::vector<std::string> ids;
    while (!text.empty()) {
        const auto comma = text.find(',');
        if (comma != 0)
            ids.emplace_back(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return ids;
}

std::string join(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids)
        out += (out.empty() ? "" : ",") + id;
    return out;
}

} // namespace

void remember_own_posts(CursorFields& cursor,
                        const std::vector<std::pair<std::string, std::string>>& posts,
                        std::chrono::seconds window, std::string_view now) {
    Own own = read_own(cursor);
    for (const auto& post : posts)
        if (std::none_of(own.begin(), own.end(),
                         [&](const auto& o) { return o.first == post.first; }))
            own.push_back(post);
    const auto at = parse_rfc3339(now);
    const std::string oldest = at ? format_rfc3339(*at - window) : std::string();
    std::erase_if(own, [&](const auto& o) {
        return o.second < oldest || o.first.find_first_of(" ,") != std::string::npos;
    });
    std::stable_sort(own.begin(), own.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (own.size() > k_reply_posts_kept)
        own.resize(k_reply_posts_kept);
    std::string text;
    for (const auto& [id, time] : own)
        text += (text.empty() ? "" : ",") + id + " " + time;
    if (text.empty())
        cursor.erase("own");
    else
        cursor["own"] = text;
}

bool start_reply_round(CursorFields& cursor) {
    const Own own = read_own(cursor);
    if (own.empty())
        return false;
    std::vector<std::string> round{own.front().first};
    std::size_t turn = 0;
    if (const auto it = cursor.find("rotate"); it != cursor.end())
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), turn);
    const std::size_t others = own.size() - 1;
    for (std::size_t i = 0; i < std::min(others, k_reply_posts_per_round - 1); ++i)
        round.push_back(own[1 + (turn + i) % others].first);
    cursor["rotate"] = std::to_string(others ? (turn + round.size() - 1) % others : 0);
    cursor["replies"] = join(round);
    return true;
}

std::optional<std::string> reply_round_post(const CursorFields& cursor) {
    const auto it = cursor.find("replies");
    if (it == cursor.end())
        return std::nullopt;
    const auto ids = split_ids(it->second);
    if (ids.empty())
        return std::nullopt;
    return ids.front();
}

bool finish_reply_post(CursorFields& cursor) {
    auto ids = split_ids(cursor["replies"]);
    if (!ids.empty())
        ids.erase(ids.begin());
    if (ids.empty()) {
        cursor.erase("replies");
        return false;
    }
    cursor["replies"] = join(ids);
    return true;
}

} // namespace wijkwacht
