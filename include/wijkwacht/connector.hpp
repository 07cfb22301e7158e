#pragma once

// A connector turns a source's cursor into the next HTTP request and a
// response into posts and the next cursor. It is a pure function of bytes:
// it owns no sockets, timers or threads (the shared poller does), so it can
// be tested on recorded payloads without a network.

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/post.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wijkwacht {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string url;
    Headers headers; // extra request headers, e.g. Accept
};

struct HttpResponse {
    long status = 0;
    std::string url;        // the URL that answered (after redirects)
    Headers headers;        // names as received
    std::string body;       // decoded (gzip removed), at most the size cap
    std::string fetched_at; // RFC 3339 time the response arrived

    // First header of that name, case-insensitive.
    std::optional<std::string_view> header(std::string_view name) const;
};

struct FetchResult {
    std::vector<Post> posts;
    std::string cursor; // the connector's opaque state after this response
    bool more = false;  // fetch again right away (paging)
    // The server's rate limit is spent until then: poll no sooner.
    std::optional<std::chrono::system_clock::time_point> not_before;
    // Something an operator should know though nothing failed.
    std::string notice;
};

// At most `requests` per `window` to one host, across every source there.
struct RequestBudget {
    int requests;
    std::chrono::seconds window;
};

class Connector {
public:
    virtual ~Connector() = default;
    virtual HttpRequest next_request(std::string_view cursor) const = 0;
    virtual Result<FetchResult> parse(const HttpResponse& response,
                                      std::string_view cursor) const = 0;
    // What an operator should do about a failed request, if the platform
    // explains it (a 404 on an account lookup, a 401 from a closed instance).
    virtual std::string advice(const Failure&, std::string_view /*cursor*/) const { return {}; }
    // A failed request the source can step over (a reply thread whose post
    // was deleted): what to go on with (no posts), or nullopt to back off.
    virtual std::optional<FetchResult> recover(const Failure&, std::string_view /*cursor*/) const {
        return std::nullopt;
    }
    // The platform's request limit per host, if it has one.
    virtual std::optional<RequestBudget> budget() const { return std::nullopt; }
};

// The registry: builds the connector for a source's type. Throws Error for
// a type it does not know (the configuration rejects those first).
std::unique_ptr<Connector> make_connector(const SourceConfig& source);

} // namespace wijkwacht
