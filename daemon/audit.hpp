#pragma once

// The audit trail: who, by staff key, did what with the alerts. It covers
// CURVE handshakes admitted and refused, replay requests (stream and
// range), and workflow steps. Each event is one log line of key=value
// fields ("[audit] replay key=anna stream=centrum after=300 …"). Under
// systemd (JOURNAL_STREAM set) it goes to the journal with fields of its
// own, so `journalctl WIJKWACHT_KEY=anna` lists what anna did. Never in it:
// post texts, notes' texts, secret keys.
//
// Counts per key name feed the metrics. Key names come from
// publish.authorized_keys, so there are as many series as staff members;
// refused keys are counted together, never by key.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace wijkwacht {

struct AuditField {
    std::string_view name; // lower case: key, stream, after, …
    std::string value;
};

// Writes one audit event. Thread-safe.
void audit(std::string_view event, std::initializer_list<AuditField> fields);

// Per key name and event: how many. Thread-safe (the handshake and replay
// threads count too).
class AuditCounters {
public:
    void count(const std::string& key, std::string_view event);
    // key -> event -> count
    std::map<std::string, std::map<std::string, std::uint64_t>> snapshot() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, std::map<std::string, std::uint64_t>> m_counts;
};

} // namespace wijkwacht
