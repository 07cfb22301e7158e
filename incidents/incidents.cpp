#include "core/hash.hpp"
#include "rules/text.hpp"

#include <wijkwacht/incidents.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <unordered_set>

namespace wijkwacht {

namespace {

constexpr std::size_t k_hashes = 32; // MinHash signature length
constexpr std::size_t k_bands = 8;   // LSH: 8 bands of 4 rows
constexpr std::size_t k_rows = k_hashes / k_bands;
constexpr std::size_t k_max_words = 160;    // per incident
constexpr std::size_t k_max_signatures = 8; // the incident's newest alerts
constexpr std::size_t k_word_df_limit = 40; // words in more open alerts are no evidence
constexpr double k_min_documents = 200;

// Words that every crime report uses: they say nothing of which one.
const std::unordered_set<std::string_view> k_common = {
    "politie",   "politieagent",   "verdachte",   "verdachten",   "aangehouden", "aanhouding",
    "onderzoek", "getuigen",       "gezocht",     "woensdag",     "donderdag",   "vrijdag",
    "zaterdag",  "zondag",         "maandag",     "dinsdag",      "vanochtend",  "vanmiddag",
    "vanavond",  "vannacht",       "gisteren",    "gisteravond",  "ongeveer",    "inmiddels",
    "mogelijk",  "waarschijnlijk", "slachtoffer", "slachtoffers", "woning",      "politie.nl",
    "jarige",    "meldkamer",      "melding",     "gewond",       "zwaargewond", "ziekenhuis",
    "overleden", "omstreeks",      "nadat",       "waarbij",      "hebben",      "worden",
    "werden",    "zouden",         "tijdens",     "volgens",      "police",      "officers",
    "arrested",  "appeal",         "information", "please",       "anyone",      "witnesses",
    "incident",  "tussen",         "bericht",     "meer",         "lezen",       "heeft",
    "zijn",      "deze",           "wordt",       "werd",         "tegen",       "onder",
    "rechtbank", "officier",       "justitie",    "celstraf",     "verdacht",    "opgepakt"};

// Crime families: alerts of one family may tell one event; appeals,
// footage and victims' questions go with any.
int family(std::string_view category) {
    const auto starts = [&](std::string_view p) {
        return category.starts_with(p);
    };
    // Each category has one family: robberies, weapons and explosions go
    // with violence, vandalism with theft.
    if (starts("crime.violence") || starts("crime.weapons") || starts("crime.threat") ||
        starts("crime.robbery") || starts("crime.explosion") || starts("crime.sexual"))
        return 1;
    if (starts("crime.burglary") || starts("crime.theft") || starts("crime.pickpocketing") ||
        starts("crime.vandalism"))
        return 2;
    if (starts("crime.fraud") || starts("crime.cyber"))
        return 3;
    if (starts("crime.drugs"))
        return 4;
    if (starts("crime.traffic"))
        return 5;
    if (starts("public.missing"))
        return 6;
    return 0; // public.witness_appeal, footage.shared, victim.help, anything else
}

constexpr std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr std::array<std::uint64_t, k_hashes> k_seeds = [] {
    std::array<std::uint64_t, k_hashes> out{};
    for (std::size_t k = 0; k < k_hashes; ++k)
        out[k] = mix(k + 1);
    return out;
}();

struct Features {
    std::vector<std::string> codes;   // settlements: woonplaats, town, authority
    std::vector<std::string> gem_any; // the gemeente (or authority) of every place
    std::vector<std::string> gem_sub; // the gemeente of wijken, buurten and gemeenten
    std::array<std::uint64_t, k_hashes> minhash{};
    bool has_text = false;
    std::vector<std::string> words; // distinct signature words
    std::vector<std::string> links; // URLs, media, the post itself
    std::string post_id, reply_to;
    std::set<int> families; // crime families; empty: only appeals and footage
};

bool placed(const Features& f) {
    return !f.codes.empty() || !f.gem_sub.empty();
}

template <typename T> bool intersects(const std::vector<T>& a, const std::vector<T>& b) {
    for (const auto& x : a)
        if (std::find(b.begin(), b.end(), x) != b.end())
            return true;
    return false;
}

void add_unique(std::vector<std::string>& to, const std::string& value, std::size_t cap = 1000) {
    if (!value.empty() && to.size() < cap && std::find(to.begin(), to.end(), value) == to.end())
        to.push_back(value);
}

Features features_of(const Alert& alert) {
    Features f;
    const Post& post = alert.post;
    for (const auto& p : post.places) {
        if (p.code.empty())
            continue;
        const std::string gem = p.kind == "gemeente" || p.kind == "authority" ? p.name
                                : !p.gemeente.empty()                         ? p.gemeente
                                                                              : p.authority;
        if (p.kind == "woonplaats" || p.kind == "town" || p.kind == "authority")
            add_unique(f.codes, p.code);
        if (!gem.empty()) {
            add_unique(f.gem_any, gem);
            if (p.kind == "wijk" || p.kind == "buurt" || p.kind == "gemeente")
                add_unique(f.gem_sub, gem);
        }
    }
    const auto index = rules::tokenize(post.text);
    const auto n = index.size();
    // Shingles of three words.
    f.minhash.fill(~0ULL);
    for (std::size_t i = 0; i + 2 < n; ++i) {
        const std::uint64_t h = std::hash<std::string_view>{}(index.word(i)) * 3 +
                                std::hash<std::string_view>{}(index.word(i + 1)) * 7 +
                                std::hash<std::string_view>{}(index.word(i + 2));
        // One strong hash per shingle, then 32 cheap permutations of it.
        const std::uint64_t x = mix(h);
        for (std::size_t k = 0; k < k_hashes; ++k)
            f.minhash[k] =
                std::min<std::uint64_t>(f.minhash[k], (x ^ k_seeds[k]) * 0x9e3779b97f4a7c15ULL);
        f.has_text = true;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto w = index.word(i);
        const bool number =
            std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
        if ((number && w.size() >= 2) || (!number && w.size() >= 5 && !k_common.count(w)))
            f.words.emplace_back(w);
    }
    std::sort(f.words.begin(), f.words.end());
    f.words.erase(std::unique(f.words.begin(), f.words.end()), f.words.end());
    if (f.words.size() > 200)
        f.words.resize(200);
    for (const auto& m : post.media)
        add_unique(f.links, m.url);
    add_unique(f.links, post.url);
    std::string_view text = post.text;
    for (std::size_t at = text.find("http"); at != std::string_view::npos;
         at = text.find("http", at + 4)) {
        const auto end = text.find_first_of(" \n\t)\"", at);
        const auto url = text.substr(at, end == std::string_view::npos ? end : end - at);
        if (url.starts_with("http://") || url.starts_with("https://"))
            add_unique(f.links, std::string(url));
    }
    f.post_id = post.id;
    if (post.reply_to)
        f.reply_to = post.reply_to->id;
    for (const auto& c : alert.categories)
        if (const int fam = family(c))
            f.families.insert(fam);
    return f;
}

} // namespace

struct IncidentIndex::Impl {
    struct Open {
        Incident incident;
        std::vector<std::string> codes, gem_any, gem_sub;
        std::vector<std::string> words;        // in order of arrival (capped)
        std::vector<std::string> sorted_words; // the same, sorted
        std::vector<std::string> links, post_ids;
        std::deque<std::array<std::uint64_t, k_hashes>> signatures;
        std::set<int> families;
        bool alive = true;
        std::multimap<std::int64_t, std::size_t>::iterator expiry; // in by_last
    };

    IncidentOptions options;
    std::vector<Open> incidents; // slots; closed ones are reused
    std::vector<std::size_t> free_slots;
    std::unordered_map<std::string, std::size_t> by_id;
    std::unordered_map<std::string, std::size_t> by_alert; // alert id -> slot
    using Postings = std::unordered_map<std::string, std::vector<std::size_t>>;
    Postings by_place, by_word, by_link;
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_band;
    // The features decide() computed, for the add() that follows it.
    mutable std::optional<std::pair<std::string, Features>> last;

    const Features& features(const Alert& alert) const {
        if (!last || last->first != alert.id)
            last.emplace(alert.id, features_of(alert));
        return last->second;
    }
    std::unordered_map<std::string, std::uint32_t> word_df; // open alerts using each word
    std::size_t open_alerts = 0;
    std::multimap<std::int64_t, std::size_t> by_last; // last_at -> slot (for expiry)

    static std::uint64_t band_key(const std::array<std::uint64_t, k_hashes>& sig, std::size_t b) {
        std::uint64_t h = b;
        for (std::size_t r = 0; r < k_rows; ++r)
            h = mix(h ^ sig[b * k_rows + r]);
        return h;
    }

    // Postings are in order of indexing; a slot indexed again under a key
    // since others were may stand twice, which candidates() removes.
    template <typename Map, typename Key> void index(Map& map, const Key& key, std::size_t slot) {
        auto& list = map[key];
        if (list.empty() || list.back() != slot)
            list.push_back(slot);
    }

    template <typename Map, typename Key> void unindex(Map& map, const Key& key, std::size_t slot) {
        const auto it = map.find(key);
        if (it == map.end())
            return;
        std::erase(it->second, slot);
        if (it->second.empty())
            map.erase(it);
    }

    // A word's weight: how few open alerts use it. A daemon that has just
    // started has few; it counts as if it had at least k_min_documents, so
    // its first alerts need as much evidence as later ones.
    double word_weight(const std::string& w) const {
        const auto it = word_df.find(w);
        const double df = it == word_df.end() ? 0 : it->second;
        const double documents =
            std::max<double>(static_cast<double>(open_alerts), k_min_documents);
        return std::log((documents + 2.0) / (df + 1.0));
    }

    // The open incidents an alert may join: those sharing a link or the
    // post it replies to, a band of its text's signature, a rare word, or
    // a place (the newest few hundred of a place: a city's older ones
    // would need the other evidence anyway). A band or word that many
    // incidents share is boilerplate, not evidence.
    std::vector<std::size_t> candidates(const Features& f) const {
        std::vector<std::size_t> out;
        const auto take = [&](const auto& map, const auto& key, std::size_t skip_above,
                              std::size_t newest) {
            const auto it = map.find(key);
            if (it == map.end() || it->second.size() > skip_above)
                return;
            const auto& list = it->second;
            const auto from = list.size() > newest ? list.size() - newest : 0;
            out.insert(out.end(), list.begin() + static_cast<std::ptrdiff_t>(from), list.end());
        };
        for (const auto& l : f.links)
            take(by_link, l, 64, 64);
        take(by_link, f.reply_to, 64, 64);
        if (f.has_text)
            for (std::size_t b = 0; b < k_bands; ++b)
                take(by_band, band_key(f.minhash, b), 64, 64);
        for (const auto& w : f.words) {
            const auto it = word_df.find(w);
            if (it != word_df.end() && it->second <= k_word_df_limit)
                take(by_word, w, k_word_df_limit, k_word_df_limit);
        }
        for (const auto& c : f.codes)
            take(by_place, "c:" + c, SIZE_MAX, 200);
        for (const auto& g : f.gem_sub)
            take(by_place, "g:" + g, SIZE_MAX, 200);
        for (const auto& g : f.gem_any)
            take(by_place, "s:" + g, SIZE_MAX, 200);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    IncidentDecision decide(const Alert& alert, std::int64_t at) const {
        const Features& f = features(alert);
        IncidentDecision best;
        best.reason = "new";
        for (const auto slot : candidates(f)) {
            const Open& o = incidents[slot];
            if (!o.alive || at - o.incident.last_at > options.window.count())
                continue;
            double jaccard = 0;
            if (f.has_text)
                for (const auto& sig : o.signatures) {
                    std::size_t same = 0;
                    for (std::size_t k = 0; k < k_hashes; ++k)
                        same += sig[k] == f.minhash[k];
                    jaccard = std::max(jaccard, static_cast<double>(same) / k_hashes);
                }
            const bool linked =
                (!f.reply_to.empty() &&
                 std::find(o.post_ids.begin(), o.post_ids.end(), f.reply_to) != o.post_ids.end()) ||
                intersects(f.links, o.links);
            const bool o_placed = !o.codes.empty() || !o.gem_sub.empty();
            const bool compatible = intersects(f.codes, o.codes) ||
                                    intersects(f.gem_sub, o.gem_any) ||
                                    intersects(f.gem_any, o.gem_sub);
            const bool conflict = placed(f) && o_placed && !compatible;
            bool related = f.families.empty() || o.families.empty();
            for (const auto fam : f.families)
                related = related || o.families.count(fam) > 0;
            double shared = 0;
            std::string words;
            for (auto a = f.words.begin(), b = o.sorted_words.begin();
                 a != f.words.end() && b != o.sorted_words.end();) {
                if (*a < *b) {
                    ++a;
                } else if (*b < *a) {
                    ++b;
                } else {
                    shared += word_weight(*a);
                    if (words.size() < 60)
                        words.append(words.empty() ? "" : " ").append(*a);
                    ++a, ++b;
                }
            }
            double score = 0;
            std::string reason;
            if (linked) {
                score = 100;
                reason = "the same link, or a reply to a post of it";
            } else if (jaccard >= 0.8) {
                score = 50 + jaccard;
                reason = fmt::format("the same text ({:.2f})", jaccard);
            } else if (conflict || !related) {
                continue;
            } else if (jaccard >= 0.5) {
                score = 20 + jaccard;
                reason = fmt::format("nearly the same text ({:.2f})", jaccard);
            } else if (compatible && shared >= options.placed_words) {
                score = shared;
                reason = fmt::format("the same place, and shared words: {}", words);
            } else if (!compatible && shared >= options.unplaced_words) {
                score = shared;
                reason = fmt::format("shared words: {}", words);
            } else {
                continue;
            }
            if (score > best.score) {
                best.score = score;
                best.incident = o.incident.id;
                best.reason = std::move(reason);
            }
        }
        return best;
    }

    void close(std::size_t slot) {
        Open& o = incidents[slot];
        if (!o.alive)
            return;
        by_last.erase(o.expiry);
        for (const auto& c : o.codes)
            unindex(by_place, "c:" + c, slot);
        for (const auto& g : o.gem_any)
            unindex(by_place, "g:" + g, slot);
        for (const auto& g : o.gem_sub)
            unindex(by_place, "s:" + g, slot);
        for (const auto& l : o.links)
            unindex(by_link, l, slot);
        for (const auto& p : o.post_ids)
            unindex(by_link, p, slot);
        for (const auto& w : o.words)
            unindex(by_word, w, slot);
        for (const auto& sig : o.signatures)
            for (std::size_t b = 0; b < k_bands; ++b)
                unindex(by_band, band_key(sig, b), slot);
        for (const auto& w : o.words) {
            auto it = word_df.find(w);
            if (it != word_df.end() && --it->second == 0)
                word_df.erase(it);
        }
        for (const auto& a : o.incident.alerts)
            by_alert.erase(a);
        open_alerts -= std::min(open_alerts, o.incident.count);
        by_id.erase(o.incident.id);
        o = Open{};
        o.alive = false;
        free_slots.push_back(slot);
    }

    std::size_t slot_for(const std::string& id, std::int64_t at) {
        if (const auto it = by_id.find(id); it != by_id.end())
            return it->second;
        if (by_id.size() >= options.max_open && !by_last.empty())
            close(by_last.begin()->second);
        std::size_t slot;
        if (!free_slots.empty()) {
            slot = free_slots.back();
            free_slots.pop_back();
        } else {
            slot = incidents.size();
            incidents.emplace_back();
        }
        Open& o = incidents[slot];
        o = Open{};
        o.incident.id = id;
        o.incident.first_at = at;
        o.incident.last_at = at;
        by_id[id] = slot;
        o.expiry = by_last.emplace(at, slot);
        return slot;
    }

    void touch(std::size_t slot, std::int64_t at) {
        Open& o = incidents[slot];
        by_last.erase(o.expiry);
        o.expiry = by_last.emplace(at, slot);
    }

    const Incident& add(const Alert& alert, const std::string& id, std::int64_t at) {
        const Features f = features(alert);
        const std::size_t slot = slot_for(id, at);
        Open& o = incidents[slot];
        o.incident.last_at = std::max(o.incident.last_at, at);
        o.incident.first_at = std::min(o.incident.first_at, at);
        touch(slot, o.incident.last_at);
        ++o.incident.count;
        ++open_alerts;
        o.incident.alerts.push_back(alert.id);
        by_alert[alert.id] = slot;
        for (const auto& c : alert.categories)
            add_unique(o.incident.categories, c);
        for (const auto& p : alert.post.places)
            if (!p.code.empty() &&
                std::none_of(o.incident.places.begin(), o.incident.places.end(),
                             [&](const Place& q) { return q.code == p.code; }) &&
                o.incident.places.size() < 16) {
                Place copy = p;
                copy.spans.clear();
                o.incident.places.push_back(std::move(copy));
            }
        for (const auto& c : f.codes)
            if (std::find(o.codes.begin(), o.codes.end(), c) == o.codes.end() &&
                o.codes.size() < 32)
                o.codes.push_back(c), index(by_place, "c:" + c, slot);
        for (const auto& g : f.gem_any)
            if (std::find(o.gem_any.begin(), o.gem_any.end(), g) == o.gem_any.end() &&
                o.gem_any.size() < 32)
                o.gem_any.push_back(g), index(by_place, "g:" + g, slot);
        for (const auto& g : f.gem_sub)
            if (std::find(o.gem_sub.begin(), o.gem_sub.end(), g) == o.gem_sub.end() &&
                o.gem_sub.size() < 32)
                o.gem_sub.push_back(g), index(by_place, "s:" + g, slot);
        for (const auto& l : f.links)
            if (std::find(o.links.begin(), o.links.end(), l) == o.links.end() &&
                o.links.size() < 64)
                o.links.push_back(l), index(by_link, l, slot);
        if (o.post_ids.size() < 256)
            o.post_ids.push_back(f.post_id), index(by_link, f.post_id, slot);
        for (const auto& w : f.words)
            if (o.words.size() < k_max_words &&
                !std::binary_search(o.sorted_words.begin(), o.sorted_words.end(), w)) {
                o.words.push_back(w);
                o.sorted_words.insert(
                    std::lower_bound(o.sorted_words.begin(), o.sorted_words.end(), w), w);
                ++word_df[w];
                index(by_word, w, slot);
            }
        if (f.has_text) {
            if (o.signatures.size() == k_max_signatures) {
                for (std::size_t b = 0; b < k_bands; ++b)
                    unindex(by_band, band_key(o.signatures.front(), b), slot);
                o.signatures.pop_front();
            }
            o.signatures.push_back(f.minhash);
            for (std::size_t b = 0; b < k_bands; ++b)
                index(by_band, band_key(f.minhash, b), slot);
        }
        o.families.insert(f.families.begin(), f.families.end());
        return o.incident;
    }
};

IncidentIndex::IncidentIndex(IncidentOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = options;
}
IncidentIndex::~IncidentIndex() = default;
IncidentIndex::IncidentIndex(IncidentIndex&&) noexcept = default;
IncidentIndex& IncidentIndex::operator=(IncidentIndex&&) noexcept = default;

IncidentDecision IncidentIndex::decide(const Alert& alert, std::int64_t at) const {
    return m_impl->decide(alert, at);
}

const Incident& IncidentIndex::add(const Alert& alert, const std::string& incident,
                                   std::int64_t at) {
    return m_impl->add(alert, incident, at);
}

std::optional<std::string> IncidentIndex::remove(const std::string& alert) {
    const auto it = m_impl->by_alert.find(alert);
    if (it == m_impl->by_alert.end())
        return std::nullopt;
    auto& o = m_impl->incidents[it->second];
    std::erase(o.incident.alerts, alert);
    if (o.incident.count > 0)
        --o.incident.count;
    const std::string id = o.incident.id;
    m_impl->by_alert.erase(it);
    return id;
}

void IncidentIndex::merge(const std::string& from, const std::string& into) {
    const auto f = m_impl->by_id.find(from);
    const auto t = m_impl->by_id.find(into);
    if (f == m_impl->by_id.end() || t == m_impl->by_id.end() || f->second == t->second)
        return;
    auto& src = m_impl->incidents[f->second];
    auto& dst = m_impl->incidents[t->second];
    for (const auto& a : src.incident.alerts) {
        dst.incident.alerts.push_back(a);
        m_impl->by_alert[a] = t->second;
    }
    dst.incident.count += src.incident.count;
    dst.incident.first_at = std::min(dst.incident.first_at, src.incident.first_at);
    for (const auto& c : src.incident.categories)
        add_unique(dst.incident.categories, c);
    src.incident.alerts.clear();
    src.incident.count = 0;
    m_impl->close(f->second);
}

void IncidentIndex::expire(std::int64_t now) {
    auto& by_last = m_impl->by_last;
    while (!by_last.empty() && now - by_last.begin()->first > m_impl->options.window.count())
        m_impl->close(by_last.begin()->second);
}

const Incident* IncidentIndex::find(const std::string& incident) const {
    const auto it = m_impl->by_id.find(incident);
    return it == m_impl->by_id.end() ? nullptr : &m_impl->incidents[it->second].incident;
}

std::size_t IncidentIndex::open() const {
    return m_impl->by_id.size();
}

std::size_t IncidentIndex::memory() const {
    std::size_t bytes = m_impl->incidents.capacity() * sizeof(Impl::Open);
    for (const auto& o : m_impl->incidents) {
        for (const auto* list : {&o.words, &o.links, &o.post_ids, &o.codes, &o.gem_any, &o.gem_sub,
                                 &o.incident.alerts, &o.incident.categories})
            for (const auto& s : *list)
                bytes += sizeof(std::string) + s.capacity();
        bytes += o.signatures.size() * sizeof(o.signatures[0]);
        bytes += o.incident.places.size() * sizeof(Place);
    }
    for (const auto* map : {&m_impl->by_place, &m_impl->by_word, &m_impl->by_link})
        for (const auto& [key, list] : *map)
            bytes += key.capacity() + sizeof(key) + list.capacity() * sizeof(std::size_t) + 32;
    for (const auto& [key, list] : m_impl->by_band)
        bytes += sizeof(key) + list.capacity() * sizeof(std::size_t) + 32;
    bytes += m_impl->word_df.size() * 48 + m_impl->by_alert.size() * 64;
    return bytes;
}

std::string IncidentIndex::new_id(const std::string& alert_id) {
    return alert_id;
}

} // namespace wijkwacht
