#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/places.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wijkwacht {

namespace {

// "Bergen (Noord-Holland)": the name and what tells it apart.
std::pair<std::string_view, std::string_view> split_qualifier(std::string_view value) {
    const auto open = value.rfind(" (");
    if (open == std::string_view::npos || !value.ends_with(')'))
        return {value, {}};
    return {value.substr(0, open), value.substr(open + 2, value.size() - open - 3)};
}

std::string describe(const Gazetteer& g, std::uint32_t index) {
    const auto& e = g.entries()[index];
    std::string where;
    for (const auto kind : {"gemeente", "provincie", "authority", "force"})
        if (const auto* a = g.above(index, kind); a && a != &e) {
            where = a->name;
            break;
        }
    return where.empty() ? e.code : fmt::format("{} ({})", e.code, where);
}

} // namespace

Areas::Areas(const std::vector<AreaConfig>& areas, const Gazetteer& g) {
    std::vector<std::string> problems;
    for (const auto& area : areas) {
        Resolved r;
        r.name = area.name;
        const std::pair<const std::vector<std::string>*, std::string_view> lists[] = {
            {&area.gemeenten, "gemeente"},    {&area.woonplaatsen, "woonplaats"},
            {&area.wijken, "wijk"},           {&area.buurten, "buurt"},
            {&area.basisteams, "basisteam"},  {&area.eenheden, "eenheid"},
            {&area.provincies, "provincie"},  {&area.forces, "force"},
            {&area.authorities, "authority"}, {&area.towns, "town"}};
        for (const auto& [values, kind] : lists)
            for (const auto& value : *values) {
                if (const auto* e = g.by_code(value)) {
                    r.entries.push_back(static_cast<std::uint32_t>(e - g.entries().data()));
                    continue;
                }
                const auto [name, qualifier] = split_qualifier(value);
                std::vector<std::uint32_t> found;
                for (const auto c : g.by_name(name, kind)) {
                    if (qualifier.empty()) {
                        found.push_back(c);
                        continue;
                    }
                    for (const auto a : g.ancestors(c))
                        if (a != c && !g.by_name(qualifier, g.entries()[a].kind).empty() &&
                            g.by_name(qualifier, g.entries()[a].kind).front() == a)
                            found.push_back(c);
                }
                if (found.size() == 1) {
                    r.entries.push_back(found.front());
                    continue;
                }
                if (found.empty()) {
                    problems.push_back(fmt::format("{}: area {}: no {} \"{}\" in the gazetteer "
                                                   "(`wijkwacht places explain` shows what it "
                                                   "knows)",
                                                   area.origin, area.name, kind, value));
                    continue;
                }
                std::string which;
                for (const auto c : found)
                    which += (which.empty() ? "" : ", ") + describe(g, c);
                problems.push_back(fmt::format("{}: area {}: {} \"{}\" is {} places: {}; write "
                                               "its code or \"{} (provincie)\"",
                                               area.origin, area.name, kind, value, found.size(),
                                               which, name));
            }
        m_areas.push_back(std::move(r));
    }
    if (!problems.empty())
        throw ConfigError(std::move(problems));
}

std::vector<std::string> Areas::of(const std::vector<Place>& places, const Gazetteer& g) const {
    std::vector<std::string> out;
    std::vector<std::uint32_t> lineage;
    for (const auto& p : places)
        if (const auto* e = g.by_code(p.code))
            for (const auto a : g.ancestors(static_cast<std::uint32_t>(e - g.entries().data())))
                lineage.push_back(a);
    for (const auto& area : m_areas)
        for (const auto e : area.entries)
            if (std::find(lineage.begin(), lineage.end(), e) != lineage.end()) {
                out.push_back(area.name);
                break;
            }
    return out;
}

SourceArea Areas::area(std::string_view name) const {
    for (const auto& a : m_areas)
        if (a.name == name)
            return {a.entries};
    return {};
}

} // namespace wijkwacht
