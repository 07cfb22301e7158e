#pragma once

// The daemon configuration (SPEC §2): one typed struct per section.
// load_config() rejects unknown keys and reports every problem it finds as
// "file:line: key: message" in one ConfigError. Keys the SPEC names whose
// feature is not built yet are accepted with a warning in Config::warnings.

#include <wijkwacht/post.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

inline constexpr std::string_view k_places_dir = WIJKWACHT_PLACES_DIR;

struct DaemonConfig {
    std::filesystem::path state_dir = "/var/lib/wijkwacht";
    std::vector<std::filesystem::path> rules = {"/etc/wijkwacht/rules.d"};
    std::string user_agent;
    std::chrono::seconds retention = std::chrono::hours(24 * 30);
    bool allow_plain_http = false;
    std::chrono::milliseconds http_timeout = std::chrono::seconds(60); // one request, all in
    // The gazetteer (places.tsv); a missing default means posts carry no
    // places, a missing configured one is an error.
    std::filesystem::path places = k_places_dir;
    bool places_configured = false;
    // Alerts join an open incident this long after its last alert (0: off).
    std::chrono::seconds incident_window = std::chrono::hours(12);
};

struct PublishConfig {
    std::string endpoint = "tcp://127.0.0.1:7750";
    std::string replay_endpoint;   // default: derived from endpoint (port + 1)
    std::string workflow_endpoint; // default: derived from endpoint (port + 2)
    // A claim nobody touched for this long goes back to "new" (0: never).
    std::chrono::seconds claim_timeout = std::chrono::minutes(30);
    std::chrono::milliseconds heartbeat = std::chrono::seconds(5);
    std::optional<std::filesystem::path> server_secret_key;
    std::optional<std::filesystem::path> authorized_keys;
    bool allow_plaintext = false;
    // CURVE is on when a server secret key is configured.
    bool curve() const { return server_secret_key.has_value(); }
};

struct MetricsConfig {
    std::string listen; // empty: no metrics endpoint
};

struct SourceConfig {
    std::string name;
    std::string type;
    std::chrono::milliseconds interval = std::chrono::minutes(5);
    std::map<std::string, std::string> tags;
    std::string url;                 // feed; politie: the API (default k_politie_api)
    std::string instance;            // mastodon
    std::string account;             // mastodon
    std::string hashtag;             // mastodon
    std::string timeline;            // mastodon: "local" or "public"
    bool live = false;               // mastodon: the streaming API (a token needed)
    std::chrono::seconds replies{0}; // mastodon, bluesky accounts: replies to posts this recent
    std::filesystem::path access_token_file; // mastodon, optional
    int backfill = 20;                       // mastodon: statuses taken on the first run
    std::string actor;                       // bluesky
    std::string appview = "https://public.api.bsky.app"; // bluesky, jetstream (handles)
    std::vector<std::string> endpoints;                  // jetstream: wss:// URLs, tried in turn
    std::vector<std::string> follow;                     // jetstream: authors (handles or DIDs)
    std::vector<std::string> replies_to;   // jetstream: replies to / mentions of these
    std::vector<std::string> langs;        // jetstream: every post in these languages
    std::filesystem::path zstd_dictionary; // jetstream: compressed frames when set
    // jetstream: silence before a ping; as long again without an answer and
    // the connection is given up and reopened.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(20);
    std::vector<std::string> kinds; // politie: nieuws, gezocht, vermist
    std::optional<double> lat, lon; // politie: around this point …
    double radius = 5.0;            // politie: … within km (0.5, 2, 5, 10, 25)
    std::string area;               // the [[area]] the source covers (optional)
    std::string origin;             // "file:line" of its [[source]] table, for messages
};

inline constexpr std::string_view k_politie_api = "https://api.politie.nl";

// Jetstream's public instances (Bluesky's own), tried in this order.
inline const std::vector<std::string> k_jetstream_endpoints = {
    "wss://jetstream1.us-east.bsky.network", "wss://jetstream2.us-east.bsky.network",
    "wss://jetstream1.us-west.bsky.network", "wss://jetstream2.us-west.bsky.network"};
inline constexpr std::size_t k_jetstream_max_dids = 10000;

// Live sources hold a connection open; the others are polled every interval.
bool is_live(const SourceConfig& source);

struct StreamConfig {
    std::string name;
    std::map<std::string, std::string> match_tags;
    std::vector<std::string> categories; // globs; empty: all
    Severity min_severity = Severity::info;
    std::vector<std::string> areas; // [[area]] names; empty: anywhere
    // Where an alert goes that this stream would take but that has no
    // known place (a stream name; empty: this stream).
    std::string unplaced;
    std::string origin;
};

// A team's area (SPEC §4): places by name or code, resolved against the
// gazetteer when the daemon loads the configuration.
struct AreaConfig {
    std::string name;
    std::vector<std::string> gemeenten, woonplaatsen, wijken, buurten, basisteams, eenheden,
        provincies, forces, authorities, towns;
    std::string origin;
};

struct Config {
    std::filesystem::path file;
    DaemonConfig daemon;
    PublishConfig publish;
    MetricsConfig metrics;
    std::vector<SourceConfig> sources;
    std::vector<StreamConfig> streams; // always holds "all" unless configured
    std::vector<AreaConfig> areas;
    std::vector<std::string> warnings; // "file:line: key: message"
};

// Relative paths in the file are resolved against the file's directory.
// Throws ConfigError.
Config load_config(const std::filesystem::path& file);
Config parse_config(std::string_view text, const std::filesystem::path& file);

// Does this alert belong on this stream? (tags, category globs, severity,
// areas: an alert with no place passes the area check; route() sends it
// where `unplaced` says)
bool stream_accepts(const StreamConfig& stream, const Alert& alert);

// The streams an alert goes to, each once, in configuration order.
std::vector<std::string> route(const std::vector<StreamConfig>& streams, const Alert& alert);

// Glob over dotted categories: "*" matches any run of characters, so
// "crime.*" matches "crime.burglary" and "crime.theft.bicycle".
bool category_glob_match(std::string_view glob, std::string_view category);

// True for [a-z0-9_.-]+, the alphabet of source, stream and rule names.
bool is_valid_name(std::string_view name);

std::string default_user_agent();

} // namespace wijkwacht
