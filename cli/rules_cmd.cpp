#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/lines.hpp"
#include "cli/places.hpp"
#include "core/json_util.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/rules.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <unistd.h>
#include <unordered_map>

namespace wijkwacht::cli {

namespace {

struct RulesOptions {
    std::vector<std::string> paths; // check: files or dirs; test: --rules
    std::string posts = "-";
    std::string corpus; // stats: directory of corpus files that labels refer to by id
    bool json = false;
    bool terms = false; // explain: only the words and phrases, one a line
    std::string places; // test: the gazetteer (empty: the installed one, if any)
};

std::vector<std::filesystem::path> as_paths(const std::vector<std::string>& in) {
    return {in.begin(), in.end()};
}

int run_check(const RulesOptions& o) {
    try {
        const RuleSet set = RuleSet::load(as_paths(o.paths));
        for (const auto& warning : set.warnings())
            fmt::print(stderr, "{}\n", warning);
        const auto vocabularies = set.vocabularies().size();
        fmt::print("{} rule(s), {} enabled{}: OK\n", set.rules().size(), set.enabled_count(),
                   vocabularies ? fmt::format(", {} vocabulary(ies)", vocabularies) : "");
        return 0;
    } catch (const ConfigError& e) {
        for (const auto& problem : e.problems())
            fmt::print(stderr, "{}\n", problem);
        fmt::print(stderr, "{} error(s)\n", e.problems().size());
        return 2;
    }
}

// Opens POSTS (or stdin for "-"); the name for messages.
std::pair<std::FILE*, std::string> open_posts(const std::string& path) {
    if (path == "-")
        return {stdin, "<stdin>"};
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file)
        throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    return {file, path};
}

struct TestChunk {
    std::string out;
    std::string errors;
    std::size_t posts = 0, flagged = 0, bad = 0;
};

int run_test(const RulesOptions& o) {
    const RuleSet set = RuleSet::load(as_paths(o.paths));
    const auto tagger = load_places(o.places);
    const auto [file, name] = open_posts(o.posts);
    const bool color = !o.json && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    const std::function<TestChunk(std::string_view, std::size_t)> work =
        [&, name = name](std::string_view chunk, std::size_t first) {
            TestChunk r;
            each_line(chunk, first, [&](std::string_view line, std::size_t number) {
                if (line.find_first_not_of(" \t\r") == std::string_view::npos)
                    return;
                auto post = post_from_json(line);
                if (!post) {
                    r.errors += fmt::format("{}:{}: {}\n", name, number, post.failure().message);
                    ++r.bad;
                    return;
                }
                ++r.posts;
                if (tagger)
                    post->places = tagger->tag(*post);
                auto matches = set.evaluate(*post);
                if (matches.empty())
                    return;
                ++r.flagged;
                Alert alert;
                alert.id = alert_id(post->platform, post->id);
                alert.matches = std::move(matches);
                summarise_matches(alert);
                alert.post = std::move(*post);
                if (o.json) {
                    r.out += to_json(alert);
                    r.out += '\n';
                    return;
                }
                r.out += fmt::format("{}:{}: {} [{}] {}\n", name, number, alert.post.id,
                                     to_string(alert.severity), fmt::join(alert.categories, ", "));
                for (const auto& m : alert.matches)
                    r.out += fmt::format("  {} ({}, {}): {}\n", m.rule, m.category,
                                         to_string(m.severity), fmt::join(m.terms, ", "));
                if (!alert.post.places.empty())
                    r.out += fmt::format("  where: {}\n", describe_places(alert.post));
                r.out += "  " + emphasise(alert.post.text, match_spans(alert), color) + "\n\n";
            });
            return r;
        };
    TestChunk total;
    for_each_chunk<TestChunk>(file, work, [&](TestChunk&& r) {
        std::fwrite(r.out.data(), 1, r.out.size(), stdout);
        std::fwrite(r.errors.data(), 1, r.errors.size(), stderr);
        total.posts += r.posts;
        total.flagged += r.flagged;
        total.bad += r.bad;
    });
    if (file != stdin)
        std::fclose(file);
    if (!o.json)
        fmt::print(stderr, "{} post(s), {} flagged{}\n", total.posts, total.flagged,
                   total.bad ? fmt::format(", {} unreadable line(s)", total.bad) : "");
    return total.bad ? 1 : 0;
}

// ---------------------------------------------------------------- stats

struct Verdict {
    std::size_t line = 0;
    std::string text;
    std::string lang;
    std::string source;
    bool want = false;
    std::vector<std::string> want_categories;
    std::vector<std::string> got_categories;
    std::vector<std::string> rules;
};

// What a run of labelled posts adds up to; chunks are tallied on their
// threads and merged in input order, so only the mistakes keep their text.
struct Tally {
    struct Counts {
        std::size_t tp = 0, fp = 0, fn = 0;
    };
    std::size_t posts = 0, tp = 0, fp = 0, fn = 0, tn = 0, category_right = 0, bad = 0;
    std::map<std::string, Counts> per_category, per_language, per_source;
    std::string false_positives, false_negatives, wrong_category, errors;

    void add(const Verdict& v, std::string_view name);
    void merge(Tally&& other) {
        posts += other.posts;
        tp += other.tp;
        fp += other.fp;
        fn += other.fn;
        tn += other.tn;
        category_right += other.category_right;
        bad += other.bad;
        const auto merge_map = [](auto& into, const auto& from) {
            for (const auto& [key, c] : from) {
                auto& mine = into[key];
                mine.tp += c.tp;
                mine.fp += c.fp;
                mine.fn += c.fn;
            }
        };
        merge_map(per_category, other.per_category);
        merge_map(per_language, other.per_language);
        merge_map(per_source, other.per_source);
        false_positives += other.false_positives;
        false_negatives += other.false_negatives;
        wrong_category += other.wrong_category;
        errors += other.errors;
    }
};

// A sub-category counts for its parent: crime.theft.bicycle is crime.theft.
bool covers(const std::vector<std::string>& wanted, const std::string& got) {
    return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
        return got == w || (got.size() > w.size() && got.starts_with(w) && got[w.size()] == '.');
    });
}

void Tally::add(const Verdict& v, std::string_view name) {
    const auto excerpt = [](const std::string& text) {
        std::size_t cut = std::min<std::size_t>(text.size(), 110);
        while (cut < text.size() && cut > 0 &&
               (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut; // never inside a UTF-8 sequence
        std::string one = text.substr(0, cut);
        std::replace(one.begin(), one.end(), '\n', ' ');
        return one + (text.size() > cut ? "…" : "");
    };
    ++posts;
    const bool got = !v.rules.empty();
    for (const auto& c : v.got_categories)
        ++(covers(v.want_categories, c) ? per_category[c].tp : per_category[c].fp);
    for (const auto& c : v.want_categories)
        if (std::none_of(v.got_categories.begin(), v.got_categories.end(),
                         [&](const std::string& flagged) { return covers({c}, flagged); }))
            ++per_category[c].fn;
    const auto count = [&](Counts& c) {
        c.tp += got && v.want;
        c.fp += got && !v.want;
        c.fn += !got && v.want;
    };
    count(per_language[v.lang.empty() ? "-" : v.lang]);
    count(per_source[v.source.empty() ? "-" : v.source]);
    if (got && v.want) {
        ++tp;
        const bool right =
            std::any_of(v.got_categories.begin(), v.got_categories.end(),
                        [&](const std::string& c) { return covers(v.want_categories, c); });
        category_right += right;
        if (!right)
            wrong_category +=
                fmt::format("  {}:{}: wanted {}, got {} ({}): {}\n", name, v.line,
                            fmt::join(v.want_categories, ","), fmt::join(v.got_categories, ","),
                            fmt::join(v.rules, ","), excerpt(v.text));
    } else if (got) {
        ++fp;
        false_positives +=
            fmt::format("  {}:{}: {} ({}): {}\n", name, v.line, fmt::join(v.got_categories, ","),
                        fmt::join(v.rules, ","), excerpt(v.text));
    } else if (v.want) {
        ++fn;
        false_negatives += fmt::format("  {}:{}: wanted {}: {}\n", name, v.line,
                                       fmt::join(v.want_categories, ","), excerpt(v.text));
    } else {
        ++tn;
    }
}

// Texts that label files refer to by id ("file:line"), from the JSON lines
// files of a corpus directory: {"id": …, "text": …, "lang": …}.
class Corpus {
public:
    explicit Corpus(const std::string& dir) : m_dir(dir) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
            if (entry.path().extension() == ".jsonl")
                load(entry.path());
        if (ec)
            throw Error(fmt::format("{}: cannot read the corpus directory: {}", dir, ec.message()));
    }

    const Post* find(std::string_view id) const {
        const auto it = m_posts.find(std::string(id));
        return it == m_posts.end() ? nullptr : &it->second;
    }
    const std::string& dir() const { return m_dir; }

private:
    void load(const std::filesystem::path& file) {
        std::FILE* in = std::fopen(file.c_str(), "rb");
        if (!in)
            throw Error(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
        const std::string source = file.stem().string();
        const std::function<std::vector<Post>(std::string_view, std::size_t)> work =
            [&](std::string_view chunk, std::size_t first) {
                std::vector<Post> posts;
                each_line(chunk, first, [&](std::string_view line, std::size_t) {
                    if (auto post = post_from_corpus_line(line, source))
                        posts.push_back(std::move(*post));
                });
                return posts;
            };
        for_each_chunk<std::vector<Post>>(in, work, [&](std::vector<Post>&& posts) {
            for (auto& post : posts) {
                auto id = post.id;
                m_posts.emplace(std::move(id), std::move(post));
            }
        });
        std::fclose(in);
    }

    std::string m_dir;
    std::unordered_map<std::string, Post> m_posts;
};

// One labelled line: {"post": Post, "label": {"flagged": bool, "categories": [...]}},
// or {"id": "file:line", "label": …} for a text of the corpus.
std::optional<std::string> read_labelled(std::string_view line, const Corpus* corpus, Post& post,
                                         Verdict& v) {
    rapidjson::Document doc;
    if (auto error = parse_json(line, doc, k_json_max_depth))
        return error;
    if (!doc.IsObject() || !doc.HasMember("label") || !doc["label"].IsObject() ||
        (!doc.HasMember("post") && !json_string(doc, "id")))
        return std::string("expected {\"post\": {...}, \"label\": {\"flagged\": ..., "
                           "\"categories\": [...]}} or {\"id\": ..., \"label\": ...}");
    if (doc.HasMember("post")) {
        if (auto error = post_from_value(doc["post"], "post.", post); !error.empty())
            return error;
    } else {
        const auto id = *json_string(doc, "id");
        if (!corpus)
            return fmt::format("\"{}\" is a corpus id: give the corpus with --corpus DIR", id);
        const Post* found = corpus->find(id);
        if (!found)
            return fmt::format("\"{}\" is not in the corpus {}", id, corpus->dir());
        post = *found;
    }
    const auto& label = doc["label"];
    if (!label.HasMember("flagged") || !label["flagged"].IsBool())
        return std::string("label.flagged: must be true or false");
    v.want = label["flagged"].GetBool();
    if (label.HasMember("categories") && label["categories"].IsArray())
        for (const auto& c : label["categories"].GetArray())
            if (c.IsString())
                v.want_categories.emplace_back(as_view(c));
    return std::nullopt;
}

int run_stats(const RulesOptions& o) {
    const RuleSet set = RuleSet::load(as_paths(o.paths));
    std::optional<Corpus> corpus;
    if (!o.corpus.empty())
        corpus.emplace(o.corpus);
    const auto [file, name] = open_posts(o.posts);
    const std::function<Tally(std::string_view, std::size_t)> work =
        [&, name = name](std::string_view chunk, std::size_t first) {
            Tally r;
            each_line(chunk, first, [&](std::string_view line, std::size_t number) {
                if (line.find_first_not_of(" \t\r") == std::string_view::npos)
                    return;
                Post post;
                Verdict v;
                if (auto error = read_labelled(line, corpus ? &*corpus : nullptr, post, v)) {
                    r.errors += fmt::format("{}:{}: {}\n", name, number, *error);
                    ++r.bad;
                    return;
                }
                v.line = number;
                Alert alert;
                alert.matches = set.evaluate(post);
                summarise_matches(alert);
                v.got_categories = std::move(alert.categories);
                for (const auto& m : alert.matches)
                    v.rules.push_back(m.rule);
                v.lang = std::move(post.lang);
                v.source = std::move(post.source);
                v.text = std::move(post.text);
                r.add(v, name);
            });
            return r;
        };
    Tally all;
    for_each_chunk<Tally>(file, work, [&](Tally&& r) {
        std::fwrite(r.errors.data(), 1, r.errors.size(), stderr);
        r.errors.clear();
        all.merge(std::move(r));
    });
    if (file != stdin)
        std::fclose(file);
    const std::size_t posts = all.posts, tp = all.tp, fp = all.fp, fn = all.fn, tn = all.tn;
    const std::size_t category_right = all.category_right, bad = all.bad;
    const auto &per_category = all.per_category, &per_language = all.per_language,
               &per_source = all.per_source;
    using Counts = Tally::Counts;
    const auto ratio = [](std::size_t a, std::size_t b) {
        return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b);
    };
    const double precision = ratio(tp, tp + fp), recall = ratio(tp, tp + fn);
    const double accuracy = ratio(category_right, tp);
    const auto table = [&](std::string_view title, const std::map<std::string, Counts>& rows) {
        fmt::print("\n{:<32} {:>5} {:>5} {:>5} {:>9} {:>6}\n", title, "right", "extra", "miss",
                   "precision", "recall");
        for (const auto& [group, c] : rows)
            fmt::print("{:<32} {:>5} {:>5} {:>5} {:>9.3f} {:>6.3f}\n", group, c.tp, c.fp, c.fn,
                       ratio(c.tp, c.tp + c.fp), ratio(c.tp, c.tp + c.fn));
    };
    const auto json_groups = [&](const std::map<std::string, Counts>& rows) {
        std::string out;
        for (const auto& [group, c] : rows)
            out += fmt::format("{}\"{}\":{{\"precision\":{:.4f},\"recall\":{:.4f}}}",
                               out.empty() ? "" : ",", group, ratio(c.tp, c.tp + c.fp),
                               ratio(c.tp, c.tp + c.fn));
        return "{" + out + "}";
    };
    if (o.json) {
        fmt::print("{{\"posts\":{},\"flagged\":{},\"true_positives\":{},\"false_positives\":{},"
                   "\"false_negatives\":{},\"true_negatives\":{},\"precision\":{:.4f},"
                   "\"recall\":{:.4f},\"category_accuracy\":{:.4f},\"languages\":{},"
                   "\"categories\":{}}}\n",
                   posts, tp + fp, tp, fp, fn, tn, precision, recall, accuracy,
                   json_groups(per_language), json_groups(per_category));
    } else {
        fmt::print("{} labelled post(s): {} flagged by the rules, {} by the labels\n", posts,
                   tp + fp, tp + fn);
        fmt::print("precision          {:.3f}  ({} of {} flagged posts should be)\n", precision, tp,
                   tp + fp);
        fmt::print("recall             {:.3f}  ({} of {} labelled posts found)\n", recall, tp,
                   tp + fn);
        fmt::print("category accuracy  {:.3f}  ({} of {} found posts carry a labelled category)\n",
                   accuracy, category_right, tp);
        table("category", per_category);
        if (per_language.size() > 1)
            table("language", per_language);
        if (per_source.size() > 1)
            table("source", per_source);
        if (!all.false_positives.empty())
            fmt::print("\nfalse positives:\n{}", all.false_positives);
        if (!all.false_negatives.empty())
            fmt::print("\nfalse negatives:\n{}", all.false_negatives);
        if (!all.wrong_category.empty())
            fmt::print("\nfound, wrong category:\n{}", all.wrong_category);
    }
    return bad ? 1 : 0;
}

int run_explain(const RulesOptions& o, const std::vector<std::string>& only) {
    const RuleSet set = RuleSet::load(as_paths(o.paths));
    for (const auto& warning : set.warnings())
        fmt::print(stderr, "{}\n", warning);
    if (o.terms) {
        for (const auto& term : set.terms())
            fmt::print("{}\n", term);
        return 0;
    }
    std::size_t shown = 0;
    std::vector<std::string> vocabularies;
    for (std::size_t i = 0; i < set.rules().size(); ++i) {
        const Rule& rule = set.rules()[i];
        if (!only.empty() && std::find(only.begin(), only.end(), rule.id) == only.end())
            continue;
        ++shown;
        const auto expansion = set.explain(i);
        fmt::print("{}  {}  ({}){}\n", rule.id, rule.category, rule.origin,
                   rule.enabled ? "" : "  disabled");
        for (const auto& family : expansion.families)
            fmt::print("  {} ({} forms): {}\n", family.lemma, family.forms.size(),
                       fmt::join(family.forms, " "));
        for (const auto& name : expansion.vocabularies) {
            fmt::print("  {}\n", name);
            if (std::find(vocabularies.begin(), vocabularies.end(), name) == vocabularies.end())
                vocabularies.push_back(name);
        }
        if (expansion.families.empty() && expansion.vocabularies.empty())
            fmt::print("  (no word families or vocabularies)\n");
    }
    for (const auto& name : vocabularies)
        for (const auto& vocabulary : set.vocabularies())
            if ("$" + vocabulary.name == name) {
                std::string terms = vocabulary.terms;
                std::replace(terms.begin(), terms.end(), '\n', ' ');
                fmt::print("\n{} ({}):\n  {}\n", name, vocabulary.origin, terms);
            }
    for (const auto& id : only)
        if (std::none_of(set.rules().begin(), set.rules().end(),
                         [&](const Rule& r) { return r.id == id; })) {
            fmt::print(stderr, "no rule \"{}\" in these files\n", id);
            return 2;
        }
    return shown ? 0 : 1;
}

// -r/--rules, required and repeatable: one path each time.
void add_rules_option(CLI::App& command, std::vector<std::string>& paths) {
    command.add_option("-r,--rules", paths, "rule file or directory (repeat for more)")
        ->required()
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

} // namespace

void add_rules(CLI::App& app, Command& run) {
    auto* rules = app.add_subcommand("rules", "check rule files and try them on posts");
    rules->require_subcommand(1);

    auto check = std::make_shared<RulesOptions>();
    auto* c = rules->add_subcommand("check", "validate rule files; errors as file:line:col");
    c->add_option("paths", check->paths, "rule files or directories of *.toml")->required();
    c->callback([check, &run] {
        run = [check] {
            return run_check(*check);
        };
    });

    auto explain = std::make_shared<RulesOptions>();
    auto only = std::make_shared<std::vector<std::string>>();
    auto* e = rules->add_subcommand(
        "explain", "show the forms every word family (~lemma) and the terms every vocabulary "
                   "($name) of these rules expands to");
    add_rules_option(*e, explain->paths);
    e->add_option("rule", *only, "rule ids to explain (default: all)");
    e->add_flag("--terms", explain->terms,
                "print only every word and phrase the rules look for, normalised, one a line");
    e->callback([explain, only, &run] {
        run = [explain, only] {
            return run_explain(*explain, *only);
        };
    });

    auto test = std::make_shared<RulesOptions>();
    auto* t = rules->add_subcommand("test", "evaluate posts (Post JSON lines) against rules");
    add_rules_option(*t, test->paths);
    t->add_option("posts", test->posts, "Post JSON lines file, or - for stdin")
        ->capture_default_str();
    t->add_flag("--json", test->json, "print one Alert JSON (without seq) per flagged post");
    add_places_option(*t, test->places);
    t->callback([test, &run] {
        run = [test] {
            return run_test(*test);
        };
    });

    auto stats = std::make_shared<RulesOptions>();
    auto* st = rules->add_subcommand(
        "stats", "measure rules against labelled posts: precision, recall, category accuracy, "
                 "and the posts they get wrong");
    add_rules_option(*st, stats->paths);
    st->add_option(
          "labelled", stats->posts,
          "JSON lines {\"post\": Post, \"label\": {\"flagged\": ..., \"categories\": [...]}}, or -")
        ->required();
    st->add_option("--corpus", stats->corpus,
                   "directory of corpus JSON lines ({\"id\", \"text\", \"lang\"}) that label "
                   "lines {\"id\": ..., \"label\": ...} refer to")
        ->check(CLI::ExistingDirectory);
    st->add_flag("--json", stats->json, "print the figures as one JSON object");
    st->callback([stats, &run] {
        run = [stats] {
            return run_stats(*stats);
        };
    });
}

} // namespace wijkwacht::cli
