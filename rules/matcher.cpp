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

// A guess at how often a term occurs in text: short words and wildcards are
// common, long words rare. Only used to choose between equivalent triggers.
double commonness(const TermPattern& term) {
    if (!term.forms.empty()) {
        double sum = 0;
        for (const auto& form : term.forms)
            sum += 1.0 / static_cast<double>(std::max<std::size_t>(form.size() * form.size(), 1));
        return sum;
    }
    const double length = static_cast<double>(std::max<std::size_t>(term.norm.size(), 1));
    const double wildcard = term.wildcard == Wildcard::none    ? 1.0
                            : term.wildcard == Wildcard::infix ? 8.0
                                                               : 4.0;
    return wildcard / (length * length);
}

// Triggers: terms at least one of which occurs in every post the query
// matches. A rule is evaluated only when a trigger occurred. Where all
// parts of a node must hold (AND, NEAR, the words of a phrase) one part's
// triggers suffice: the rarest-looking. Returns false when the node can hold
// without any term (a field, a NOT).
bool triggers(const Node& node, std::vector<const TermPattern*>& out, double& cost) {
    switch (node.kind) {
    case Node::Kind::term:
    case Node::Kind::phrase: {
        const TermPattern* best = &node.words.front();
        for (const auto& word : node.words)
            if (commonness(word) < commonness(*best))
                best = &word;
        out.push_back(best);
        cost += commonness(*best);
        return true;
    }
    case Node::Kind::any_of:
        for (const auto& child : node.children)
            if (!triggers(*child, out, cost))
                return false;
        return true;
    case Node::Kind::all_of:
    case Node::Kind::near: {
        std::vector<const TermPattern*> best;
        double best_cost = 0;
        bool found = false;
        for (const auto& child : node.children) {
            std::vector<const TermPattern*> mine;
            double my_cost = 0;
            if (!triggers(*child, mine, my_cost))
                continue;
            if (!found || my_cost < best_cost) {
                best = std::move(mine);
                best_cost = my_cost;
                found = true;
            }
        }
        out.insert(out.end(), best.begin(), best.end());
        cost += best_cost;
        return found;
    }
    case Node::Kind::negate:
    case Node::Kind::field:
        return false;
    }
    return false;
}

struct ScanContext {
    const std::vector<std::vector<std::uint32_t>>* literal_terms;
    const std::vector<std::uint8_t>* literal_last;
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
    // Words stand between spaces in the folded text (" w1 w2 "), so the
    // spaces in a literal are its word boundaries: " w " a whole word,
    // " w" a prefix, "w " a suffix, "w" anywhere inside.
    const auto literal_of = [](const TermPattern& term) {
        switch (term.wildcard) {
        case Wildcard::none:
            return " " + term.norm + " ";
        case Wildcard::prefix:
            return " " + term.norm;
        case Wildcard::suffix:
            return term.norm + " ";
        case Wildcard::infix:
            return term.norm;
        }
        return term.norm;
    };
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
                m_terms.push_back(term->scope);
                m_term_rules.emplace_back();
                const auto add_literal = [&](std::string literal) {
                    auto [lit, new_literal] = literal_ids.try_emplace(
                        literal, static_cast<std::uint32_t>(literals.size()));
                    if (new_literal) {
                        m_literal_last.push_back(literal.back() == ' ' ? 2 : 1);
                        literals.push_back(std::move(literal));
                        m_literal_terms.emplace_back();
                    }
                    m_literal_terms[lit->second].push_back(it->second);
                };
                if (term->forms.empty())
                    add_literal(literal_of(*term));
                for (const auto& form : term->forms) // a word family: each form a whole word
                    add_literal(" " + form + " ");
            }
            term->id = it->second;
        }
        std::vector<const TermPattern*> trigger;
        double cost = 0;
        if (!triggers(*query, trigger, cost)) {
            m_always.push_back(rule);
            continue;
        }
        for (const TermPattern* term : trigger) {
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
    const auto& scopes = *static_cast<const std::vector<Scope>*>(ctx.terms);
    // The literal's last letter; its spaces already checked the boundaries.
    const auto last = static_cast<std::uint32_t>(to) - (*ctx.literal_last)[id];
    const auto& tokens = ctx.index->tokens();
    if (last < tokens[ctx.token].norm_begin)
        ctx.token = static_cast<std::uint32_t>(ctx.index->token_at(last)); // out of order
    while (tokens[ctx.token].norm_end <= last)
        ++ctx.token;
    const std::uint32_t t = ctx.token;
    for (const std::uint32_t term : (*ctx.literal_terms)[id])
        if (scope_matches(scopes[term], tokens[t].kind))
            ctx.hits->emplace_back(term, t);
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
    if (m_db && index.size() > 0) {
        ScanContext context{&m_literal_terms, &m_literal_last, &m_terms, &index, &s.m_hits};
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
