#include "rules/text.hpp"

#include <wijkwacht/places.hpp>

#include <fmt/format.h>
#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace wijkwacht {

namespace {

using rules::TextIndex;
using rules::TokenKind;

// Inhabitants from which a name that is also a word, capitalised inside a
// sentence, is read as the place.
constexpr double k_big_place = 20000;

// Words before a name that say a place follows.
constexpr std::string_view k_place_words[] = {
    "in",   "te",     "uit",    "bij",    "nabij", "omgeving", "rond",     "rondom",   "richting",
    "naar", "vanuit", "tussen", "regio",  "wijk",  "buurt",    "dorp",     "stad",     "from",
    "near", "at",     "across", "around", "to",    "of",       "gemeente", "provincie"};
// Capitalised words before a name that still leave it a place.
constexpr std::string_view k_before_places[] = {
    "politie",      "police",     "gemeente",  "provincie", "regio", "station", "rechtbank",
    "universiteit", "hogeschool", "eenheid",   "basisteam", "wijk",  "stad",    "dorp",
    "county",       "in",         "uit",       "bij",       "naar",  "van",     "te",
    "omgeving",     "centrum",    "regionaal", "greater",   "west",  "east",    "north",
    "south",        "noord",      "zuid",      "oost",      "midden"};
// Prefixes of hashtags that name a place: #politieUtrecht, #112Utrecht.
constexpr std::string_view k_hashtag_prefixes[] = {
    "politie",  "wijkagent", "wijkagenten", "brandweer", "112",    "nieuws",
    "gemeente", "wijkteam",  "basisteam",   "team",      "police", "bt"};
// Words after a name that make it a street's, a park's or a club's name
// ("Wells Road", "Trafford Park", "Leeds United").
constexpr std::string_view k_after_names[] = {
    "street",    "road",     "lane",   "avenue",  "way",     "close",    "drive",  "crescent",
    "park",      "bridge",   "square", "terrace", "gardens", "grove",    "united", "rovers",
    "wanderers", "athletic", "albion", "fc",      "airport", "centraal", "arena",  "stadion"};
// A word after an adjective form that makes it a street's or building's name.
constexpr std::string_view k_street_suffixes[] = {"weg",  "straat", "laan",   "baan",   "plein",
                                                  "dijk", "kade",   "singel", "gracht", "poort"};
// Words that mark a post as American: its English town names are not ours.
constexpr std::string_view k_foreign_words[] = {
    "usa",      "america",   "american", "americans",  "nypd",         "fbi",       "massachusetts",
    "alabama",  "ohio",      "texas",    "california", "florida",      "york",      "jersey",
    "illinois", "michigan",  "virginia", "georgia",    "pennsylvania", "maryland",  "connecticut",
    "kentucky", "tennessee", "carolina", "ontario",    "canada",       "australia", "sheriff",
    "nh",       "ma",        "al"};
// Provincie abbreviations in "Bergen (NH)".
const std::map<std::string_view, std::string_view> k_qualifiers = {
    {"nh", "PV27"}, {"l", "PV31"},  {"li", "PV31"},  {"lb", "PV31"}, {"o", "PV23"},
    {"ov", "PV23"}, {"g", "PV25"},  {"gld", "PV25"}, {"gr", "PV20"}, {"nb", "PV30"},
    {"zh", "PV28"}, {"u", "PV26"},  {"ut", "PV26"},  {"fr", "PV21"}, {"dr", "PV22"},
    {"z", "PV29"},  {"zl", "PV29"}, {"fl", "PV24"}};

template <std::size_t N> bool one_of(std::string_view word, const std::string_view (&list)[N]) {
    return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

bool is_upper_at(std::string_view text, std::size_t pos) {
    if (pos >= text.size())
        return false;
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                                    static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (n <= 0)
        return false;
    const auto cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

// Kinds in the order a name shared by several is read: the most precise
// settlement first.
int kind_rank(std::string_view kind) {
    constexpr std::string_view order[] = {"woonplaats", "town",  "gemeente", "authority",
                                          "provincie",  "force", "eenheid",  "basisteam",
                                          "wijk",       "buurt"};
    for (std::size_t i = 0; i < std::size(order); ++i)
        if (order[i] == kind)
            return static_cast<int>(i);
    return 99;
}

bool is_neighbourhood(std::string_view kind) {
    return kind == "wijk" || kind == "buurt";
}

struct Mention {
    std::size_t first, last; // tokens
    Span span;
    std::string how;
    std::vector<Gazetteer::Form> forms;
    bool hashtag = false;
    bool needs_context = false; // taken only with another place read or a source area
    std::optional<std::uint32_t> chosen;
    std::string verdict;
};

class Run {
public:
    Run(const Gazetteer& g, const Post& post, const SourceArea* area)
        : m_g(g), m_text(post.text), m_area(area) {
        m_index.build(m_text);
    }

    std::vector<Place> places(const Post& post, std::vector<PlaceReading>* readings) {
        find_mentions();
        filter();
        choose();
        std::vector<Place> out;
        std::map<std::uint32_t, std::size_t> at; // entry -> index in out
        std::vector<std::size_t> counts;
        const auto add = [&](std::uint32_t entry, const std::string& how, const Span* span) {
            auto it = at.find(entry);
            if (it == at.end()) {
                it = at.emplace(entry, out.size()).first;
                out.push_back(m_g.place(entry, how));
                counts.push_back(0);
            }
            if (span) {
                out[it->second].spans.push_back(*span);
                ++counts[it->second];
            }
        };
        for (const auto& m : m_mentions)
            if (m.chosen && m.how == "prefix")
                add(*m.chosen, m.how, &m.span);
        for (const auto& hint : post.places) {
            if (!hint.code.empty()) {
                if (const auto* e = m_g.by_code(hint.code))
                    add(static_cast<std::uint32_t>(e - m_g.entries().data()), hint.how, nullptr);
            } else if (hint.how == "field" && !hint.name.empty()) {
                const auto found = resolve_field(hint.name);
                if (found)
                    add(*found, "field", nullptr);
            } else if (hint.how == "geo" && hint.lat && hint.lon) {
                if (const auto near = nearest(*hint.lat, *hint.lon)) {
                    add(*near, "geo", nullptr);
                    out[at[*near]].lat = hint.lat;
                    out[at[*near]].lon = hint.lon;
                }
            }
        }
        const std::size_t fixed = out.size();
        for (const auto& m : m_mentions)
            if (m.chosen && m.how != "prefix")
                add(*m.chosen, m.how, &m.span);
        // The places read most often first, after prefix and hints.
        std::vector<std::size_t> order(out.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(fixed), order.end(),
                         [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });
        std::vector<Place> sorted;
        for (const auto i : order)
            sorted.push_back(std::move(out[i]));
        if (sorted.empty() && m_area)
            for (const auto e : m_area->entries)
                sorted.push_back(m_g.place(e, "source"));
        if (readings)
            for (const auto& m : m_mentions) {
                PlaceReading r;
                r.text = std::string(m_text.substr(m.span.first, m.span.second - m.span.first));
                r.span = m.span;
                r.verdict = m.verdict;
                if (m.chosen)
                    r.place = m_g.place(*m.chosen, m.how);
                readings->push_back(std::move(r));
            }
        return sorted;
    }

private:
    std::string_view word(std::size_t i) const { return m_index.word(i); }
    const rules::Token& token(std::size_t i) const { return m_index.tokens()[i]; }

    void find_mentions() {
        const auto& tokens = m_index.tokens();
        const auto n = tokens.size();
        const std::string& norm = m_index.normalized();
        // Title case: capitals say nothing (headlines).
        std::size_t words = 0, upper = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (tokens[i].kind == TokenKind::word) {
                ++words;
                upper += is_upper_at(m_text, tokens[i].begin);
            }
        m_title_case = words >= 4 && upper * 10 > words * 6;
        for (std::size_t i = 0; i < n; ++i) {
            const auto w = word(i);
            if (one_of(w, k_foreign_words))
                m_foreign = true;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const auto& t = tokens[i];
            if (t.kind == TokenKind::mention)
                continue;
            if (t.kind == TokenKind::hashtag) {
                const auto w = word(i);
                const auto* forms = m_g.hashtag_forms(w);
                for (const auto prefix : k_hashtag_prefixes)
                    if (!forms && w.size() > prefix.size() + 2 && w.starts_with(prefix))
                        forms = m_g.hashtag_forms(w.substr(prefix.size()));
                if (forms)
                    push(i, i, *forms, true);
                continue;
            }
            const auto longest = std::min(m_g.max_words(), n - i);
            for (std::size_t len = longest; len >= 1; --len) {
                const auto last = i + len - 1;
                bool plain = true;
                for (std::size_t k = i; k <= last; ++k)
                    plain = plain && tokens[k].kind == TokenKind::word;
                if (!plain)
                    continue;
                const std::string_view key(norm.data() + t.norm_begin,
                                           tokens[last].norm_end - t.norm_begin);
                if (const auto* forms = m_g.forms(key)) {
                    if (m_g.read_in_text(key))
                        push(i, last, *forms, false);
                    i = last;
                    break;
                }
            }
        }
    }

    void push(std::size_t first, std::size_t last, const std::vector<Gazetteer::Form>& forms,
              bool hashtag) {
        Mention m;
        m.first = first;
        m.last = last;
        m.span = {token(first).begin, token(last).end};
        m.forms = forms;
        m.hashtag = hashtag;
        m.how = "text";
        // "Nijmegen - Verdachte aangehouden": the place the item is about.
        if (first == 0 && m_text.find_first_not_of(" \t\n") == token(0).begin) {
            const auto rest = m_text.substr(m.span.second);
            for (const auto dash : {" - ", " – ", " — ", " -- "})
                if (rest.starts_with(dash))
                    m.how = "prefix";
        }
        m_mentions.push_back(std::move(m));
    }

    bool capitalised(const Mention& m) const {
        for (std::size_t k = m.first; k <= m.last; ++k) {
            const auto w = word(k);
            if (w == "s" || w == "t" || w == "den" || w == "de" || w == "het" || w == "aan" ||
                w == "op" || w == "bij" || w == "en")
                continue;
            return is_upper_at(m_text, token(k).begin);
        }
        return false;
    }

    bool sentence_start(std::size_t tok) const {
        if (tok == 0)
            return true;
        const auto between =
            m_text.substr(token(tok - 1).end, token(tok).begin - token(tok - 1).end);
        return between.find_first_of(".!?:\n") != std::string_view::npos;
    }

    bool in_mention(std::size_t tok) const {
        return std::any_of(m_mentions.begin(), m_mentions.end(),
                           [tok](const Mention& m) { return m.first <= tok && tok <= m.last; });
    }

    bool after_place_word(const Mention& m) const {
        return m.first > 0 && one_of(word(m.first - 1), k_place_words);
    }

    void drop(Mention& m, std::string why) {
        m.forms.clear();
        m.verdict = "dropped: " + std::move(why);
    }

    void filter() {
        for (auto& m : m_mentions) {
            if (m.how == "prefix")
                continue;
            if (m.hashtag) {
                // #Boston, #Lies: a hashtag of a name that is also a word needs
                // another place in the post or a source area.
                m.needs_context = std::any_of(m.forms.begin(), m.forms.end(), [&](const auto& f) {
                    const auto& e = m_g.entries()[f.entry];
                    return e.word && e.kind != "town" && e.kind != "authority" && e.kind != "force";
                });
                continue;
            }
            const bool word_name = std::any_of(m.forms.begin(), m.forms.end(), [&](const auto& f) {
                return m_g.entries()[f.entry].word;
            });
            const bool adjective = std::all_of(m.forms.begin(), m.forms.end(), [](const auto& f) {
                return f.kind == Gazetteer::Form::Kind::adjective;
            });
            if (!capitalised(m)) {
                drop(m, "not capitalised");
                continue;
            }
            // A name that is also a word ("Best", "Handel", "Gouda") needs a
            // place word before it; capitalised inside a sentence, a town of
            // some size or an English one is the place ("politie Leiden").
            if (word_name && !after_place_word(m)) {
                const bool weighty =
                    std::all_of(m.forms.begin(), m.forms.end(), [&](const auto& f) {
                        const auto& e = m_g.entries()[f.entry];
                        return e.size >= k_big_place || e.kind == "town" || e.kind == "authority" ||
                               e.kind == "force";
                    });
                if (m_title_case || sentence_start(m.first) || !weighty) {
                    drop(m, "an ordinary word, with no place word before it");
                    continue;
                }
            }
            // "Fred Rutten", "Kim Spalding", "Theater Amsterdam", "FC Emmen": a
            // capitalised word inside a sentence before the name makes it part
            // of another name, unless that word says a place follows
            // ("Politie Utrecht").
            if (!m_title_case && m.first > 0 && !sentence_start(m.first) &&
                token(m.first - 1).kind == TokenKind::word &&
                is_upper_at(m_text, token(m.first - 1).begin) && !in_mention(m.first - 1) &&
                !one_of(word(m.first - 1), k_before_places) &&
                m_text.substr(token(m.first - 1).end, token(m.first).begin - token(m.first - 1).end)
                        .find_first_of(",;/(") == std::string_view::npos) {
                drop(m, "part of a person's or an organisation's name");
                continue;
            }
            if (m.first > 0 && word(m.first - 1) == "van") {
                const auto van = m.first - 1;
                const bool capital_van =
                    is_upper_at(m_text, token(van).begin) && !sentence_start(van);
                // "Kees van Amsterdam", not "Centrum van Hengelo".
                const bool name_before = van > 0 && !sentence_start(van) &&
                                         token(van - 1).kind == TokenKind::word &&
                                         is_upper_at(m_text, token(van - 1).begin) &&
                                         !m_title_case && !in_mention(van - 1);
                if (capital_van || name_before) {
                    drop(m, "a surname");
                    continue;
                }
            }
            if (m.last + 1 < m_index.size() && is_upper_at(m_text, token(m.last + 1).begin) &&
                token(m.last + 1).kind == TokenKind::word) {
                const auto next = word(m.last + 1);
                // "Birmingham City Council" is the council; "Birmingham City" the club.
                const bool club_city = next == "city" && !(m.last + 2 < m_index.size() &&
                                                           word(m.last + 2) == "council");
                if (one_of(next, k_after_names) || club_city) {
                    drop(m, "a street's, park's or club's name");
                    continue;
                }
            }
            if (adjective && m.last + 1 < m_index.size() &&
                is_upper_at(m_text, token(m.last + 1).begin)) {
                const auto next = word(m.last + 1);
                if (std::any_of(std::begin(k_street_suffixes), std::end(k_street_suffixes),
                                [&](std::string_view s) { return next.ends_with(s); })) {
                    drop(m, "a street's name");
                    continue;
                }
            }
        }
    }

    // Where a name is shared, what else the post says decides.
    double context_score(std::uint32_t entry, const Mention& m) const {
        double score = 0;
        const auto ancestors = m_g.ancestors(entry);
        const auto has = [&](std::uint32_t a) {
            return std::find(ancestors.begin(), ancestors.end(), a) != ancestors.end();
        };
        if (m_area)
            for (const auto a : m_area->entries) {
                const auto up = m_g.ancestors(a);
                if (has(a) || std::find(up.begin(), up.end(), entry) != up.end())
                    score += 8;
                else if (const auto* g = m_g.above(a, "gemeente"); g && has(index_of(g)))
                    score += 4;
            }
        for (const auto anchor : m_anchors) {
            if (anchor == entry)
                continue;
            const auto up = m_g.ancestors(anchor);
            for (const auto kind : {"gemeente", "provincie", "authority", "force"}) {
                const auto* a = m_g.above(anchor, kind);
                const auto* b = m_g.above(entry, kind);
                if (a && a == b)
                    score += std::string_view(kind) == "gemeente" ? 3 : 1;
            }
            if (std::find(up.begin(), up.end(), entry) != up.end())
                score += 2;
        }
        // "Bergen (NH)"
        if (m.last + 1 < m_index.size() &&
            m_text.substr(token(m.last).end, 2).find('(') != std::string_view::npos) {
            const auto q = k_qualifiers.find(word(m.last + 1));
            if (q != k_qualifiers.end())
                if (const auto* p = m_g.by_code(q->second); p && has(index_of(p)))
                    score += 20;
        }
        return score;
    }

    std::uint32_t index_of(const GazetteerEntry* e) const {
        return static_cast<std::uint32_t>(e - m_g.entries().data());
    }

    // The kind the words around a name ask for: "gemeente Utrecht",
    // "West Midlands Police".
    std::string asked_kind(const Mention& m) const {
        if (m.first > 0) {
            const auto before = word(m.first - 1);
            if (before == "gemeente" || before == "gemeentebestuur")
                return "gemeente";
            if (before == "provincie")
                return "provincie";
            if (before == "eenheid")
                return "eenheid";
            if (before == "basisteam")
                return "basisteam";
        }
        if (m.last + 1 < m_index.size()) {
            const auto after = word(m.last + 1);
            if (after == "police" || after == "constabulary")
                return "force";
            if (after == "council" || after == "borough")
                return "authority";
        }
        return {};
    }

    // The kind a mention is read as, and the places of that kind it may be.
    std::vector<std::uint32_t> candidates_of(const Mention& m, std::string& kind) const {
        kind = asked_kind(m);
        if (kind.empty() || std::none_of(m.forms.begin(), m.forms.end(), [&](const auto& f) {
                return m_g.entries()[f.entry].kind == kind;
            })) {
            int best = 100;
            for (const auto& f : m.forms)
                best = std::min(best, kind_rank(m_g.entries()[f.entry].kind));
            for (const auto& f : m.forms)
                if (kind_rank(m_g.entries()[f.entry].kind) == best)
                    kind = m_g.entries()[f.entry].kind;
        }
        std::vector<std::uint32_t> out;
        for (const auto& f : m.forms)
            if (m_g.entries()[f.entry].kind == kind &&
                std::find(out.begin(), out.end(), f.entry) == out.end())
                out.push_back(f.entry);
        return out;
    }

    void choose() {
        if (m_area)
            for (const auto a : m_area->entries)
                m_anchors.push_back(a);
        // First the names of one settlement: they are the context of the rest.
        std::vector<bool> open(m_mentions.size(), false);
        for (std::size_t i = 0; i < m_mentions.size(); ++i) {
            auto& m = m_mentions[i];
            if (m.forms.empty())
                continue;
            std::string kind;
            const auto candidates = candidates_of(m, kind);
            if (m_foreign && (kind == "town" || kind == "authority" || kind == "force") &&
                m.how != "prefix") {
                m.verdict = "dropped: the post is about America";
                continue;
            }
            if (candidates.size() == 1 && !is_neighbourhood(kind)) {
                m.chosen = candidates.front();
                m.verdict = "taken";
                m_anchors.push_back(candidates.front());
            } else {
                open[i] = true;
            }
        }
        // Then shared settlement names, then neighbourhoods, each with what
        // was read before as context. (Hashtags that need context are
        // checked last, below.)
        for (const bool neighbourhoods : {false, true})
            for (std::size_t i = 0; i < m_mentions.size(); ++i)
                if (open[i]) {
                    std::string kind;
                    candidates_of(m_mentions[i], kind);
                    if (is_neighbourhood(kind) == neighbourhoods)
                        choose_shared(m_mentions[i]);
                }
        for (auto& m : m_mentions) {
            if (!m.needs_context || !m.chosen)
                continue;
            const bool other =
                m_area != nullptr ||
                std::any_of(m_mentions.begin(), m_mentions.end(), [&](const Mention& o) {
                    return &o != &m && o.chosen && !o.needs_context;
                });
            if (!other) {
                m.chosen.reset();
                m.verdict =
                    "dropped: a hashtag that is also a word, with no other place in the post";
            }
        }
    }

    void choose_shared(Mention& m) {
        {
            std::string kind;
            auto candidates = candidates_of(m, kind);
            // A neighbourhood needs its town in the post or the source's area.
            if (is_neighbourhood(kind)) {
                std::vector<std::uint32_t> placed;
                for (const auto c : candidates)
                    if (context_score(c, m) >= 3)
                        placed.push_back(c);
                if (placed.empty()) {
                    m.verdict = "dropped: a neighbourhood whose town the post does not name";
                    return;
                }
                candidates = placed;
            }
            std::uint32_t best = candidates.front();
            double best_score = -1, second = -1;
            for (const auto c : candidates) {
                const auto& e = m_g.entries()[c];
                const double s = context_score(c, m) + 0.5 * std::log10(e.size + 1);
                if (s > best_score) {
                    second = best_score;
                    best_score = s;
                    best = c;
                } else if (s > second) {
                    second = s;
                }
            }
            if (candidates.size() > 1 && best_score - second < 0.15) {
                m.verdict = fmt::format("dropped: {} places are called this, and nothing in the "
                                        "post tells them apart",
                                        candidates.size());
                return;
            }
            m.chosen = best;
            m_anchors.push_back(best);
            m.verdict = candidates.size() > 1
                            ? fmt::format("taken: the likeliest of {} places of this name",
                                          candidates.size())
                            : "taken";
        }
    }

    std::optional<std::uint32_t> resolve_field(std::string_view name) const {
        const auto found = m_g.by_name(name);
        std::optional<std::uint32_t> best;
        for (const auto c : found)
            if (!best || kind_rank(m_g.entries()[c].kind) < kind_rank(m_g.entries()[*best].kind) ||
                (kind_rank(m_g.entries()[c].kind) == kind_rank(m_g.entries()[*best].kind) &&
                 m_g.entries()[c].size > m_g.entries()[*best].size))
                best = c;
        return best;
    }

    // The nearest settlement within 10 km of a coordinate.
    std::optional<std::uint32_t> nearest(double lat, double lon) const {
        std::optional<std::uint32_t> best;
        double best_km = 10;
        const auto& entries = m_g.entries();
        for (std::uint32_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            if (!e.lat || !e.lon || (e.kind != "woonplaats" && e.kind != "town"))
                continue;
            const double dy = (*e.lat - lat) * 111.2;
            const double dx = (*e.lon - lon) * 111.2 * std::cos(lat * 3.14159265358979 / 180);
            const double km = std::sqrt(dx * dx + dy * dy);
            if (km < best_km) {
                best_km = km;
                best = i;
            }
        }
        return best;
    }

    const Gazetteer& m_g;
    std::string_view m_text;
    const SourceArea* m_area;
    TextIndex m_index;
    std::vector<Mention> m_mentions;
    std::vector<std::uint32_t> m_anchors;
    bool m_title_case = false;
    bool m_foreign = false;
};

} // namespace

PlaceTagger::PlaceTagger(std::shared_ptr<const Gazetteer> gazetteer)
    : m_gazetteer(std::move(gazetteer)) {}

std::vector<Place> PlaceTagger::run(const Post& post, const SourceArea* area,
                                    std::vector<PlaceReading>* readings) const {
    Run run(*m_gazetteer, post, area);
    return run.places(post, readings);
}

std::vector<Place> PlaceTagger::tag(const Post& post, const SourceArea* area) const {
    return run(post, area, nullptr);
}

std::vector<PlaceReading> PlaceTagger::explain(std::string_view text,
                                               const SourceArea* area) const {
    Post post;
    post.text = std::string(text);
    std::vector<PlaceReading> readings;
    run(post, area, &readings);
    return readings;
}

} // namespace wijkwacht
