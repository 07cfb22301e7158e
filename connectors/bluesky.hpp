#pragma once

// type = "bluesky": an actor's feed from the public AppView
// (app.bsky.feed.getAuthorFeed). Each poll reads page one; when everything
// on it is newer than the newest post of the last poll, it pages back until
// it reaches known posts (at most a few pages). Reposts are the original
// post, marked as a repost. With replies = "7d", each poll is followed by
// the replies under a few of the actor's posts of that window
// (getPostThread). A pure parser of bytes.

#include <wijkwacht/connector.hpp>

#include <rapidjson/document.h>

namespace wijkwacht {

inline constexpr int k_bluesky_page = 50;
inline constexpr int k_thread_depth = 6; // levels of replies read under a post

class BlueskyConnector final : public Connector {
public:
    explicit BlueskyConnector(SourceConfig source);
    HttpRequest next_request(std::string_view cursor) const override;
    Result<FetchResult> parse(const HttpResponse& response, std::string_view cursor) const override;
    std::string advice(const Failure& failure, std::string_view cursor) const override;
    std::optional<FetchResult> recover(const Failure& failure,
                                       std::string_view cursor) const override;

private:
    // A postView as a Post; `parent_handle`: the author of the post it answers.
    std::optional<Post> view_post(const rapidjson::Value& view, const std::string& parent_handle,
                                  const std::string& fetched_at) const;
    void collect_replies(const rapidjson::Value& thread, const std::string& fetched_at,
                         std::vector<Post>& out, int depth) const;

    SourceConfig m_source;
    std::string m_appview;
};

} // namespace wijkwacht
