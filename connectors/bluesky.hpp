#pragma once

// type = "bluesky": an actor's feed from the public AppView
// (app.bsky.feed.getAuthorFeed). Each poll reads page one; when everything
// on it is newer than the newest post of the last poll, it pages back until
// it reaches known posts (at most a few pages). Reposts are the original
// post, marked as a repost. A pure parser of bytes.

#include <wijkwacht/connector.hpp>

namespace wijkwacht {

inline constexpr int k_bluesky_page = 50;

class BlueskyConnector final : public Connector {
public:
    explicit BlueskyConnector(SourceConfig source);
    HttpRequest next_request(std::string_view cursor) const override;
    Result<FetchResult> parse(const HttpResponse& response, std::string_view cursor) const override;
    std::string advice(const Failure& failure, std::string_view cursor) const override;

private:
    SourceConfig m_source;
    std::string m_appview;
};

} // namespace wijkwacht
