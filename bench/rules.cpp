// wijkwacht-bench-rules: the rule engine against its peers.
//
//   generate --dir D [--posts N]   corpus (D/posts.jsonl, D/posts.txt) and
//                                  generated rule files (D/rules-1000.toml,
//                                  D/rules-10000.toml) with their literals
//                                  (D/terms-*.txt, for ripgrep)
//   measure --dir D --rules R      compile time, memory, posts/s on one core
//                                  for wijkwacht, RE2::Set and a per-rule
//                                  std::regex loop (on a sample)
//   corpus --from C --dir D        real texts: the JSON lines of a corpus
//                                  directory ({"id","text","lang"}) as
//                                  D/posts.jsonl, D/posts.txt and
//                                  D/labelled.jsonl, --copies times over
//
// bench/rules.sh runs generate and measure and times ripgrep and `wijkwacht
// rules test`; bench/backtest.sh does the same on the real corpus.

#include "core/json_util.hpp"
#include "rules/lexicon.hpp"
#include "rules/query.hpp"
#include "rules/text.hpp"

#include <wijkwacht/json.hpp>
#include <wijkwacht/rules.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

using namespace wijkwacht;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_categories[] = {
    "crime.burglary", "crime.theft",           "crime.pickpocketing", "crime.robbery",
    "crime.violence", "crime.threat",          "crime.explosion",     "crime.vandalism",
    "crime.drugs",    "crime.fraud",           "crime.cyber",         "crime.sexual",
    "public.missing", "public.witness_appeal", "footage.shared"};
constexpr const char* k_severities[] = {"low", "medium", "high", "critical"};

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmRSS:"))
            return std::stol(line.substr(6));
    return 0;
}

// Dictionary words that are one plain lower-case token of at least 3 letters.
std::vector<std::string> load_words(const std::string& dictionary) {
    std::ifstream in(dictionary);
    if (!in)
        throw std::runtime_error(dictionary + ": cannot open (apt-get install wdutch)");
    std::vector<std::string> words;
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 3 || line.size() > 20)
            continue;
        if (!std::all_of(line.begin(), line.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
            continue;
        words.push_back(line);
    }
    return words;
}

struct Zipf {
    std::vector<double> cdf;
    explicit Zipf(std::size_t n) : cdf(n) {
        double sum = 0;
        for (std::size_t r = 0; r < n; ++r)
            cdf[r] = sum += 1.0 / static_cast<double>(r + 1);
        for (auto& c : cdf)
            c /= sum;
    }
    template <typename R> std::size_t operator()(R& random) const {
        const double u = std::uniform_real_distribution<double>(0, 1)(random);
        return static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    }
};

void generate(const fs::path& dir, std::size_t count, const std::string& dictionary) {
    fs::create_directories(dir);
    auto words = load_words(dictionary);
    std::mt19937_64 random(2026);
    std::shuffle(words.begin(), words.end(), random); // ranks for the Zipf draw
    const Zipf zipf(words.size());
    std::ofstream jsonl(dir / "posts.jsonl"), text(dir / "posts.txt");
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        Post post;
        post.source = "bench";
        post.platform = "feed";
        post.id = fmt::format("https://bench.example/{}", i);
        while (post.text.size() < 190) {
            if (!post.text.empty())
                post.text += ' ';
            post.text += words[zipf(random)];
        }
        bytes += post.text.size();
        jsonl << to_json(post) << '\n';
        text << post.text << '\n';
    }
    fmt::print("{} posts, {:.0f} bytes of text on average, from {} words\n", count,
               static_cast<double>(bytes) / static_cast<double>(count), words.size());

    std::uniform_int_distribution<std::size_t> any(0, words.size() - 1);
    const auto word = [&] {
        return words[any(random)];
    };
    for (const std::size_t n : {1000u, 10000u}) {
        std::ofstream rules(dir / fmt::format("rules-{}.toml", n));
        std::set<std::string> terms;
        std::uniform_int_distribution<int> shape(0, 99);
        for (std::size_t i = 0; i < n; ++i) {
            std::string q;
            const int s = shape(random);
            const std::string a = word(), b = word(), c = word();
            if (s < 40) {
                q = a;
                terms.insert(a);
            } else if (s < 55) {
                q = a + " AND " + b;
                terms.insert({a, b});
            } else if (s < 70) {
                q = a + " OR " + b + " OR " + c;
                terms.insert({a, b, c});
            } else if (s < 80) {
                q = "\"" + a + " " + b + "\"";
                terms.insert({a, b});
            } else if (s < 90) {
                q = a.substr(0, std::max<std::size_t>(4, a.size() - 2)) + "*";
                terms.insert(a.substr(0, std::max<std::size_t>(4, a.size() - 2)));
            } else if (s < 95) {
                q = "*" + a + "*";
                terms.insert(a);
            } else {
                q = a + " NEAR/5 " + b + " -" + c;
                terms.insert({a, b});
            }
            rules << fmt::format(
                "[[rule]]\nid = \"r{}\"\ncategory = \"{}\"\nseverity = \"{}\"\nquery = '{}'\n\n", i,
                k_categories[i % std::size(k_categories)],
                k_severities[i % std::size(k_severities)], q);
        }
        std::ofstream list(dir / fmt::format("terms-{}.txt", n));
        for (const auto& t : terms)
            list << t << '\n';
        fmt::print("rules-{}.toml: {} distinct literals\n", n, terms.size());
    }
}

std::vector<Post> read_posts(const fs::path& file, std::size_t limit) {
    std::ifstream in(file);
    std::vector<Post> posts;
    std::string line;
    while ((limit == 0 || posts.size() < limit) && std::getline(in, line)) {
        auto post = post_from_json(line);
        if (!post)
            throw std::runtime_error(file.string() + ": " + post.failure().message);
        posts.push_back(std::move(*post));
    }
    return posts;
}

// A rule's positive terms as one regular expression (for the baselines).
void term_regexes(const rules::Node& node, std::vector<std::string>& out) {
    if (node.kind == rules::Node::Kind::negate)
        return;
    if (!node.words.empty()) {
        std::string re = "\\b";
        for (std::size_t i = 0; i < node.words.size(); ++i) {
            const auto& w = node.words[i];
            if (i)
                re += "\\s+";
            const bool front =
                w.wildcard == rules::Wildcard::suffix || w.wildcard == rules::Wildcard::infix;
            const bool back =
                w.wildcard == rules::Wildcard::prefix || w.wildcard == rules::Wildcard::infix;
            std::string word = RE2::QuoteMeta(w.norm);
            if (!w.forms.empty()) { // a word family: any of its forms
                word.clear();
                for (const auto& form : w.forms)
                    word += (word.empty() ? "(?:" : "|") + RE2::QuoteMeta(form);
                word += ")";
            }
            re += (front ? "\\w*" : "") + word + (back ? "\\w*" : "");
        }
        out.push_back(re + "\\b");
    }
    for (const auto& child : node.children)
        term_regexes(*child, out);
}

// Resolves ~families and $vocabularies of the measured rule set, so the
// baselines get the same positive terms wijkwacht does.
class BenchExpander final : public rules::Expander {
public:
    explicit BenchExpander(const RuleSet& set) {
        for (const auto& v : set.vocabularies())
            m_terms[v.name] = v.terms;
    }
    std::vector<std::string> family(std::string_view lemma, std::string& error) override {
        if (!m_lexicon)
            m_lexicon = std::make_unique<rules::Lexicon>();
        auto f = m_lexicon->family(lemma);
        error = f.error;
        return f.forms;
    }
    const rules::Node* vocabulary(std::string_view name, std::string& error) override {
        const std::string key(name);
        if (auto it = m_parsed.find(key); it != m_parsed.end())
            return it->second.get();
        auto parsed = rules::parse_query(m_terms[key], this);
        if (!parsed.root) {
            error = "vocabulary " + key;
            return nullptr;
        }
        return (m_parsed[key] = std::move(parsed.root)).get();
    }

private:
    std::map<std::string, std::string> m_terms;
    std::map<std::string, std::unique_ptr<rules::Node>> m_parsed;
    std::unique_ptr<rules::Lexicon> m_lexicon;
};

std::string as_regex(const std::string& query, rules::Expander& expander) {
    const auto parsed = rules::parse_query(query, &expander);
    std::vector<std::string> parts;
    if (parsed.root)
        term_regexes(*parsed.root, parts);
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : "|") + p;
    return out;
}

void measure(const fs::path& dir, const std::vector<fs::path>& rule_paths, std::size_t sample) {
    const auto posts = read_posts(dir / "posts.jsonl", 0);
    const long rss_before = rss_kib();
    double t0 = now_seconds();
    const RuleSet rules = RuleSet::load(rule_paths);
    const double compile = now_seconds() - t0;
    const long rss_after = rss_kib();

    // Warm the per-thread scratch, then time one core.
    rules.evaluate(posts.front());
    std::size_t flagged = 0, matches = 0;
    t0 = now_seconds();
    for (const auto& post : posts) {
        const auto m = rules.evaluate(post);
        flagged += m.empty() ? 0 : 1;
        matches += m.size();
    }
    const double elapsed = now_seconds() - t0;
    fmt::print("wijkwacht: {} rules compiled in {:.0f} ms, +{:.1f} MiB RSS; {} posts in {:.2f} s = "
               "{:.0f} posts/s ({:.2f} us/post), {} flagged, {} matches\n",
               rules.enabled_count(), compile * 1000,
               static_cast<double>(rss_after - rss_before) / 1024, posts.size(), elapsed,
               static_cast<double>(posts.size()) / elapsed,
               elapsed * 1e6 / static_cast<double>(posts.size()), flagged, matches);

    // Normalisation alone.
    rules::TextIndex index;
    std::size_t tokens = 0;
    t0 = now_seconds();
    for (const auto& post : posts) {
        index.build(post.text);
        tokens += index.size();
    }
    const double norm = now_seconds() - t0;
    fmt::print("normalise+tokenise alone: {:.2f} us/post ({} tokens)\n",
               norm * 1e6 / static_cast<double>(posts.size()), tokens);

    // Baselines over the rules' positive terms.
    std::vector<std::string> patterns;
    BenchExpander expander(rules);
    for (const auto& rule : rules.rules())
        patterns.push_back(as_regex(rule.query, expander));
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_max_mem(std::int64_t{1} << 32);
    options.set_log_errors(false);
    RE2::Set set(options, RE2::UNANCHORED);
    for (const auto& p : patterns)
        set.Add(p, nullptr);
    t0 = now_seconds();
    const bool compiled = set.Compile();
    const double set_compile = now_seconds() - t0;
    if (compiled) {
        std::vector<int> hit;
        std::size_t set_flagged = 0;
        t0 = now_seconds();
        for (const auto& post : posts) {
            hit.clear();
            set_flagged += set.Match(post.text, &hit) ? 1 : 0;
        }
        const double e = now_seconds() - t0;
        fmt::print("RE2::Set: compiled in {:.0f} ms; {:.0f} posts/s ({:.2f} us/post), {} flagged\n",
                   set_compile * 1000, static_cast<double>(posts.size()) / e,
                   e * 1e6 / static_cast<double>(posts.size()), set_flagged);
    } else {
        fmt::print("RE2::Set: does not compile within 4 GiB\n");
    }

    std::vector<std::regex> regexes;
    t0 = now_seconds();
    for (const auto& p : patterns)
        regexes.emplace_back(p, std::regex::icase | std::regex::ECMAScript);
    const double regex_compile = now_seconds() - t0;
    const std::size_t n = std::min(sample, posts.size());
    std::size_t regex_flagged = 0;
    t0 = now_seconds();
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& re : regexes)
            if (std::regex_search(posts[i].text, re)) {
                ++regex_flagged;
                break;
            }
    const double e = now_seconds() - t0;
    fmt::print("std::regex loop: compiled in {:.0f} ms; {} posts sampled: {:.0f} posts/s ({:.1f} "
               "us/post)\n",
               regex_compile * 1000, n, static_cast<double>(n) / e,
               e * 1e6 / static_cast<double>(n));
}

void corpus(const fs::path& from, const fs::path& dir, std::size_t copies) {
    fs::create_directories(dir);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(from))
        if (entry.path().extension() == ".jsonl")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<Post> posts;
    for (const auto& file : files) {
        std::ifstream in(file);
        const std::string source = file.stem().string();
        std::string line;
        while (std::getline(in, line))
            if (auto post = post_from_corpus_line(line, source))
                posts.push_back(std::move(*post));
    }
    std::ofstream jsonl(dir / "posts.jsonl"), text(dir / "posts.txt"),
        labelled(dir / "labelled.jsonl");
    std::size_t bytes = 0;
    for (std::size_t copy = 0; copy < copies; ++copy)
        for (Post post : posts) {
            post.id += fmt::format("#{}", copy);
            const auto json = to_json(post);
            jsonl << json << '\n';
            labelled << "{\"post\":" << json
                     << ",\"label\":{\"flagged\":false,\"categories\":[]}}\n";
            std::string line = post.text;
            std::replace(line.begin(), line.end(), '\n', ' ');
            text << line << '\n';
            bytes += post.text.size();
        }
    fmt::print("{} posts ({} texts x {}), {:.0f} bytes of text on average\n", posts.size() * copies,
               posts.size(), copies,
               static_cast<double>(bytes) /
                   static_cast<double>(std::max<std::size_t>(posts.size() * copies, 1)));
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-rules: rule engine throughput against RE2::Set and std::regex"};
    cli.require_subcommand(1);
    std::string dir = "bench-data";
    std::size_t posts = 1000000;
    std::string dictionary = "/usr/share/dict/dutch";
    auto* gen = cli.add_subcommand("generate", "write the corpus and generated rule files");
    gen->add_option("--dir", dir)->capture_default_str();
    gen->add_option("--posts", posts)->capture_default_str();
    gen->add_option("--dictionary", dictionary)->capture_default_str();
    std::vector<std::string> rule_paths;
    std::size_t sample = 2000;
    auto* mea = cli.add_subcommand("measure", "time the engine and its peers on the corpus");
    mea->add_option("--dir", dir)->capture_default_str();
    mea->add_option("--rules", rule_paths, "rule files or directories")->required();
    mea->add_option("--regex-sample", sample, "posts for the std::regex loop")
        ->capture_default_str();
    std::string from;
    std::size_t copies = 10;
    auto* cor = cli.add_subcommand("corpus", "write a corpus directory's texts as posts");
    cor->add_option("--from", from, "directory of corpus JSON lines")->required();
    cor->add_option("--dir", dir)->capture_default_str();
    cor->add_option("--copies", copies, "how many times over")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    try {
        if (gen->parsed())
            generate(dir, posts, dictionary);
        else if (cor->parsed())
            corpus(from, dir, copies);
        else
            measure(dir, {rule_paths.begin(), rule_paths.end()}, sample);
    } catch (const std::exception& e) {
        fmt::print(stderr, "wijkwacht-bench-rules: {}\n", e.what());
        return 1;
    }
    return 0;
}
