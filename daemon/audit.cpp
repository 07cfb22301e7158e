#include "daemon/audit.hpp"

#include <wijkwacht/log.hpp>

#include <fmt/format.h>
#include <systemd/sd-journal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sys/uio.h>
#include <vector>

namespace wijkwacht {

namespace {

// A value as one token of the log line: quoted when it holds a space,
// quote or control character.
std::string token(std::string_view value) {
    const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
        return c == ' ' || c == '"' || static_cast<unsigned char>(c) < 0x20;
    });
    if (plain)
        return std::string(value);
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return out + '"';
}

} // namespace

void audit(std::string_view event, std::initializer_list<AuditField> fields) {
    std::string message(event);
    for (const auto& field : fields)
        message += fmt::format(" {}={}", field.name, token(field.value));
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    if (journal) {
        std::vector<std::string> entries{"MESSAGE=[audit] " + message, "PRIORITY=5",
                                         "SYSLOG_IDENTIFIER=wijkwachtd",
                                         fmt::format("WIJKWACHT_AUDIT={}", event)};
        for (const auto& field : fields) {
            std::string name = "WIJKWACHT_";
            for (const char c : field.name)
                name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            entries.push_back(name + "=" + field.value);
        }
        std::vector<iovec> iov;
        for (auto& entry : entries)
            iov.push_back({entry.data(), entry.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0)
            return;
    }
    log::notice("audit", "{}", message);
}

void AuditCounters::count(const std::string& key, std::string_view event) {
    const std::lock_guard lock(m_mutex);
    ++m_counts[key][std::string(event)];
}

std::map<std::string, std::map<std::string, std::uint64_t>> AuditCounters::snapshot() const {
    const std::lock_guard lock(m_mutex);
    return m_counts;
}

} // namespace wijkwacht
