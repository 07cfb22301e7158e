#include "rules/matcher.hpp"

#include <wijkwacht/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <hs/hs.h>
#include <map>
#include <tuple>

namespace wijkwacht::rules {

namespace {

std::atomic<std::uint64_t> g_next_matcher_id{1};

// Positive terms: those that can make the query true (not under NOT).
void positive_terms(const Node& node, std::vector<const TermPattern*>& out) {
    if (node.kind == Node::Kind::negate)
        return;
    for (const auto& word : node.words)
        out.push_back(&word);
    for (const auto& child : node.children)
        positive_terms(*child, out);
}

struct ScanContext {
    const std::vector<std::vector<std::uint32_t>>* literal_terms;
    const std::vector<std::uint32_t>* literal_length;
    const void* terms;
    const TextIndex* index;
    std::vector<std::pair<std::uint32_t, std::uint32_t>>* hits;
    std::uint32_t token = 0; // matches arrive by end offset: the token only moves forward
};

} // namespace

Matcher::Matcher(const std::vector<Node*>& queries)
    : m_id(g_next_matcher_id.fetch_add(1)), m_rule_count(queries.size()) {
    std::map<std::tuple<std::string, Wildcard, Scope>, std::uint32_t> term_ids;
    std::map<std::string, std::uint32_t, std::less<>> literal_ids;
    std::vector<std::string> literals;
    for (std::uint32_t rule = 0; rule < queries.size(); ++rule) {
        Node* query = queries[rule];
        if (!query)
            continue;
        std::vector<TermPattern*> all;
        collect_terms(*query, all);
        for (TermPattern* term : all) {
            const auto key = std::make_tuple(term->norm, term->wildcard, term->scope);
            auto [it, fresh] =
                term_ids.try_emplace(key, static_cast<std::uint32_t>(m_terms.size()));
            if (fresh) {
                m_terms.push_back({term->wildcard, term->scope});
                m_term_rules.emplace_back();
                auto [lit, new_literal] = literal_ids.try_emplace(
                    term->norm, static_cast<std::uint32_t>(literals.size()));
                if (new_literal) {
                    literals.push_back(term->norm);
                    m_literal_terms.emplace_back();
                    m_literal_length.push_back(static_cast<std::uint32_t>(term->norm.size()));
                }
                m_literal_terms[lit->second].push_back(it->second);
            }
            term->id = it->second;
        }
        if (!needs_term(*query)) {
            m_always.push_back(rule);
            continue;
        }
        std::vector<const TermPattern*> positive;
        positive_terms(*query, positive);
        for (const TermPattern* term : positive) {
            auto& rules = m_term_rules[term->id];
            if (rules.empty() || rules.back() != rule)
                rules.push_back(rule);
        }
    }
    if (literals.empty())
        return;
    std::vector<const char*> expressions;
    std::vector<std::size_t> lengths;
    std::vector<unsigned> ids, flags(literals.size(), 0);
    for (std::uint32_t i = 0; i < literals.size(); ++i) {
        expressions.push_back(literals[i].data());
        lengths.push_back(literals[i].size());
        ids.push_back(i);
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                             static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr, &m_db,
                             &error) != HS_SUCCESS) {
        const std::string why = error && error->message ? error->message : "unknown error";
        const int which = error ? error->expression : -1;
        hs_free_compile_error(error);
        throw Error(fmt::format(
            "cannot compile the rules' {} literal(s){}: {}", literals.size(),
            which >= 0 ? fmt::format(" (at \"{}\")", literals[static_cast<std::size_t>(which)])
                       : std::string(),
            why));
    }
}

Matcher::~Matcher() {
    hs_free_database(m_db);
}

std::size_t Matcher::database_bytes() const {
    std::size_t size = 0;
    if (m_db)
        hs_database_size(m_db, &size);
    return size;
}

Matcher::Scratch::~Scratch() {
    hs_free_scratch(m_hs);
}

std::span<const std::uint32_t> Matcher::Scratch::of(const TermPattern& term) const {
    if (term.id >= m_term_stamp.size() || m_term_stamp[term.id] != m_stamp)
        return {};
    return {m_tokens.data() + m_term_begin[term.id], m_term_end[term.id] - m_term_begin[term.id]};
}

int Matcher::on_match(unsigned id, unsigned long long, unsigned long long to, unsigned,
                      void* context) {
    auto& ctx = *static_cast<ScanContext*>(context);
    const auto& terms = *static_cast<const std::vector<TermInfo>*>(ctx.terms);
    const auto end = static_cast<std::uint32_t>(to);
    const auto start = end - (*ctx.literal_length)[id];
    const auto& tokens = ctx.index->tokens();
    // A literal holds no space, so it lies inside the token that holds its end.
    if (end <= tokens[ctx.token].norm_begin)
        ctx.token = static_cast<std::uint32_t>(ctx.index->token_at(start)); // out of order
    while (tokens[ctx.token].norm_end < end)
        ++ctx.token;
    const std::uint32_t t = ctx.token;
    const Token& token = tokens[t];
    const bool at_start = start == token.norm_begin;
    const bool at_end = end == token.norm_end;
    for (const std::uint32_t term : (*ctx.literal_terms)[id]) {
        const TermInfo& info = terms[term];
        bool ok = false;
        switch (info.wildcard) {
        case Wildcard::none:
            ok = at_start && at_end;
            break;
        case Wildcard::prefix:
            ok = at_start;
            break;
        case Wildcard::suffix:
            ok = at_end;
            break;
        case Wildcard::infix:
            ok = true;
            break;
        }
        if (!ok || !scope_matches(info.scope, token.kind))
            continue;
        ctx.hits->emplace_back(term, t);
    }
    return 0;
}

void Matcher::scan(const TextIndex& index, Scratch& s) const {
    if (s.m_matcher != m_id) {
        if (m_db && hs_alloc_scratch(m_db, &s.m_hs) != HS_SUCCESS)
            throw Error("cannot allocate matcher scratch space");
        s.m_term_stamp.assign(m_terms.size(), 0);
        s.m_term_begin.assign(m_terms.size(), 0);
        s.m_term_end.assign(m_terms.size(), 0);
        s.m_rule_stamp.assign(m_rule_count, 0);
        s.m_stamp = 0;
        s.m_matcher = m_id;
    }
    if (++s.m_stamp == 0) { // wrapped: forget every old stamp
        std::fill(s.m_term_stamp.begin(), s.m_term_stamp.end(), 0);
        std::fill(s.m_rule_stamp.begin(), s.m_rule_stamp.end(), 0);
        s.m_stamp = 1;
    }
    s.m_hits.clear();
    s.m_tokens.clear();
    s.m_candidates.clear();
    const std::string& text = index.normalized();
    if (m_db && !text.empty()) {
        ScanContext context{&m_literal_terms, &m_literal_length, &m_terms, &index, &s.m_hits};
        hs_scan(m_db, text.data(), static_cast<unsigned>(text.size()), 0, s.m_hs,
                &Matcher::on_match, &context);
    }
    std::sort(s.m_hits.begin(), s.m_hits.end());
    s.m_hits.erase(std::unique(s.m_hits.begin(), s.m_hits.end()), s.m_hits.end());
    for (std::size_t i = 0; i < s.m_hits.size();) {
        const std::uint32_t term = s.m_hits[i].first;
        s.m_term_stamp[term] = s.m_stamp;
        s.m_term_begin[term] = static_cast<std::uint32_t>(s.m_tokens.size());
        for (; i < s.m_hits.size() && s.m_hits[i].first == term; ++i)
            s.m_tokens.push_back(s.m_hits[i].second);
        s.m_term_end[term] = static_cast<std::uint32_t>(s.m_tokens.size());
        for (const std::uint32_t rule : m_term_rules[term])
            if (s.m_rule_stamp[rule] != s.m_stamp) {
                s.m_rule_stamp[rule] = s.m_stamp;
                s.m_candidates.push_back(rule);
            }
    }
    for (const std::uint32_t rule : m_always)
        if (s.m_rule_stamp[rule] != s.m_stamp) {
            s.m_rule_stamp[rule] = s.m_stamp;
            s.m_candidates.push_back(rule);
        }
    std::sort(s.m_candidates.begin(), s.m_candidates.end());
}

} // namespace wijkwacht::rules
