// wijkwacht-bench-incidents: incidents on real alerts and what joining costs.
//
//   wijkwacht-bench-incidents --places DIR ALERTS.jsonl   (Alert JSON lines,
//       as `rules test --json` prints them): places each alert, joins them in
//       the order of their posts' created_at, prints {"id","incident","reason"}
//       per alert in that order.
//   wijkwacht-bench-incidents --cost 10000: joining with that many open
//       incidents, per alert, and the memory they hold.

#include <wijkwacht/incidents.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/places.hpp>
#include <wijkwacht/time.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

using namespace wijkwacht;

namespace {

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out + "\"";
}

int assign(const std::string& file, const std::string& places, IncidentOptions options) {
    std::optional<PlaceTagger> tagger;
    if (!places.empty())
        tagger.emplace(Gazetteer::load(places));
    std::ifstream in(file);
    std::vector<Alert> alerts;
    for (std::string line; std::getline(in, line);) {
        auto alert = alert_from_json(line);
        if (!alert) {
            fmt::print(stderr, "{}: {}\n", file, alert.failure().message);
            return 1;
        }
        if (tagger)
            alert->post.places = tagger->tag(alert->post);
        if (alert->id.empty())
            alert->id = alert_id(alert->post.platform, alert->post.id);
        alerts.push_back(std::move(*alert));
    }
    const auto at = [](const Alert& a) {
        const auto t = parse_rfc3339(a.post.created_at);
        return t ? std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count()
                 : std::int64_t{0};
    };
    std::stable_sort(alerts.begin(), alerts.end(),
                     [&](const Alert& a, const Alert& b) { return at(a) < at(b); });
    IncidentIndex index(options);
    for (auto& a : alerts) {
        index.expire(at(a));
        const auto d = index.decide(a, at(a));
        const auto id = d.incident.empty() ? IncidentIndex::new_id(a.id) : d.incident;
        index.add(a, id, at(a));
        fmt::print("{{\"id\":{},\"incident\":{},\"reason\":{}}}\n", quote(a.post.id), quote(id),
                   quote(d.reason));
    }
    return 0;
}

int cost(std::size_t open, std::size_t alerts) {
    // Alerts about many places and events: each its own incident, mostly.
    std::mt19937 rng(7);
    const char* towns[] = {"Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Eindhoven",
                           "Tilburg", "Groningen", "Almere",    "Breda",    "Nijmegen"};
    const char* what[] = {"inbraak", "steekpartij", "overval", "diefstal", "brand", "schietpartij"};
    const auto make = [&](std::size_t i) {
        Alert a;
        a.id = fmt::format("{:032x}", i);
        a.categories = {i % 2 ? "crime.burglary" : "crime.violence"};
        a.post.id = fmt::format("post-{}", i);
        const auto* town = towns[rng() % std::size(towns)];
        a.post.text = fmt::format("{} aan de {}straat in {}: een {}-jarige man uit {} aangehouden, "
                                  "getuigen gezocht van het voorval rond {} uur",
                                  what[rng() % std::size(what)], rng() % 5000, town,
                                  18 + rng() % 60, towns[rng() % std::size(towns)], rng() % 24);
        Place p;
        p.code = fmt::format("WP{}", rng() % 2500);
        p.kind = "woonplaats";
        p.name = town;
        p.gemeente = fmt::format("GM{}", rng() % 342);
        a.post.places = {p};
        return a;
    };
    IncidentIndex index({std::chrono::hours(12), 1000000});
    std::int64_t t = 1'700'000'000;
    for (std::size_t i = 0; i < open; ++i) {
        const auto a = make(i);
        index.add(a, IncidentIndex::new_id(a.id), t);
    }
    std::vector<Alert> batch;
    for (std::size_t i = 0; i < alerts; ++i)
        batch.push_back(make(open + i));
    const auto start = std::chrono::steady_clock::now();
    std::size_t joined = 0;
    for (const auto& a : batch) {
        const auto d = index.decide(a, t);
        joined += !d.incident.empty();
        index.add(a, d.incident.empty() ? IncidentIndex::new_id(a.id) : d.incident, t);
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count() /
        static_cast<double>(alerts);
    fmt::print("{} open incidents: {:.1f} µs per alert (decide and add, {} of {} joined), "
               "{:.1f} MB held ({:.0f} bytes per open incident)\n",
               index.open(), us, joined, alerts, static_cast<double>(index.memory()) / 1e6,
               static_cast<double>(index.memory()) / static_cast<double>(index.open()));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-incidents: incidents on real alerts, and what joining costs"};
    std::string file, places;
    std::size_t open = 0, alerts = 20000;
    int hours = 12;
    cli.add_option("alerts", file, "Alert JSON lines to join (rules test --json)");
    cli.add_option("--places", places, "the gazetteer to place the alerts with");
    cli.add_option("--window", hours, "hours since an incident's last alert")
        ->capture_default_str();
    cli.add_option("--cost", open, "measure joining with this many open incidents");
    IncidentOptions options;
    cli.add_option("--placed-words", options.placed_words, "words to join in one place")
        ->capture_default_str();
    cli.add_option("--unplaced-words", options.unplaced_words, "words to join elsewhere")
        ->capture_default_str();
    cli.add_option("--alerts", alerts, "alerts to time with --cost")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    if (open > 0)
        return cost(open, alerts);
    if (file.empty()) {
        fmt::print(stderr, "give an ALERTS.jsonl file, or --cost N\n");
        return 2;
    }
    options.window = std::chrono::hours(hours);
    return assign(file, places, options);
}
