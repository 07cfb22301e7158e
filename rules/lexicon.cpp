#include "rules/lexicon.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <hunspell/hunspell.hxx>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace wijkwacht::rules {

namespace data {
// Generated at build time (rules/CMakeLists.txt) from
// rules/lexicon/nl-irregular-verbs.txt and WordNet's exception lists.
extern const std::string_view nl_irregular_verbs;
extern const std::string_view en_verb_exceptions;
extern const std::string_view en_noun_exceptions;
} // namespace data

namespace {

namespace fs = std::filesystem;

using Forms = std::set<std::string>;

bool is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}
bool is_consonant(char c) {
    return c >= 'a' && c <= 'z' && !is_vowel(c);
}
std::string drop(std::string_view s, std::size_t n) {
    return std::string(s.substr(0, s.size() - std::min(n, s.size())));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const auto end = std::min(s.find(sep, pos), s.size());
        if (end > pos)
            out.emplace_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string lower_utf8(std::string_view s) {
    utf8proc_uint8_t* out = nullptr;
    const auto n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                     static_cast<utf8proc_ssize_t>(s.size()), &out,
                     static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
    if (n < 0)
        return std::string(s);
    std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    std::free(out);
    return result;
}

// Vowel groups in a word: "wandel" has two, "steel" one.
std::size_t syllables(std::string_view s) {
    std::size_t n = 0;
    bool in_vowel = false;
    for (const char c : s) {
        const bool v = is_vowel(c);
        if (v && !in_vowel)
            ++n;
        in_vowel = v;
    }
    return n;
}

// The Hunspell dictionaries of one language (nl; en_US and en_GB): which
// words exist.
class Dictionaries {
public:
    Dictionaries(const fs::path& dir, std::initializer_list<const char*> names) {
        for (const char* name : names) {
            const auto aff = dir / (std::string(name) + ".aff");
            const auto dic = dir / (std::string(name) + ".dic");
            std::error_code ec;
            if (fs::is_regular_file(aff, ec) && fs::is_regular_file(dic, ec))
                m_list.push_back(std::make_unique<Hunspell>(aff.c_str(), dic.c_str()));
        }
    }

    bool available() const { return !m_list.empty(); }

    bool knows(const std::string& word) {
        for (auto& dictionary : m_list)
            if (dictionary->spell(word))
                return true;
        return false;
    }

    // Does a dictionary know `word` as a root of its own, or as a compound of
    // one (aftrappen: trappen)? Hunspell also accepts words it derives from
    // another root ("mes" in English, from "me"): those are no lemma there.
    bool knows_as_lemma(const std::string& word) {
        for (auto& dictionary : m_list) {
            if (!dictionary->spell(word))
                continue;
            const auto stems = dictionary->stem(word);
            if (stems.empty())
                return true;
            for (const auto& stem : stems)
                if (stem == word || (stem.size() >= 3 && word.ends_with(stem)))
                    return true;
        }
        return false;
    }

    // Generated forms are only guesses: the ones a dictionary knows join
    // the trusted forms.
    void add_known(const Forms& candidates, Forms& trusted) {
        for (const auto& form : candidates)
            if (!trusted.contains(form) && knows(form))
                trusted.insert(form);
    }

private:
    std::vector<std::unique_ptr<Hunspell>> m_list;
};

// ----------------------------------------------------------------- Dutch

struct DutchVerb {
    std::vector<std::string> past;       // singular and plural, alternatives
    std::vector<std::string> participle; // may be empty (zullen)
    std::vector<std::string> present;    // only where not stem / stem+t
};

// Prefixes that never take "ge-" and never split off (mishandeld, bedreigd).
constexpr std::array<std::string_view, 7> k_inseparable = {"be",  "ge", "her", "ont",
                                                           "ver", "er", "mis"};
// Particles that split off ("breekt in", "ingebroken").
constexpr std::array<std::string_view, 32> k_separable = {
    "aan",  "af",    "bij",   "binnen", "buiten", "dicht", "dood", "in",   "kapot", "los", "mee",
    "na",   "neer",  "omver", "op",     "open",   "terug", "toe",  "uit",  "vast",  "weg", "samen",
    "stuk", "tegen", "voort", "kwijt",  "klem",   "lek",   "plat", "leeg", "vol",   "rond"};
// Particles that are separable in one verb and not in another (overvallen,
// overstappen): both participles are made and the dictionary decides.
constexpr std::array<std::string_view, 6> k_ambiguous = {"door", "om",     "onder",
                                                         "over", "achter", "voor"};

struct DutchStem {
    std::string stem; // "steel", "zit", "geef"
    bool voiceless;   // 't kofschip: past in -te, participle in -t
};

// "stelen" → steel, "zitten" → zit, "geven" → geef, "wandelen" → wandel.
std::optional<DutchStem> dutch_stem(std::string_view infinitive) {
    if (!infinitive.ends_with("en") || infinitive.size() < 4)
        return std::nullopt;
    std::string base = drop(infinitive, 2);
    const std::size_t n = base.size();
    // teen, been, steen: nouns whose "-en" is part of the vowel, no verb.
    if (base.ends_with('e') || syllables(base) == 0)
        return std::nullopt;
    if (n >= 2 && base[n - 1] == base[n - 2] && is_consonant(base[n - 1])) {
        base.pop_back();
    } else if (n >= 2 && is_consonant(base[n - 1]) && is_vowel(base[n - 2]) && base[n - 2] != 'i' &&
               base[n - 2] != 'y' && (n < 3 || !is_vowel(base[n - 3]))) {
        // An open syllable keeps its long vowel in a closed one: stel-en → steel.
        // Not after a schwa (wandel-en, teken-en), unless what precedes is a
        // prefix (bevel-en → beveel).
        std::string_view core = base;
        for (const auto prefix : k_inseparable)
            if (core.size() > prefix.size() + 2 && core.starts_with(prefix)) {
                core.remove_prefix(prefix.size());
                break;
            }
        const bool schwa = base[n - 2] == 'e' && syllables(core) > 1;
        if (!schwa)
            base.insert(n - 1, 1, base[n - 2]);
    }
    const char last = base.back();
    const bool kofschip = last == 't' || last == 'k' || last == 'f' || last == 's' || last == 'p' ||
                          last == 'x' || base.ends_with("ch");
    if (last == 'v')
        base.back() = 'f';
    else if (last == 'z')
        base.back() = 's';
    return DutchStem{base, kofschip};
}

class Dutch {
public:
    explicit Dutch(Dictionaries dictionaries) : m_dictionaries(std::move(dictionaries)) {
        std::istringstream in{std::string(data::nl_irregular_verbs)};
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line.front() == '#')
                continue;
            std::istringstream fields(line);
            std::string infinitive, sg, pl, participle, present;
            fields >> infinitive >> sg >> pl >> participle >> present;
            DutchVerb verb;
            for (const auto& part : {sg, pl})
                for (auto& form : split(part, '/'))
                    verb.past.push_back(std::move(form));
            if (participle != "-")
                verb.participle = split(participle, '/');
            verb.present = split(present, '/');
            m_verbs.emplace(infinitive, std::move(verb));
        }
    }

    bool available() const { return m_dictionaries.available(); }
    // Dutch stems are no guide (oplichten: "oplicht"); compounds abound.
    bool knows_lemma(const std::string& word) { return m_dictionaries.knows(word); }

    Forms family(const std::string& lemma) {
        Forms trusted{lemma};
        Forms candidates;
        verb_forms(lemma, trusted, candidates);
        // An infinitive is no noun to pluralise (schoppen, not schoppens);
        // a noun in -en is no verb (wapen: no "waapt").
        const auto stem = dutch_stem(lemma);
        if (!m_verbs.contains(lemma) && !(stem && m_dictionaries.knows(stem->stem + "t")))
            noun_forms(lemma, candidates);
        m_dictionaries.add_known(candidates, trusted);
        return trusted;
    }

private:
    // The forms of a verb without prefix into `trusted` (from the table) or
    // `candidates` (regular, to be checked).
    void simple_verb(const std::string& verb, std::string_view prefix, bool ge, Forms& trusted,
                     Forms& candidates) {
        const std::string p(prefix);
        const auto it = m_verbs.find(verb);
        const auto stem = dutch_stem(verb);
        auto& present_into = it != m_verbs.end() ? trusted : candidates;
        if (it != m_verbs.end() && !it->second.present.empty()) {
            for (const auto& form : it->second.present)
                trusted.insert(p + form);
        } else if (stem) {
            present_into.insert(p + stem->stem);
            if (!stem->stem.ends_with("t"))
                present_into.insert(p + stem->stem + "t");
        }
        present_into.insert(p + verb);
        present_into.insert(p + verb + "d");
        present_into.insert(p + verb + "de");
        if (it != m_verbs.end()) {
            for (const auto& form : it->second.past)
                trusted.insert(p + form);
            for (const auto& participle : it->second.participle) {
                std::string form = participle;
                if (!ge && form.starts_with("ge"))
                    form.erase(0, 2);
                trusted.insert(p + form);
                if (!form.ends_with("en"))
                    trusted.insert(p + form + "e");
            }
            return;
        }
        if (!stem)
            return;
        const std::string past = stem->voiceless ? "te" : "de";
        candidates.insert(p + stem->stem + past);
        candidates.insert(p + stem->stem + past + "n");
        const char last = stem->stem.back();
        const std::string participle = (ge ? "ge" : "") + stem->stem +
                                       (last == 't' || last == 'd' ? ""
                                        : stem->voiceless          ? "t"
                                                                   : "d");
        candidates.insert(p + participle);
        candidates.insert(p + participle + "e");
    }

    bool is_verb(const std::string& verb) {
        return m_verbs.contains(verb) || (verb.size() >= 4 && verb.ends_with("en") &&
                                          m_dictionaries.knows(verb) && dutch_stem(verb));
    }

    void verb_forms(const std::string& lemma, Forms& trusted, Forms& candidates) {
        if (m_verbs.contains(lemma)) {
            simple_verb(lemma, "", true, trusted, candidates);
            return;
        }
        // A prefix before a verb: the longest verb that remains decides.
        for (std::size_t cut = 1; cut + 3 < lemma.size(); ++cut) {
            const std::string prefix = lemma.substr(0, cut);
            const std::string rest = lemma.substr(cut);
            if (!is_verb(rest))
                continue;
            const auto in = [&](const auto& list) {
                return std::find(list.begin(), list.end(), prefix) != list.end();
            };
            if (in(k_inseparable)) {
                simple_verb(rest, prefix, false, trusted, candidates);
                return;
            }
            if (in(k_separable)) {
                simple_verb(rest, prefix, true, trusted, candidates);
                return;
            }
            if (in(k_ambiguous)) {
                Forms both;
                simple_verb(rest, prefix, true, both, candidates);
                simple_verb(rest, prefix, false, both, candidates);
                candidates.insert(both.begin(), both.end());
                return;
            }
        }
        if (lemma.ends_with("en"))
            simple_verb(lemma, "",
                        !std::any_of(k_inseparable.begin(), k_inseparable.end(),
                                     [&](auto p) { return lemma.starts_with(p); }),
                        trusted, candidates);
    }

    // Plurals, diminutives and inflected adjectives: every spelling change
    // Dutch makes before -en/-e, and the dictionary keeps the real words.
    static void noun_forms(const std::string& w, Forms& out) {
        const std::size_t n = w.size();
        if (n < 2)
            return;
        std::vector<std::string> bases{w};
        const char last = w.back();
        if (is_consonant(last)) {
            bases.push_back(w + last); // kat → katt-en
            if (n >= 3 && is_vowel(w[n - 2]) && w[n - 2] == w[n - 3])
                bases.push_back(w.substr(0, n - 2) + last); // straat → strat-en
            if (last == 'f' || last == 's') {
                const std::string voiced(1, last == 'f' ? 'v' : 'z');
                bases.push_back(drop(w, 1) + voiced); // brief → briev-en, huis → huiz-en
                if (n >= 3 && is_vowel(w[n - 2]) && w[n - 2] == w[n - 3])
                    bases.push_back(w.substr(0, n - 2) + voiced); // graaf → grav-en
            }
        }
        for (const auto& base : bases) {
            out.insert(base + "en");
            out.insert(base + "e");
            out.insert(base + "etje");
            out.insert(base + "etjes");
        }
        for (const char* suffix : {"s", "n", "eren", "je", "jes", "tje", "tjes", "pje", "pjes"})
            out.insert(w + suffix);
        if (w.ends_with("ng")) {
            out.insert(drop(w, 1) + "kje"); // koning → koninkje
            out.insert(drop(w, 1) + "kjes");
        }
    }

    Dictionaries m_dictionaries;
    std::map<std::string, DutchVerb, std::less<>> m_verbs;
};

// ----------------------------------------------------------------- English

class English {
public:
    explicit English(Dictionaries dictionaries) : m_dictionaries(std::move(dictionaries)) {
        for (const auto text : {data::en_verb_exceptions, data::en_noun_exceptions}) {
            std::istringstream in{std::string(text)};
            std::string line;
            while (std::getline(in, line)) {
                std::istringstream fields(line);
                std::string form, lemma;
                fields >> form;
                while (fields >> lemma)
                    if (form.find('_') == std::string::npos)
                        m_irregular[lemma].insert(form);
            }
        }
    }

    bool available() const { return m_dictionaries.available(); }
    bool knows_lemma(const std::string& word) {
        return m_irregular.contains(word) || m_dictionaries.knows_as_lemma(word);
    }

    Forms family(const std::string& w) {
        Forms trusted{w};
        if (const auto it = m_irregular.find(w); it != m_irregular.end())
            trusted.insert(it->second.begin(), it->second.end());
        Forms candidates;
        const std::size_t n = w.size();
        // rob → robbed, kidnap → kidnapped: a short final syllable doubles
        // its consonant, and then "robed" is another word's.
        const bool doubles = n >= 3 && is_consonant(w[n - 1]) && w[n - 1] != 'w' &&
                             w[n - 1] != 'x' && w[n - 1] != 'y' && is_vowel(w[n - 2]) &&
                             !is_vowel(w[n - 3]);
        candidates.insert(w + "s");
        candidates.insert(w + "es");
        if (!doubles || syllables(w) > 1) {
            candidates.insert(w + "ing");
            candidates.insert(w + "ed");
        }
        if (n >= 2 && w.back() == 'e') {
            candidates.insert(w + "d");
            candidates.insert(drop(w, 1) + "ing"); // seize → seizing
        }
        if (n >= 2 && w.back() == 'y' && is_consonant(w[n - 2])) {
            candidates.insert(drop(w, 1) + "ies"); // carry → carries
            candidates.insert(drop(w, 1) + "ied");
        }
        if (w.ends_with("ie"))
            candidates.insert(drop(w, 2) + "ying"); // die → dying
        if (w.ends_with("f"))
            candidates.insert(drop(w, 1) + "ves"); // thief → thieves
        if (w.ends_with("fe"))
            candidates.insert(drop(w, 2) + "ves"); // knife → knives
        if (doubles) {
            const std::string doubled = w + w.back(); // rob → robbed, kidnap → kidnapped
            candidates.insert(doubled + "ed");
            candidates.insert(doubled + "ing");
        }
        m_dictionaries.add_known(candidates, trusted);
        return trusted;
    }

private:
    Dictionaries m_dictionaries;
    std::map<std::string, std::set<std::string>, std::less<>> m_irregular;
};

} // namespace

struct Lexicon::Impl {
    fs::path directory;
    Dutch dutch;
    English english;
};

Lexicon::Lexicon() {
    const char* env = std::getenv("WIJKWACHT_DICTIONARIES");
    const fs::path dir = env && *env ? fs::path(env) : fs::path("/usr/share/hunspell");
    m_impl.reset(new Impl{dir, Dutch(Dictionaries(dir, {"nl", "nl_NL"})),
                          English(Dictionaries(dir, {"en_US", "en_GB"}))});
}

Lexicon::~Lexicon() = default;

Family Lexicon::family(std::string_view written) {
    const std::lock_guard lock(m_mutex);
    Family family;
    const std::string lemma = lower_utf8(written);
    if (!m_impl->dutch.available() && !m_impl->english.available()) {
        family.error = "no Dutch or English dictionary in " + m_impl->directory.string() +
                       ": install hunspell-nl and hunspell-en-us (or set "
                       "WIJKWACHT_DICTIONARIES)";
        return family;
    }
    Forms forms;
    if (m_impl->dutch.available() && m_impl->dutch.knows_lemma(lemma)) {
        const auto dutch = m_impl->dutch.family(lemma);
        forms.insert(dutch.begin(), dutch.end());
        family.languages.emplace_back("nl");
    }
    if (m_impl->english.available() && m_impl->english.knows_lemma(lemma)) {
        const auto english = m_impl->english.family(lemma);
        forms.insert(english.begin(), english.end());
        family.languages.emplace_back("en");
    }
    if (family.languages.empty()) {
        family.error = "no Dutch or English dictionary knows \"" + lemma +
                       "\": write the lemma (infinitive, singular) or the word itself";
        return family;
    }
    family.forms.assign(forms.begin(), forms.end());
    return family;
}

} // namespace wijkwacht::rules
