// The one table mapping a source "type" to its connector.
#include "connectors/bluesky.hpp"
#include "connectors/feed.hpp"
#include "connectors/mastodon.hpp"
#include "connectors/politie.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/connector.hpp>
#include <wijkwacht/error.hpp>

#include <fmt/format.h>

#include <functional>

namespace wijkwacht {

namespace {

using Factory = std::function<std::unique_ptr<Connector>(const SourceConfig&)>;

struct Entry {
    std::string_view type;
    Factory factory;
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
    {"politie",
     [](const SourceConfig& s) {
         return std::make_unique<PolitieConnector>(s);
     }},
};

} // namespace

std::unique_ptr<Connector> make_connector(const SourceConfig& source) {
    for (const auto& entry : k_registry)
        if (entry.type == source.type)
            return entry.factory(source);
    throw Error(
        fmt::format("source \"{}\": no connector for type \"{}\"", source.name, source.type));
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii_iequals(key, name))
            return std::string_view(value);
    return std::nullopt;
}

} // namespace wijkwacht
