#include "rules/text.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/places.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace wijkwacht {

namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    while (true) {
        const auto end = line.find(sep, begin);
        out.push_back(line.substr(begin, end == std::string_view::npos ? end : end - begin));
        if (end == std::string_view::npos)
            return out;
        begin = end + 1;
    }
}

std::optional<double> parse_number(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

constexpr std::string_view k_kinds[] = {"provincie", "gemeente", "woonplaats", "wijk",
                                        "buurt",     "eenheid",  "basisteam",  "force",
                                        "authority", "town"};

bool known_kind(std::string_view kind) {
    for (const auto k : k_kinds)
        if (k == kind)
            return true;
    return false;
}

// Words joined by single spaces, folded as rule terms are.
std::string fold_words(std::string_view text) {
    const auto index = rules::tokenize(text);
    std::string out;
    for (std::size_t i = 0; i < index.size(); ++i) {
        if (i > 0)
            out += ' ';
        out += index.word(i);
    }
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError({fmt::format("{}: cannot be read", path.string())});
    std::ostringstream body;
    body << in.rdbuf();
    return body.str();
}

bool ends_with_consonant(std::string_view word) {
    if (word.empty())
        return false;
    const char c = static_cast<char>(word.back() | 0x20);
    return c >= 'a' && c <= 'z' && std::string_view("aeiouy").find(c) == std::string_view::npos;
}

} // namespace

void Gazetteer::add_form(std::string_view written, std::uint32_t entry, Form::Kind kind) {
    const std::string folded = fold_words(written);
    if (folded.empty())
        return;
    const auto add = [&](FormMap& map, const std::string& key) {
        auto& list = map[key];
        for (const auto& f : list)
            if (f.entry == entry)
                return;
        list.push_back({entry, kind});
    };
    add(m_forms, folded);
    m_max_words =
        std::max<std::size_t>(m_max_words, 1 + std::count(folded.begin(), folded.end(), ' '));
    std::string compact;
    for (const char c : folded)
        if (c != ' ')
            compact += c;
    add(m_hashtag_forms, compact);
}

std::shared_ptr<const Gazetteer> Gazetteer::load(const std::filesystem::path& path) {
    std::error_code ec;
    const bool dir = std::filesystem::is_directory(path, ec);
    const auto places = dir ? path / "places.tsv" : path;
    const auto forms = places.parent_path() / "forms.tsv";
    const std::string text = read_file(places);
    const std::string forms_text =
        std::filesystem::exists(forms, ec) ? read_file(forms) : std::string();
    return parse(text, places.string(), forms_text, forms.string());
}

std::shared_ptr<const Gazetteer> Gazetteer::parse(std::string_view places, std::string_view name,
                                                  std::string_view forms,
                                                  std::string_view forms_name) {
    auto g = std::make_shared<Gazetteer>();
    std::vector<std::string> problems;
    std::vector<std::pair<std::size_t, std::vector<std::string>>> parents; // line, codes
    std::size_t line_no = 0;
    for (const auto raw : split(places, '\n')) {
        ++line_no;
        std::string_view line = raw;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            continue;
        if (line.front() == '#') {
            if (g->m_description.empty())
                g->m_description = std::string(line.substr(line.find_first_not_of("# ")));
            continue;
        }
        const auto cols = split(line, '\t');
        const auto fail = [&](std::string_view message) {
            if (problems.size() < 20)
                problems.push_back(fmt::format("{}:{}: {}", name, line_no, message));
        };
        if (cols.size() < 8) {
            fail(fmt::format("expected 8 tab-separated columns (code kind name aliases parents "
                             "lat lon size), found {}",
                             cols.size()));
            continue;
        }
        GazetteerEntry e;
        e.code = std::string(cols[0]);
        e.kind = std::string(cols[1]);
        e.name = std::string(cols[2]);
        if (e.code.empty() || e.name.empty()) {
            fail("a place needs a code and a name");
            continue;
        }
        if (!known_kind(e.kind)) {
            fail(fmt::format("unknown kind \"{}\" (kinds: provincie, gemeente, woonplaats, wijk, "
                             "buurt, eenheid, basisteam, force, authority, town)",
                             e.kind));
            continue;
        }
        if (!cols[3].empty())
            for (const auto a : split(cols[3], '|'))
                if (!a.empty())
                    e.aliases.emplace_back(a);
        e.lat = parse_number(cols[5]);
        e.lon = parse_number(cols[6]);
        if ((!cols[5].empty() && !e.lat) || (!cols[6].empty() && !e.lon))
            fail("lat and lon must be decimal degrees");
        e.size = parse_number(cols[7]).value_or(0);
        if (cols.size() > 8)
            for (const auto flag : split(cols[8], '|'))
                if (flag == "word")
                    e.word = true;
        const auto index = static_cast<std::uint32_t>(g->m_entries.size());
        if (!g->m_by_code.emplace(e.code, index).second) {
            fail(fmt::format("code {} appears twice", e.code));
            continue;
        }
        std::vector<std::string> codes;
        if (!cols[4].empty())
            for (const auto p : split(cols[4], '|'))
                if (!p.empty())
                    codes.emplace_back(p);
        parents.emplace_back(line_no, std::move(codes));
        g->m_entries.push_back(std::move(e));
    }
    for (std::size_t i = 0; i < g->m_entries.size(); ++i)
        for (const auto& code : parents[i].second) {
            const auto it = g->m_by_code.find(code);
            if (it == g->m_by_code.end()) {
                if (problems.size() < 20)
                    problems.push_back(fmt::format("{}:{}: parent {} is not in the gazetteer", name,
                                                   parents[i].first, code));
                continue;
            }
            g->m_entries[i].parents.push_back(it->second);
        }
    if (g->m_entries.empty() && problems.empty())
        problems.push_back(fmt::format("{}: holds no places", name));
    if (!problems.empty())
        throw ConfigError(std::move(problems));

    // Forms people write: names, aliases, adjectives and demonyms.
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> extra; // (kind, name)
    line_no = 0;
    for (const auto raw : split(forms, '\n')) {
        ++line_no;
        std::string_view line = raw;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#')
            continue;
        const auto cols = split(line, '\t');
        if (cols.size() != 3) {
            problems.push_back(
                fmt::format("{}:{}: expected kind<TAB>name<TAB>forms", forms_name, line_no));
            continue;
        }
        auto& list = extra[{std::string(cols[0]), std::string(cols[1])}];
        for (const auto f : split(cols[2], '|'))
            if (!f.empty())
                list.emplace_back(f);
    }
    if (!problems.empty())
        throw ConfigError(std::move(problems));
    // "-": names that stand for something else in text (Nederland, Oranje).
    for (const auto& [key, list] : extra)
        if (key.first == "-")
            g->m_not_in_text.insert(fold_words(key.second));
    for (std::uint32_t i = 0; i < g->m_entries.size(); ++i) {
        const auto& e = g->m_entries[i];
        const bool listed_never = !g->read_in_text(fold_words(e.name));
        g->add_form(e.name, i, Form::Kind::name);
        for (const auto& a : e.aliases)
            g->add_form(a, i, Form::Kind::alias);
        bool listed = false;
        for (const auto* kind : {&e.kind, static_cast<const std::string*>(nullptr)}) {
            const auto it = extra.find({kind ? *kind : std::string("*"), e.name});
            if (it == extra.end())
                continue;
            listed = true;
            for (const auto& f : it->second)
                g->add_form(f, i, Form::Kind::adjective);
        }
        // Regular Dutch adjectives: Tilburg → Tilburgse.
        if (!listed && !listed_never && (e.kind == "woonplaats" || e.kind == "gemeente") &&
            e.name.find_first_of(" -'") == std::string::npos && ends_with_consonant(e.name))
            g->add_form(e.name + "se", i, Form::Kind::adjective);
    }
    return g;
}

const GazetteerEntry* Gazetteer::by_code(std::string_view code) const {
    const auto it = m_by_code.find(code);
    return it == m_by_code.end() ? nullptr : &m_entries[it->second];
}

std::vector<std::uint32_t> Gazetteer::by_name(std::string_view name, std::string_view kind) const {
    std::vector<std::uint32_t> out;
    if (const auto* list = forms(fold_words(name)))
        for (const auto& f : *list)
            if (f.kind != Form::Kind::adjective &&
                (kind.empty() || m_entries[f.entry].kind == kind))
                out.push_back(f.entry);
    return out;
}

std::vector<std::uint32_t> Gazetteer::ancestors(std::uint32_t index) const {
    std::vector<std::uint32_t> out{index};
    for (std::size_t i = 0; i < out.size() && out.size() < 64; ++i)
        for (const auto p : m_entries[out[i]].parents)
            if (std::find(out.begin(), out.end(), p) == out.end())
                out.push_back(p);
    return out;
}

const GazetteerEntry* Gazetteer::above(std::uint32_t index, std::string_view kind) const {
    for (const auto a : ancestors(index))
        if (m_entries[a].kind == kind)
            return &m_entries[a];
    return nullptr;
}

Place Gazetteer::place(std::uint32_t index, std::string how) const {
    const auto& e = m_entries[index];
    Place p;
    p.name = e.name;
    p.kind = e.kind;
    p.code = e.code;
    p.how = std::move(how);
    p.lat = e.lat;
    p.lon = e.lon;
    const auto name_of = [&](std::string_view kind) {
        const auto* a = above(index, kind);
        return a && a != &e ? a->name : std::string();
    };
    p.gemeente = name_of("gemeente");
    p.provincie = name_of("provincie");
    p.eenheid = name_of("eenheid");
    p.basisteam = name_of("basisteam");
    p.authority = name_of("authority");
    p.force = name_of("force");
    return p;
}

const std::vector<Gazetteer::Form>* Gazetteer::forms(std::string_view folded) const {
    const auto it = m_forms.find(folded);
    return it == m_forms.end() ? nullptr : &it->second;
}

const std::vector<Gazetteer::Form>* Gazetteer::hashtag_forms(std::string_view folded) const {
    const auto it = m_hashtag_forms.find(folded);
    return it == m_hashtag_forms.end() ? nullptr : &it->second;
}

} // namespace wijkwacht
