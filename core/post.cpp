#include "core/hash.hpp"

#include <wijkwacht/post.hpp>

#include <algorithm>

namespace wijkwacht {

std::string_view to_string(MediaKind kind) {
    switch (kind) {
    case MediaKind::image:
        return "image";
    case MediaKind::video:
        return "video";
    case MediaKind::audio:
        return "audio";
    case MediaKind::link:
        return "link";
    }
    return "link";
}

std::optional<MediaKind> parse_media_kind(std::string_view text) {
    for (const auto kind : {MediaKind::image, MediaKind::video, MediaKind::audio, MediaKind::link})
        if (text == to_string(kind))
            return kind;
    return std::nullopt;
}

std::string_view to_string(Severity severity) {
    switch (severity) {
    case Severity::info:
        return "info";
    case Severity::low:
        return "low";
    case Severity::medium:
        return "medium";
    case Severity::high:
        return "high";
    case Severity::critical:
        return "critical";
    }
    return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
    for (const auto severity :
         {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical})
        if (text == to_string(severity))
            return severity;
    return std::nullopt;
}

void summarise_matches(Alert& alert) {
    alert.categories.clear();
    alert.severity = Severity::info;
    for (const auto& match : alert.matches) {
        alert.severity = std::max(alert.severity, match.severity);
        if (std::find(alert.categories.begin(), alert.categories.end(), match.category) ==
            alert.categories.end())
            alert.categories.push_back(match.category);
    }
}

std::string alert_id(std::string_view platform, std::string_view post_id) {
    std::string key(platform);
    key += '\n';
    key += post_id;
    return sha256_hex(key, 32);
}

} // namespace wijkwacht
