#include "core/url.hpp"

#include "core/utf8.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace wijkwacht {

bool is_absolute_uri(std::string_view text) {
    return boost::urls::parse_absolute_uri(text).has_value();
}

std::optional<UrlParts> split_url(std::string_view url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return std::nullopt;
    UrlParts parts;
    parts.scheme = ascii_lower(parsed->scheme());
    parts.host = ascii_lower(parsed->host_type() == boost::urls::host_type::ipv6
                                 ? parsed->host_ipv6_address().to_string()
                                 : parsed->host());
    return parts;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1" || host == "[::1]" || host == "0:0:0:0:0:0:0:1")
        return true;
    // 127.0.0.0/8, dotted quad only
    if (!host.starts_with("127."))
        return false;
    int dots = 0;
    for (const char c : host) {
        if (c == '.')
            ++dots;
        else if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    }
    return dots == 3;
}

std::optional<std::string> url_policy_violation(std::string_view url, bool allow_plain_http) {
    const auto parts = split_url(url);
    if (!parts)
        return fmt::format("\"{}\" is not an absolute http(s) URL", url);
    if (parts->scheme != "https" && parts->scheme != "http")
        return fmt::format("scheme \"{}\" is refused (only https, and http on loopback)",
                           parts->scheme);
    if (parts->host.empty())
        return fmt::format("\"{}\" has no host", url);
    if (parts->scheme == "https" || allow_plain_http || is_loopback_host(parts->host))
        return std::nullopt;
    return fmt::format("plain http to {} is refused (use https, or set "
                       "daemon.allow_plain_http = true)",
                       parts->host);
}

std::optional<std::string> websocket_policy_violation(std::string_view url, bool allow_plain_http) {
    const auto parts = split_url(url);
    if (!parts || (parts->scheme != "wss" && parts->scheme != "ws"))
        return fmt::format("\"{}\" is not a wss:// URL", url);
    if (parts->host.empty())
        return fmt::format("\"{}\" has no host", url);
    if (parts->scheme == "wss" || allow_plain_http || is_loopback_host(parts->host))
        return std::nullopt;
    return fmt::format("plain ws to {} is refused (use wss, or set daemon.allow_plain_http = true)",
                       parts->host);
}

std::string resolve_url(std::string_view base, std::string_view reference) {
    const auto ref = boost::urls::parse_uri_reference(reference);
    const auto b = boost::urls::parse_uri(base);
    if (!ref || !b)
        return std::string(reference);
    boost::urls::url out;
    if (!boost::urls::resolve(*b, *ref, out))
        return std::string(reference);
    return std::string(out.buffer());
}

std::string url_encode(std::string_view text) {
    return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::optional<std::string> zmq_endpoint_host(std::string_view endpoint) {
    constexpr std::string_view k_tcp = "tcp://";
    if (!endpoint.starts_with(k_tcp))
        return std::nullopt;
    auto rest = endpoint.substr(k_tcp.size());
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        return std::string(
            rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
    }
    const auto colon = rest.rfind(':');
    return std::string(rest.substr(0, colon));
}

namespace {
// The endpoint `offset` ports after a tcp:// publish endpoint (port 0 and
// "*" stay as they are: any free port), or ipc:// PATH.`suffix`.
std::string sibling_endpoint(std::string_view publish_endpoint, int offset,
                             std::string_view suffix) {
    const std::string endpoint(publish_endpoint);
    if (endpoint.starts_with("tcp://")) {
        const auto colon = endpoint.rfind(':');
        const std::string port = endpoint.substr(colon + 1);
        if (!port.empty() && port.size() < 6 &&
            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            const int number = std::stoi(port);
            if (number > 0 && number + offset <= 65535)
                return endpoint.substr(0, colon + 1) + std::to_string(number + offset);
        }
        return endpoint;
    }
    return fmt::format("{}{}{}", endpoint, endpoint.starts_with("ipc://") ? "." : "-", suffix);
}
} // namespace

std::string default_replay_endpoint(std::string_view publish_endpoint) {
    return sibling_endpoint(publish_endpoint, 1, "replay");
}

std::string default_workflow_endpoint(std::string_view publish_endpoint) {
    return sibling_endpoint(publish_endpoint, 2, "workflow");
}

std::optional<std::pair<std::string, unsigned short>> split_listen(std::string_view listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    auto host = listen.substr(0, colon);
    const auto port = listen.substr(colon + 1);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    const bool ip = bracketed ? boost::urls::parse_ipv6_address(host).has_value()
                              : boost::urls::parse_ipv4_address(host).has_value();
    if (!ip || port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const int number = std::stoi(std::string(port));
    if (number > 65535)
        return std::nullopt;
    return std::pair{std::string(host), static_cast<unsigned short>(number)};
}

} // namespace wijkwacht
