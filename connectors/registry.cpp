// The one table mapping a source "type" to its connector.
#include "connectors/bluesky.hpp"
#include "connectors/feed.hpp"
#include "connectors/mastodon.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/connector.hpp>

#include <functional>

namespace wijkwacht {

namespace {

using Factory = std::function<std::unique_ptr<Connector>(const SourceConfig&)>;

struct Entry {
    std::string_view type;
    Factory factory; // empty: named by the SPEC, not built yet
};

const Entry k_registry[] = {
    {"feed",
     [](const SourceConfig& s) {
         return std::make_unique<FeedConnector>(s);
     }},
    {"mastodon",
     [](const SourceConfig& s) {
         return std::make_unique<MastodonConnector>(s);
     }},
    {"bluesky",
     [](const SourceConfig& s) {
         return std::make_unique<BlueskyConnector>(s);
     }},
};

} // namespace

std::unique_ptr<Connector> make_connector(const SourceConfig& source) {
    for (const auto& entry : k_registry)
        if (entry.type == source.type)
            return entry.factory ? entry.factory(source) : nullptr;
    return nullptr;
}

bool connector_available(std::string_view type) {
    for (const auto& entry : k_registry)
        if (entry.type == type)
            return static_cast<bool>(entry.factory);
    return false;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii_iequals(key, name))
            return std::string_view(value);
    return std::nullopt;
}

} // namespace wijkwacht
