#include "core/url.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace wijkwacht {

namespace {

namespace fs = std::filesystem;

// Collects problems while walking one config file.
class Reader {
public:
    explicit Reader(fs::path file) : m_file(std::move(file)) {}

    std::string where(const toml::source_region& region) const {
        return fmt::format("{}:{}", m_file.string(), region.begin.line);
    }
    void error(const toml::source_region& region, std::string_view key, std::string_view msg) {
        m_errors.push_back(fmt::format("{}: {}: {}", where(region), key, msg));
    }
    bool string(const toml::node& node, std::string_view key, std::string& out) {
        if (const auto* value = node.as_string()) {
            out = value->get();
            return true;
        }
        error(node.source(), key, "expects a string");
        return false;
    }
    void boolean(const toml::node& node, std::string_view key, bool& out) {
        if (const auto* value = node.as_boolean())
            out = value->get();
        else
            error(node.source(), key, "expects true or false");
    }
    std::optional<std::chrono::milliseconds> duration(const toml::node& node,
                                                      std::string_view key) {
        std::string text;
        if (!string(node, key, text))
            return std::nullopt;
        const auto parsed = parse_duration(text);
        if (!parsed)
            error(node.source(), key,
                  fmt::format("\"{}\" is not a duration (examples: \"250ms\", \"90s\", \"2m\", "
                              "\"1h\", \"30d\")",
                              text));
        return parsed;
    }
    fs::path path(const std::string& text) const {
        fs::path p(text);
        if (p.is_relative())
            p = m_file.parent_path() / p;
        return p.lexically_normal();
    }
    std::vector<std::string> string_list(const toml::node& node, std::string_view key,
                                         bool allow_single) {
        std::vector<std::string> out;
        if (allow_single && node.is_string()) {
            out.push_back(node.as_string()->get());
            return out;
        }
        const auto* array = node.as_array();
        if (!array) {
            error(node.source(), key, "expects an array of strings");
            return out;
        }
        for (const auto& item : *array) {
            if (const auto* s = item.as_string())
                out.push_back(s->get());
            else
                error(item.source(), key, "expects an array of strings");
        }
        return out;
    }
    std::optional<double> number(const toml::node& node, std::string_view key) {
        if (const auto* f = node.as_floating_point())
            return f->get();
        if (const auto* i = node.as_integer())
            return static_cast<double>(i->get());
        error(node.source(), key, "expects a number");
        return std::nullopt;
    }
    std::map<std::string, std::string> string_map(const toml::node& node, std::string_view key) {
        std::map<std::string, std::string> out;
        const auto* table = node.as_table();
        if (!table) {
            error(node.source(), key, "expects a table of strings, e.g. { region = \"noord\" }");
            return out;
        }
        for (const auto& [k, v] : *table) {
            if (const auto* s = v.as_string())
                out.emplace(std::string(k.str()), s->get());
            else
                error(v.source(), fmt::format("{}.{}", key, k.str()), "expects a string");
        }
        return out;
    }

    // Walks a table with a key table: every key must have a handler.
    using Handler = std::function<void(const toml::node&, const std::string& key)>;
    void walk(const toml::table& table, std::string_view section,
              const std::map<std::string, Handler, std::less<>>& handlers) {
        for (const auto& [key, node] : table) {
            const std::string name(key.str());
            const std::string full = section.empty() ? name : fmt::format("{}.{}", section, name);
            const auto it = handlers.find(name);
            if (it == handlers.end()) {
                std::string known;
                for (const auto& [k, unused] : handlers)
                    known += (known.empty() ? "" : ", ") + k;
                error(key.source(), full, fmt::format("unknown key (known: {})", known));
                continue;
            }
            it->second(node, full);
        }
    }

    const fs::path& file() const { return m_file; }
    std::vector<std::string>& errors() { return m_errors; }
    std::vector<std::string>& warnings() { return m_warnings; }

private:
    fs::path m_file;
    std::vector<std::string> m_errors;
    std::vector<std::string> m_warnings;
};

void read_daemon(Reader& in, const toml::table& table, Config& config) {
    auto& d = config.daemon;
    in.walk(table, "daemon",
            {
                {"state_dir",
                 [&](const toml::node& n, const std::string& k) {
                     std::string s;
                     if (in.string(n, k, s))
                         d.state_dir = in.path(s);
                 }},
                {"rules",
                 [&](const toml::node& n, const std::string& k) {
                     d.rules.clear();
                     for (const auto& s : in.string_list(n, k, true))
                         d.rules.push_back(in.path(s));
                 }},
                {"user_agent",
                 [&](const toml::node& n, const std::string& k) {
                     if (in.string(n, k, d.user_agent) && d.user_agent.empty())
                         in.error(n.source(), k, "must not be empty");
                 }},
                {"retention",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::hours(1))
                             in.error(n.source(), k,
                                      "must be at least 1h (subscribers replay from what is kept)");
                         else
                             d.retention = std::chrono::duration_cast<std::chrono::seconds>(*v);
                     }
                 }},
                {"allow_plain_http",
                 [&](const toml::node& n, const std::string& k) {
                     in.boolean(n, k, d.allow_plain_http);
                 }},
                {"http_timeout",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::milliseconds(500) || *v > std::chrono::minutes(10))
                             in.error(n.source(), k, "must be between 500ms and 10m");
                         else
                             d.http_timeout = *v;
                     }
                 }},
                {"incident_window",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v > std::chrono::hours(24 * 7))
                             in.error(n.source(), k, "must be at most 7d (\"0s\": no incidents)");
                         else
                             d.incident_window =
                                 std::chrono::duration_cast<std::chrono::seconds>(*v);
                     }
                 }},
                {"places",
                 [&](const toml::node& n, const std::string& k) {
                     std::string s;
                     if (in.string(n, k, s)) {
                         d.places = in.path(s);
                         d.places_configured = true;
                     }
                 }},
            });
}

void read_area(Reader& in, const toml::table& table, Config& config) {
    AreaConfig a;
    a.origin = in.where(table.source());
    const auto list = [&](std::vector<std::string>& out) {
        return [&](const toml::node& n, const std::string& k) {
            out = in.string_list(n, k, true);
        };
    };
    in.walk(table, "area",
            {
                {"name",
                 [&](const toml::node& n, const std::string& k) {
                     in.string(n, k, a.name);
                 }},
                {"gemeenten", list(a.gemeenten)},
                {"woonplaatsen", list(a.woonplaatsen)},
                {"wijken", list(a.wijken)},
                {"buurten", list(a.buurten)},
                {"basisteam", list(a.basisteams)},
                {"eenheid", list(a.eenheden)},
                {"provincies", list(a.provincies)},
                {"force_area", list(a.forces)},
                {"authorities", list(a.authorities)},
                {"towns", list(a.towns)},
            });
    const auto& region = table.source();
    if (a.name.empty())
        in.error(region, "area.name", "is required");
    else if (!is_valid_name(a.name))
        in.error(region, "area.name",
                 fmt::format("\"{}\" may only use a-z, 0-9, '_', '.' and '-'", a.name));
    for (const auto& other : config.areas)
        if (!a.name.empty() && other.name == a.name)
            in.error(region, "area.name",
                     fmt::format("\"{}\" is already used at {}", a.name, other.origin));
    std::size_t places = 0;
    for (const auto* l : {&a.gemeenten, &a.woonplaatsen, &a.wijken, &a.buurten, &a.basisteams,
                          &a.eenheden, &a.provincies, &a.forces, &a.authorities, &a.towns})
        places += l->size();
    if (places == 0)
        in.error(region, "area",
                 fmt::format("area \"{}\" names no place: give gemeenten, woonplaatsen, wijken, "
                             "buurten, basisteam, eenheid, provincies, force_area, authorities or "
                             "towns",
                             a.name));
    config.areas.push_back(std::move(a));
}

void check_zmq_endpoint(Reader& in, const toml::node& n, const std::string& key,
                        const std::string& endpoint) {
    if (!endpoint.starts_with("tcp://") && !endpoint.starts_with("ipc://"))
        in.error(n.source(), key,
                 fmt::format("\"{}\" is not a ZeroMQ tcp:// or ipc:// endpoint", endpoint));
}

// Where [publish] keys were set, for errors found after the whole file.
struct PublishRegions {
    std::optional<toml::source_region> endpoint, replay, workflow, secret, authorized;
};

void read_publish(Reader& in, const toml::table& table, Config& config, PublishRegions& regions) {
    auto& p = config.publish;
    in.walk(table, "publish",
            {
                {"endpoint",
                 [&](const toml::node& n, const std::string& k) {
                     if (in.string(n, k, p.endpoint)) {
                         check_zmq_endpoint(in, n, k, p.endpoint);
                         regions.endpoint = n.source();
                     }
                 }},
                {"replay_endpoint",
                 [&](const toml::node& n, const std::string& k) {
                     if (in.string(n, k, p.replay_endpoint)) {
                         check_zmq_endpoint(in, n, k, p.replay_endpoint);
                         regions.replay = n.source();
                     }
                 }},
                {"workflow_endpoint",
                 [&](const toml::node& n, const std::string& k) {
                     if (in.string(n, k, p.workflow_endpoint)) {
                         check_zmq_endpoint(in, n, k, p.workflow_endpoint);
                         regions.workflow = n.source();
                     }
                 }},
                {"claim_timeout",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v != std::chrono::milliseconds(0) && *v < std::chrono::seconds(1))
                             in.error(n.source(), k, "must be at least 1s, or \"0s\" for never");
                         else
                             p.claim_timeout = std::chrono::duration_cast<std::chrono::seconds>(*v);
                     }
                 }},
                {"heartbeat",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::milliseconds(100))
                             in.error(n.source(), k, "must be at least 100ms");
                         else
                             p.heartbeat = *v;
                     }
                 }},
                {"server_secret_key",
                 [&](const toml::node& n, const std::string& k) {
                     std::string s;
                     if (in.string(n, k, s))
                         p.server_secret_key = in.path(s);
                     regions.secret = n.source();
                 }},
                {"authorized_keys",
                 [&](const toml::node& n, const std::string& k) {
                     std::string s;
                     if (in.string(n, k, s))
                         p.authorized_keys = in.path(s);
                     regions.authorized = n.source();
                 }},
                {"allow_plaintext",
                 [&](const toml::node& n, const std::string& k) {
                     in.boolean(n, k, p.allow_plaintext);
                 }},
            });
}

void read_metrics(Reader& in, const toml::table& table, Config& config) {
    in.walk(table, "metrics",
            {
                {"listen",
                 [&](const toml::node& n, const std::string& k) {
                     if (in.string(n, k, config.metrics.listen) &&
                         !split_listen(config.metrics.listen))
                         in.error(n.source(), k,
                                  fmt::format("\"{}\" is not IP:PORT (e.g. 127.0.0.1:9750 or "
                                              "[::1]:9750)",
                                              config.metrics.listen));
                 }},
            });
}

// A handle (name.example.org) or a DID (did:plc:…, did:web:…).
bool is_bluesky_account(std::string_view text) {
    if (text.starts_with("did:"))
        return text.size() > 8 && text.find_first_of(" /?#") == std::string_view::npos;
    if (text.starts_with('@'))
        text.remove_prefix(1);
    return text.find('.') != std::string_view::npos && text.front() != '.' && text.back() != '.' &&
           text.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
               std::string_view::npos;
}

void read_jetstream(Reader& in, const toml::source_region& region, const std::string& label,
                    SourceConfig& s, bool allow_http) {
    if (s.follow.empty() && s.replies_to.empty() && s.langs.empty())
        in.error(region, "source.follow",
                 fmt::format("{}: give at least one of follow, replies_to or langs", label));
    if (s.endpoints.empty())
        s.endpoints = k_jetstream_endpoints;
    for (const auto& endpoint : s.endpoints)
        if (const auto why = websocket_policy_violation(endpoint, allow_http))
            in.error(region, "source.endpoints", fmt::format("{}: {}", label, *why));
    for (const auto* list : {&s.follow, &s.replies_to}) {
        const char* key = list == &s.follow ? "source.follow" : "source.replies_to";
        if (list->size() > k_jetstream_max_dids)
            in.error(region, key,
                     fmt::format("{}: {} accounts; Jetstream takes at most {}", label, list->size(),
                                 k_jetstream_max_dids));
        for (const auto& account : *list)
            if (!is_bluesky_account(account))
                in.error(region, key,
                         fmt::format("{}: \"{}\" is neither a handle (name.bsky.social) nor a "
                                     "DID (did:plc:…)",
                                     label, account));
    }
    for (const auto& lang : s.langs)
        if (lang.empty() || lang.size() > 35 ||
            lang.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") !=
                std::string::npos)
            in.error(region, "source.langs",
                     fmt::format("{}: \"{}\" is not a language tag (nl, en, pt-BR)", label, lang));
    std::error_code ec;
    if (!s.zstd_dictionary.empty() && !fs::is_regular_file(s.zstd_dictionary, ec))
        in.error(region, "source.zstd_dictionary",
                 fmt::format("{}: {} is not a readable file", label, s.zstd_dictionary.string()));
}

void read_politie(Reader& in, const toml::source_region& region, const std::string& label,
                  SourceConfig& s) {
    if (s.url.empty())
        s.url = std::string(k_politie_api);
    if (s.kinds.empty())
        s.kinds = {"nieuws", "gezocht", "vermist"};
    for (const auto& kind : s.kinds)
        if (kind != "nieuws" && kind != "gezocht" && kind != "vermist")
            in.error(region, "source.kinds",
                     fmt::format("{}: \"{}\" is not one of nieuws, gezocht, vermist", label, kind));
    if (s.lat.has_value() != s.lon.has_value())
        in.error(region, "source.lat", fmt::format("{}: give both lat and lon, or neither", label));
    if (s.lat && (*s.lat < -90 || *s.lat > 90))
        in.error(region, "source.lat", fmt::format("{}: {} is not a latitude", label, *s.lat));
    if (s.lon && (*s.lon < -180 || *s.lon > 180))
        in.error(region, "source.lon", fmt::format("{}: {} is not a longitude", label, *s.lon));
    static constexpr double k_radii[] = {0.5, 2, 5, 10, 25};
    if (std::find(std::begin(k_radii), std::end(k_radii), s.radius) == std::end(k_radii))
        in.error(region, "source.radius",
                 fmt::format("{}: {} km is not one the API takes (0.5, 2, 5, 10 or 25)", label,
                             s.radius));
}

void read_source(Reader& in, const toml::table& table, Config& config) {
    SourceConfig s;
    s.origin = in.where(table.source());
    const auto text_key = [&in](std::string& field) {
        return [&in, &field](const toml::node& n, const std::string& k) {
            in.string(n, k, field);
        };
    };
    const auto list_key = [&in](std::vector<std::string>& field) {
        return [&in, &field](const toml::node& n, const std::string& k) {
            field = in.string_list(n, k, false);
        };
    };
    const auto path_key = [&in](std::filesystem::path& field) {
        return [&in, &field](const toml::node& n, const std::string& k) {
            std::string file;
            if (in.string(n, k, file))
                field = in.path(file);
        };
    };
    in.walk(table, "source",
            {
                {"name", text_key(s.name)},
                {"type", text_key(s.type)},
                {"url", text_key(s.url)},
                {"instance", text_key(s.instance)},
                {"account", text_key(s.account)},
                {"hashtag", text_key(s.hashtag)},
                {"timeline", text_key(s.timeline)},
                {"replies",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::hours(1) || *v > std::chrono::days(30))
                             in.error(n.source(), k, "must be between 1h and 30d");
                         else
                             s.replies = std::chrono::duration_cast<std::chrono::seconds>(*v);
                     }
                 }},
                {"live",
                 [&](const toml::node& n, const std::string& k) {
                     in.boolean(n, k, s.live);
                 }},
                {"access_token_file", path_key(s.access_token_file)},
                {"backfill",
                 [&](const toml::node& n, const std::string& k) {
                     const auto* value = n.as_integer();
                     if (!value || value->get() < 0 || value->get() > 40)
                         in.error(n.source(), k, "expects a number of statuses from 0 to 40");
                     else
                         s.backfill = static_cast<int>(value->get());
                 }},
                {"actor", text_key(s.actor)},
                {"appview", text_key(s.appview)},
                {"endpoints", list_key(s.endpoints)},
                {"follow", list_key(s.follow)},
                {"replies_to", list_key(s.replies_to)},
                {"langs", list_key(s.langs)},
                {"kinds", list_key(s.kinds)},
                {"lat",
                 [&](const toml::node& n, const std::string& k) {
                     s.lat = in.number(n, k);
                 }},
                {"lon",
                 [&](const toml::node& n, const std::string& k) {
                     s.lon = in.number(n, k);
                 }},
                {"radius",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.number(n, k))
                         s.radius = *v;
                 }},
                {"idle_timeout",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::seconds(1) || *v > std::chrono::minutes(10))
                             in.error(n.source(), k, "must be between 1s and 10m");
                         else
                             s.idle_timeout = *v;
                     }
                 }},
                {"zstd_dictionary", path_key(s.zstd_dictionary)},
                {"interval",
                 [&](const toml::node& n, const std::string& k) {
                     if (const auto v = in.duration(n, k)) {
                         if (*v < std::chrono::milliseconds(100))
                             in.error(n.source(), k, "must be at least 100ms");
                         else
                             s.interval = *v;
                     }
                 }},
                {"tags",
                 [&](const toml::node& n, const std::string& k) {
                     s.tags = in.string_map(n, k);
                 }},
                {"area", text_key(s.area)},
            });

    const auto& region = table.source();
    const std::string label = s.name.empty() ? "source" : fmt::format("source \"{}\"", s.name);
    if (s.name.empty())
        in.error(region, "source.name", "is required");
    else if (!is_valid_name(s.name))
        in.error(region, "source.name",
                 fmt::format("\"{}\" may only use a-z, 0-9, '_', '.' and '-'", s.name));
    for (const auto& other : config.sources)
        if (!s.name.empty() && other.name == s.name)
            in.error(region, "source.name",
                     fmt::format("\"{}\" is already used at {}", s.name, other.origin));

    // Which keys each type takes; the rest are mistakes.
    static const std::map<std::string, std::set<std::string>, std::less<>> k_type_keys = {
        {"feed", {"url"}},
        {"mastodon",
         {"instance", "account", "hashtag", "timeline", "live", "access_token_file", "backfill",
          "replies", "idle_timeout"}},
        {"bluesky", {"actor", "appview", "replies"}},
        {"politie", {"url", "kinds", "lat", "lon", "radius"}},
        {"jetstream",
         {"endpoints", "follow", "replies_to", "langs", "zstd_dictionary", "appview",
          "idle_timeout"}},
    };
    const auto type = k_type_keys.find(s.type);
    if (s.type.empty()) {
        in.error(
            region, "source.type",
            fmt::format("{}: is required (mastodon, bluesky, jetstream, politie or feed)", label));
    } else if (type == k_type_keys.end()) {
        in.error(
            region, "source.type",
            fmt::format("{}: unknown type \"{}\" (mastodon, bluesky, jetstream, politie or feed)",
                        label, s.type));
    } else {
        for (const auto& [name, node] : table) { // keys of some other type
            const std::string key(name.str());
            const bool typed = std::any_of(k_type_keys.begin(), k_type_keys.end(),
                                           [&](const auto& t) { return t.second.count(key); });
            if (typed && !type->second.count(key))
                in.error(region, fmt::format("source.{}", key),
                         fmt::format("{}: does not apply to type \"{}\"", label, s.type));
        }
        const bool allow_http = config.daemon.allow_plain_http;
        const auto check_url = [&](std::string_view key, const std::string& url) {
            if (const auto why = url_policy_violation(url, allow_http))
                in.error(region, fmt::format("source.{}", key), fmt::format("{}: {}", label, *why));
        };
        if (s.type == "feed") {
            if (s.url.empty())
                in.error(region, "source.url", fmt::format("{}: is required for type feed", label));
            else
                check_url("url", s.url);
        } else if (s.type == "mastodon") {
            if (s.instance.empty())
                in.error(region, "source.instance",
                         fmt::format("{}: is required for type mastodon", label));
            else
                check_url("instance", s.instance);
            if (!s.account.empty() + !s.hashtag.empty() + !s.timeline.empty() != 1)
                in.error(
                    region, "source.account",
                    fmt::format("{}: give exactly one of account, hashtag or timeline", label));
            if (!s.timeline.empty() && s.timeline != "local" && s.timeline != "public")
                in.error(region, "source.timeline",
                         fmt::format("{}: \"{}\" is not local or public", label, s.timeline));
            if (s.live && s.access_token_file.empty())
                in.error(region, "source.live",
                         fmt::format("{}: the streaming API needs a user's token since Mastodon "
                                     "4.2: set access_token_file",
                                     label));
            if (s.replies.count() > 0 && s.account.empty())
                in.error(region, "source.replies",
                         fmt::format("{}: replies are read under an account's posts: give "
                                     "account",
                                     label));
            if (s.live && !s.account.empty())
                in.error(region, "source.live",
                         fmt::format("{}: Mastodon streams timelines and hashtags, not one "
                                     "account; poll it (no live) or stream a hashtag",
                                     label));
            std::error_code ec;
            if (!s.access_token_file.empty() && !fs::is_regular_file(s.access_token_file, ec))
                in.error(region, "source.access_token_file",
                         fmt::format("{}: {} is not a readable file", label,
                                     s.access_token_file.string()));
        } else if (s.type == "bluesky") {
            if (s.actor.empty())
                in.error(region, "source.actor",
                         fmt::format("{}: is required for type bluesky", label));
            check_url("appview", s.appview);
        } else if (s.type == "politie") {
            read_politie(in, region, label, s);
            check_url("url", s.url);
        } else if (s.type == "jetstream") {
            read_jetstream(in, region, label, s, allow_http);
            check_url("appview", s.appview);
        }
    }
    config.sources.push_back(std::move(s));
}

void read_stream(Reader& in, const toml::table& table, Config& config) {
    StreamConfig s;
    s.origin = in.where(table.source());
    in.walk(table, "stream",
            {
                {"name",
                 [&](const toml::node& n, const std::string& k) {
                     in.string(n, k, s.name);
                 }},
                {"match_tags",
                 [&](const toml::node& n, const std::string& k) {
                     s.match_tags = in.string_map(n, k);
                 }},
                {"categories",
                 [&](const toml::node& n, const std::string& k) {
                     s.categories = in.string_list(n, k, false);
                 }},
                {"min_severity",
                 [&](const toml::node& n, const std::string& k) {
                     std::string text;
                     if (!in.string(n, k, text))
                         return;
                     if (const auto severity = parse_severity(text))
                         s.min_severity = *severity;
                     else
                         in.error(n.source(), k,
                                  fmt::format("\"{}\" is not one of info, low, medium, high, "
                                              "critical",
                                              text));
                 }},
                {"areas",
                 [&](const toml::node& n, const std::string& k) {
                     s.areas = in.string_list(n, k, false);
                 }},
                {"unplaced",
                 [&](const toml::node& n, const std::string& k) {
                     in.string(n, k, s.unplaced);
                 }},
            });
    const auto& region = table.source();
    if (s.name.empty())
        in.error(region, "stream.name", "is required");
    else if (!is_valid_name(s.name))
        in.error(region, "stream.name",
                 fmt::format("\"{}\" may only use a-z, 0-9, '_', '.' and '-'", s.name));
    else if (s.name == "ops")
        in.error(region, "stream.name", "\"ops\" is reserved for operational events");
    for (const auto& other : config.streams)
        if (!s.name.empty() && other.name == s.name)
            in.error(region, "stream.name",
                     fmt::format("\"{}\" is already used at {}", s.name, other.origin));
    config.streams.push_back(std::move(s));
}

template <typename Fn>
void each_table(Reader& in, const toml::node& node, const std::string& key, Fn&& fn) {
    const auto* array = node.as_array();
    if (!array || !array->is_array_of_tables()) {
        in.error(node.source(), key, fmt::format("expects [[{}]] tables", key));
        return;
    }
    for (const auto& item : *array)
        fn(*item.as_table());
}

} // namespace

bool is_live(const SourceConfig& source) {
    return source.type == "jetstream" || (source.type == "mastodon" && source.live);
}

bool is_valid_name(std::string_view name) {
    if (name.empty() || name.size() > 128)
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return false;
    return true;
}

std::string default_user_agent() {
    return fmt::format("wijkwacht/{} (+https://github.com/wijkwacht/wijkwacht)", WIJKWACHT_VERSION);
}

Config parse_config(std::string_view text, const fs::path& file) {
    toml::table root;
    try {
        root = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        throw ConfigError({fmt::format("{}:{}:{}: {}", file.string(), begin.line, begin.column,
                                       e.description())});
    }

    Reader in(file);
    Config config;
    config.file = file;
    config.daemon.user_agent = default_user_agent();
    PublishRegions regions;

    // [daemon] first: allow_plain_http decides how source URLs are checked.
    if (const auto* daemon = root.get("daemon")) {
        if (const auto* table = daemon->as_table())
            read_daemon(in, *table, config);
        else
            in.error(daemon->source(), "daemon", "expects a [daemon] table");
    }
    in.walk(
        root, "",
        {
            {"daemon",
             [](const toml::node&, const std::string&) {
             }},
            {"publish",
             [&](const toml::node& n, const std::string& k) {
                 if (const auto* t = n.as_table())
                     read_publish(in, *t, config, regions);
                 else
                     in.error(n.source(), k, "expects a [publish] table");
             }},
            {"metrics",
             [&](const toml::node& n, const std::string& k) {
                 if (const auto* t = n.as_table())
                     read_metrics(in, *t, config);
                 else
                     in.error(n.source(), k, "expects a [metrics] table");
             }},
            {"source",
             [&](const toml::node& n, const std::string& k) {
                 each_table(in, n, k, [&](const toml::table& t) { read_source(in, t, config); });
             }},
            {"stream",
             [&](const toml::node& n, const std::string& k) {
                 each_table(in, n, k, [&](const toml::table& t) { read_stream(in, t, config); });
             }},
            {"area",
             [&](const toml::node& n, const std::string& k) {
                 each_table(in, n, k, [&](const toml::table& t) { read_area(in, t, config); });
             }},
        });

    // Names that point at other tables.
    const auto area_known = [&](const std::string& name) {
        return std::any_of(config.areas.begin(), config.areas.end(),
                           [&](const AreaConfig& a) { return a.name == name; });
    };
    for (const auto& s : config.sources)
        if (!s.area.empty() && !area_known(s.area))
            in.errors().push_back(
                fmt::format("{}: source.area: no [[area]] is called \"{}\"", s.origin, s.area));
    for (const auto& s : config.streams) {
        for (const auto& a : s.areas)
            if (!area_known(a))
                in.errors().push_back(
                    fmt::format("{}: stream.areas: no [[area]] is called \"{}\"", s.origin, a));
        if (!s.unplaced.empty() && s.unplaced != "all" &&
            std::none_of(config.streams.begin(), config.streams.end(),
                         [&](const StreamConfig& o) { return o.name == s.unplaced; }))
            in.errors().push_back(fmt::format("{}: stream.unplaced: no [[stream]] is called \"{}\"",
                                              s.origin, s.unplaced));
        if (!s.unplaced.empty() && s.areas.empty())
            in.errors().push_back(fmt::format(
                "{}: stream.unplaced: has no effect on a stream without areas", s.origin));
    }

    if (config.publish.replay_endpoint.empty())
        config.publish.replay_endpoint = default_replay_endpoint(config.publish.endpoint);
    if (config.publish.workflow_endpoint.empty())
        config.publish.workflow_endpoint = default_workflow_endpoint(config.publish.endpoint);
    const auto& publish = config.publish;
    if (publish.server_secret_key && !publish.authorized_keys)
        in.error(regions.secret.value_or(root.source()), "publish.authorized_keys",
                 "is required with server_secret_key: a directory of the staff's public keys "
                 "(NAME.key files from `wijkwacht keygen`)");
    if (publish.authorized_keys && !publish.server_secret_key)
        in.error(regions.authorized.value_or(root.source()), "publish.authorized_keys",
                 "has no effect without server_secret_key, which turns CURVE on");
    // Off loopback, alerts travel encrypted, or plaintext by explicit consent.
    const std::pair<const std::string*, std::optional<toml::source_region>> endpoints[] = {
        {&publish.endpoint, regions.endpoint},
        {&publish.replay_endpoint, regions.replay ? regions.replay : regions.endpoint},
        {&publish.workflow_endpoint, regions.workflow ? regions.workflow : regions.endpoint}};
    const char* const settings[] = {"publish.endpoint", "publish.replay_endpoint",
                                    "publish.workflow_endpoint"};
    for (std::size_t i = 0; i < std::size(endpoints); ++i) {
        const auto& [endpoint, region] = endpoints[i];
        const auto host = zmq_endpoint_host(*endpoint);
        if (host && !is_loopback_host(*host) && !publish.curve() && !publish.allow_plaintext)
            in.error(region.value_or(root.source()), settings[i],
                     fmt::format("\"{}\" is not loopback and would carry alerts unencrypted; "
                                 "bind to 127.0.0.1, turn CURVE on with "
                                 "publish.server_secret_key, or set publish.allow_plaintext = "
                                 "true",
                                 *endpoint));
    }
    if (config.sources.empty())
        in.warnings().push_back(fmt::format("{}: no [[source]] is configured", file.string()));
    const bool has_all = std::any_of(config.streams.begin(), config.streams.end(),
                                     [](const StreamConfig& s) { return s.name == "all"; });
    if (!has_all) {
        StreamConfig all;
        all.name = "all";
        all.origin = "(built in)";
        config.streams.insert(config.streams.begin(), std::move(all));
    }
    if (!in.errors().empty())
        throw ConfigError(std::move(in.errors()));
    config.warnings = std::move(in.warnings());
    return config;
}

Config load_config(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream)
        throw ConfigError(
            {fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno))});
    std::ostringstream text;
    text << stream.rdbuf();
    std::error_code ec;
    const auto absolute = fs::absolute(file, ec);
    return parse_config(text.str(), ec ? file : absolute.lexically_normal());
}

bool category_glob_match(std::string_view glob, std::string_view category) {
    // Iterative wildcard match with one backtrack point.
    std::size_t g = 0, c = 0, star = std::string_view::npos, mark = 0;
    while (c < category.size()) {
        if (g < glob.size() && glob[g] == '*') {
            star = g++;
            mark = c;
        } else if (g < glob.size() && glob[g] == category[c]) {
            ++g;
            ++c;
        } else if (star != std::string_view::npos) {
            g = star + 1;
            c = ++mark;
        } else {
            return false;
        }
    }
    while (g < glob.size() && glob[g] == '*')
        ++g;
    return g == glob.size();
}

namespace {

bool in_areas(const StreamConfig& stream, const Alert& alert) {
    for (const auto& area : stream.areas)
        if (std::find(alert.post.areas.begin(), alert.post.areas.end(), area) !=
            alert.post.areas.end())
            return true;
    return false;
}

} // namespace

std::vector<std::string> route(const std::vector<StreamConfig>& streams, const Alert& alert) {
    std::vector<std::string> out;
    const auto add = [&out](const std::string& name) {
        if (std::find(out.begin(), out.end(), name) == out.end())
            out.push_back(name);
    };
    for (const auto& stream : streams) {
        if (!stream_accepts(stream, alert))
            continue;
        if (!stream.areas.empty() && alert.post.places.empty())
            add(stream.unplaced.empty() ? stream.name : stream.unplaced);
        else
            add(stream.name);
    }
    return out;
}

bool stream_accepts(const StreamConfig& stream, const Alert& alert) {
    if (alert.severity < stream.min_severity)
        return false;
    if (!stream.areas.empty() && !alert.post.places.empty() && !in_areas(stream, alert))
        return false;
    for (const auto& [key, value] : stream.match_tags) {
        const auto it = alert.post.tags.find(key);
        if (it == alert.post.tags.end() || it->second != value)
            return false;
    }
    if (stream.categories.empty())
        return true;
    for (const auto& category : alert.categories)
        for (const auto& glob : stream.categories)
            if (category_glob_match(glob, category))
                return true;
    return false;
}

} // namespace wijkwacht
