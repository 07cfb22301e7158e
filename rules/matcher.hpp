#pragma once

// The compiled matcher: every term of every rule as one literal in one
// Vectorscan database, scanned once over a post's normalised words. The
// spaces around words in the folded text make the word boundaries part of
// each literal (" word " whole, " word" prefix, "word " suffix); each hit is
// checked for scope (word, hashtag, mention) into term occurrences; only the
// rules whose positive terms occurred (and the few that need no term) are
// then evaluated. Built once per (re)load; scanning needs per-thread
// scratch only, so one Matcher serves any number of threads.

#include "rules/query.hpp"
#include "rules/text.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct hs_database;
struct hs_scratch;

namespace wijkwacht::rules {

class Matcher {
public:
    // Assigns term ids in the queries (null entries: disabled rules).
    // Throws Error if the database cannot be built.
    explicit Matcher(const std::vector<Node*>& queries);
    ~Matcher();
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;

    // Per-thread working memory, reused from post to post.
    class Scratch final : public Occurrences {
    public:
        Scratch() = default;
        ~Scratch() override;
        Scratch(const Scratch&) = delete;
        Scratch& operator=(const Scratch&) = delete;

        std::span<const std::uint32_t> of(const TermPattern& term) const override;
        // Rules that may match this post, ascending.
        const std::vector<std::uint32_t>& candidates() const { return m_candidates; }

    private:
        friend class Matcher;
        hs_scratch* m_hs = nullptr;
        std::uint64_t m_matcher = 0; // which Matcher the arrays are sized for
        std::uint32_t m_stamp = 0;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> m_hits; // (term, token)
        std::vector<std::uint32_t> m_tokens;                         // occurrences, grouped by term
        std::vector<std::uint32_t> m_term_stamp; // per term: m_stamp if it occurred
        std::vector<std::uint32_t> m_term_begin;
        std::vector<std::uint32_t> m_term_end;
        std::vector<std::uint32_t> m_rule_stamp;
        std::vector<std::uint32_t> m_candidates;
    };

    // Finds the term occurrences of `index` and the candidate rules.
    void scan(const TextIndex& index, Scratch& scratch) const;

    std::size_t term_count() const { return m_term_rules.size(); }
    std::size_t literal_count() const { return m_literal_terms.size(); }
    std::size_t database_bytes() const;

private:
    static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                        void* context);

    std::uint64_t m_id;
    hs_database* m_db = nullptr;
    std::vector<Scope> m_terms;                              // by term id
    std::vector<std::vector<std::uint32_t>> m_term_rules;    // term -> rules it triggers
    std::vector<std::vector<std::uint32_t>> m_literal_terms; // literal -> terms
    std::vector<std::uint8_t>
        m_literal_last;                  // literal end to its last letter: 1, or 2 after a space
    std::vector<std::uint32_t> m_always; // rules that need no term
    std::size_t m_rule_count = 0;
};

} // namespace wijkwacht::rules
