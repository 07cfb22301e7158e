#pragma once

// type = "feed": RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0 and JSON Feed
// 1.0/1.1, including Media RSS, enclosures and YouTube channel feeds. A pure
// parser of bytes.

#include <wijkwacht/connector.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

struct FeedContext {
    std::string source;   // source name
    std::string feed_url; // scope of short ids, and the base for relative links…
    std::map<std::string, std::string> tags;
    std::string fetched_at;   // RFC 3339; also the date of undated entries
    std::string content_type; // the HTTP Content-Type, for its charset
    std::string base_url;     // …unless set: where the document says it is (Content-Location)

    const std::string& base() const { return base_url.empty() ? feed_url : base_url; }
};

inline constexpr std::size_t k_feed_max_items = 1000;
inline constexpr std::size_t k_post_max_text_bytes = 64 * 1024;

// Entries of one feed document, in document order. A document that is not
// XML, or not RSS/RDF/Atom, is a permanent failure naming line and column.
Result<std::vector<Post>> parse_feed(std::string_view body, const FeedContext& context);

class FeedConnector final : public Connector {
public:
    explicit FeedConnector(SourceConfig source);
    HttpRequest next_request(std::string_view cursor) const override;
    Result<FetchResult> parse(const HttpResponse& response, std::string_view cursor) const override;
    std::string advice(const Failure& failure, std::string_view cursor) const override;

private:
    SourceConfig m_source;
};

} // namespace wijkwacht
