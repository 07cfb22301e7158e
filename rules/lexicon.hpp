#pragma once

// Word families for `~lemma` terms (SPEC §3): every inflected form of a
// Dutch or English lemma, computed once when rules are compiled.
//
// Candidate forms come from the regular inflection of each language (Dutch:
// present, past with 't kofschip, ge-…-d/t participles, separable and
// inseparable prefixes, plurals, diminutives; English: -s/-es, -ed, -ing with
// consonant doubling and e/y changes, plurals) and are kept only when the
// language's Hunspell dictionary knows them. Strong and irregular verbs come
// from tables: Dutch from rules/lexicon/nl-irregular-verbs.txt, English from
// WordNet's exception lists (verb.exc, noun.exc), both built into the
// program. A strong verb gets no regular past, so `~stelen` never reaches
// `gesteld` (stellen).

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht::rules {

struct Family {
    std::vector<std::string> forms; // as written (accents kept), sorted, unique
    std::vector<std::string> languages;
    std::string error; // set when no dictionary knows the lemma, or none is installed
};

class Lexicon {
public:
    // Loads the Hunspell dictionaries (~50 MB, half a second): from
    // $WIJKWACHT_DICTIONARIES (a directory) if set, else /usr/share/hunspell.
    // The rule loader holds one only while it compiles rules that use families.
    Lexicon();
    ~Lexicon();
    Lexicon(const Lexicon&) = delete;
    Lexicon& operator=(const Lexicon&) = delete;

    // The family of `lemma` (lower-case or not) in every language whose
    // dictionary knows it. Thread-safe.
    Family family(std::string_view lemma);

    struct Impl;

private:
    std::mutex m_mutex;
    std::unique_ptr<Impl> m_impl;
};

} // namespace wijkwacht::rules
