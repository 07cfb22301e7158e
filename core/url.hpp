#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace wijkwacht {

struct UrlParts {
    std::string scheme; // lower case
    std::string host;   // without brackets for IPv6
};

// Parses an absolute URL (a #fragment allowed); nullopt if it is not one.
std::optional<UrlParts> split_url(std::string_view url);

// RFC 3986's absolute-URI: a scheme and no #fragment. Feed entry ids are
// kept as they are only when they are one (changing that would change ids).
bool is_absolute_uri(std::string_view text);

// localhost, 127.0.0.0/8, ::1
bool is_loopback_host(std::string_view host);

// Why `url` may not be fetched, or nullopt if it may: https always; http
// only for loopback hosts unless `allow_plain_http`; nothing else.
std::optional<std::string> url_policy_violation(std::string_view url, bool allow_plain_http);

// The same for a websocket URL: wss always, ws only where http would be.
std::optional<std::string> websocket_policy_violation(std::string_view url, bool allow_plain_http);

// Resolves `reference` against `base` (RFC 3986); `reference` if that fails.
std::string resolve_url(std::string_view base, std::string_view reference);

// `text` percent-encoded for a path segment or a query value.
std::string url_encode(std::string_view text);

// The host of a ZeroMQ tcp:// endpoint; nullopt for ipc:// and inproc://.
std::optional<std::string> zmq_endpoint_host(std::string_view endpoint);

// "127.0.0.1:9750" or "[::1]:9750" as an IP address literal (without
// brackets) and a port; nullopt if it is not that.
std::optional<std::pair<std::string, unsigned short>> split_listen(std::string_view listen);

// The replay endpoint that goes with a publish endpoint when none is
// configured: tcp:// on the next port (port 0 stays 0), ipc:// PATH.replay.
std::string default_replay_endpoint(std::string_view publish_endpoint);
// The workflow endpoint likewise: tcp:// two ports on, ipc:// PATH.workflow.
std::string default_workflow_endpoint(std::string_view publish_endpoint);

} // namespace wijkwacht
