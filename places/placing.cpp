#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/places.hpp>

#include <fmt/format.h>

namespace wijkwacht {

Placing Placing::load(const Config& config, const Placing* previous) {
    Placing p;
    const auto& d = config.daemon;
    std::error_code ec;
    const bool dir = std::filesystem::is_directory(d.places, ec);
    const auto file = dir ? d.places / "places.tsv" : d.places;
    if (!std::filesystem::exists(file, ec)) {
        if (d.places_configured)
            throw ConfigError({fmt::format("{}: daemon.places: {} does not exist (build it with "
                                           "`scripts/places-build`, docs/OPERATING.md)",
                                           config.file.string(), file.string())});
        if (!config.areas.empty())
            throw ConfigError({fmt::format("{}: [[area]] needs the gazetteer, and {} does not "
                                           "exist: set daemon.places",
                                           config.file.string(), file.string())});
        return p;
    }
    p.m_path = file;
    p.m_mtime = std::filesystem::last_write_time(file, ec);
    if (previous && previous->m_gazetteer && previous->m_path == p.m_path &&
        previous->m_mtime == p.m_mtime)
        p.m_gazetteer = previous->m_gazetteer;
    else
        p.m_gazetteer = Gazetteer::load(d.places);
    p.m_tagger.emplace(p.m_gazetteer);
    p.m_areas = Areas(config.areas, *p.m_gazetteer);
    for (const auto& s : config.sources)
        if (!s.area.empty())
            p.m_source_areas.emplace(s.name, p.m_areas.area(s.area));
    return p;
}

void Placing::apply(Post& post) const {
    if (!m_tagger)
        return;
    const auto it = m_source_areas.find(post.source);
    post.places = m_tagger->tag(post, it == m_source_areas.end() ? nullptr : &it->second);
    post.areas = m_areas.of(post.places, *m_gazetteer);
}

} // namespace wijkwacht
