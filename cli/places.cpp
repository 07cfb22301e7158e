// wijkwacht places explain: what the place tagger reads in a text, and why.
#include "cli/places.hpp"

#include "cli/commands.hpp"
#include "cli/format.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/json.hpp>
#include <wijkwacht/places.hpp>

#include <fmt/format.h>

#include <iostream>
#include <iterator>

namespace wijkwacht::cli {

std::optional<PlaceTagger> load_places(const std::string& path) {
    const std::filesystem::path p =
        path.empty() ? std::filesystem::path(k_places_dir) : std::filesystem::path(path);
    std::error_code ec;
    const auto file = std::filesystem::is_directory(p, ec) ? p / "places.tsv" : p;
    if (!std::filesystem::exists(file, ec)) {
        if (!path.empty())
            throw ConfigError({fmt::format("{}: does not exist (a gazetteer built by "
                                           "scripts/places-build, docs/OPERATING.md)",
                                           file.string())});
        return std::nullopt;
    }
    return PlaceTagger(Gazetteer::load(p));
}

void add_places_option(CLI::App& command, std::string& path) {
    command.add_option("--places", path,
                       fmt::format("the gazetteer: a directory with places.tsv, or the file "
                                   "(default {}; without one, posts carry no places)",
                                   k_places_dir));
}

namespace {

struct ExplainOptions {
    std::string text;
    std::string places;
};

int run_explain(const ExplainOptions& o) {
    const auto tagger = load_places(o.places);
    if (!tagger) {
        fmt::print(stderr,
                   "wijkwacht: no gazetteer at {}: build one with scripts/places-build and give "
                   "--places\n",
                   k_places_dir);
        return 1;
    }
    std::string text = o.text;
    if (text == "-")
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    const auto readings = tagger->explain(text);
    if (readings.empty())
        fmt::print("no place name in the text\n");
    for (const auto& r : readings) {
        fmt::print("\"{}\" at {}-{}: {}\n", r.text, r.span.first, r.span.second, r.verdict);
        if (r.place)
            fmt::print("    {} {}\n", r.place->code, describe_place(*r.place));
    }
    Post post;
    post.text = text;
    const auto places = tagger->tag(post);
    fmt::print("places:");
    for (const auto& p : places)
        fmt::print(" {}{}", &p == &places.front() ? "" : "; ", describe_place(p));
    fmt::print("{}\n", places.empty() ? " none" : "");
    return 0;
}

struct TagOptions {
    std::string posts = "-";
    std::string places;
};

// Post JSON lines in, the same with their places out.
int run_tag(const TagOptions& o) {
    const auto tagger = load_places(o.places);
    if (!tagger) {
        fmt::print(stderr, "wijkwacht: no gazetteer at {}: give --places\n", k_places_dir);
        return 1;
    }
    std::FILE* in = o.posts == "-" ? stdin : std::fopen(o.posts.c_str(), "rb");
    if (!in) {
        fmt::print(stderr, "wijkwacht: {}: cannot be read\n", o.posts);
        return 1;
    }
    std::string line;
    std::size_t number = 0, bad = 0;
    char buffer[65536];
    bool more = true;
    while (more) {
        line.clear();
        while (true) {
            if (!std::fgets(buffer, sizeof buffer, in)) {
                more = false;
                break;
            }
            line += buffer;
            if (!line.empty() && line.back() == '\n')
                break;
        }
        if (line.find_first_not_of(" \t\r\n") == std::string::npos)
            continue;
        ++number;
        auto post = post_from_json(line);
        if (!post) {
            fmt::print(stderr, "{}:{}: {}\n", o.posts, number, post.failure().message);
            ++bad;
            continue;
        }
        post->places = tagger->tag(*post);
        fmt::print("{}\n", to_json(*post));
    }
    if (in != stdin)
        std::fclose(in);
    return bad ? 1 : 0;
}

} // namespace

void add_places(CLI::App& app, Command& run) {
    auto* places = app.add_subcommand("places", "the gazetteer: what the place tagger reads");
    places->require_subcommand(1);
    auto explain = std::make_shared<ExplainOptions>();
    auto* e = places->add_subcommand(
        "explain", "every place name read in TEXT, taken or dropped and why, and the places");
    e->add_option("text", explain->text, "the text (- for stdin)")->required();
    add_places_option(*e, explain->places);
    e->callback([explain, &run] {
        run = [explain] {
            return run_explain(*explain);
        };
    });
    auto tag = std::make_shared<TagOptions>();
    auto* t = places->add_subcommand("tag", "print Post JSON lines with their places");
    t->add_option("posts", tag->posts, "Post JSON lines file, or - for stdin")
        ->capture_default_str();
    add_places_option(*t, tag->places);
    t->callback([tag, &run] {
        run = [tag] {
            return run_tag(*tag);
        };
    });
}

} // namespace wijkwacht::cli
