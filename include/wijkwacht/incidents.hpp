#pragma once

// Incidents (SPEC §4 "incident"): alerts that tell the same event join one
// incident. The IncidentIndex holds the open incidents in memory and
// decides, for a new alert, which one it joins; it knows nothing of the
// journal, which records each decision with its alert and hands the
// recorded ones back at start (so a restart rebuilds the same index).

#include <wijkwacht/post.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace wijkwacht {

struct IncidentOptions {
    std::chrono::seconds window = std::chrono::hours(12); // since the incident's last alert
    std::size_t max_open = 20000; // the oldest are closed beyond this (about 2.5 kB each)
    // How much rare words an alert must share with an incident to join it:
    // in a compatible place, and where either has no place.
    double placed_words = 10.0;
    double unplaced_words = 14.0;
};

// What the index knows of one incident.
struct Incident {
    std::string id;
    std::int64_t first_at = 0, last_at = 0; // unix seconds
    std::size_t count = 0;
    std::vector<std::string> categories; // distinct, in order of arrival
    std::vector<Place> places;           // distinct by code, in order of arrival
    std::vector<std::string> alerts;     // alert ids
};

// Why an alert joins an incident (or opens one), for logs and tests.
struct IncidentDecision {
    std::string incident; // the incident it joins; empty: it opens a new one
    std::string reason;   // "same text 0.83", "shared words: …", "reply to …", "new"
    double score = 0;
};

class IncidentIndex {
public:
    explicit IncidentIndex(IncidentOptions options = {});
    ~IncidentIndex();
    IncidentIndex(IncidentIndex&&) noexcept;
    IncidentIndex& operator=(IncidentIndex&&) noexcept;

    // Which open incident `alert` (flagged at `at`, unix seconds) joins.
    // Changes nothing.
    IncidentDecision decide(const Alert& alert, std::int64_t at) const;
    // Records `alert` in `incident` (a new one when the index has no such
    // open incident) and returns it as it stands now.
    const Incident& add(const Alert& alert, const std::string& incident, std::int64_t at);
    // Takes `alert` out of its incident (a split); returns the incident it left.
    std::optional<std::string> remove(const std::string& alert);
    // Moves every alert of `from` into `into` (a merge).
    void merge(const std::string& from, const std::string& into);
    // Closes the incidents whose last alert is older than the window.
    void expire(std::int64_t now);

    const Incident* find(const std::string& incident) const;
    std::size_t open() const;
    // Bytes held for the open incidents, roughly (their features and lists).
    std::size_t memory() const;

    // The id of a new incident opened by `alert_id`: that alert's id, so
    // it is stable across restarts and unique.
    static std::string new_id(const std::string& alert_id);

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace wijkwacht
