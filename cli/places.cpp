// wijkwacht places explain: what the place tagger reads in a text, and why.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/places.hpp"

#include <wijkwacht/config.hpp>
#include <wijkwacht/error.hpp>
#include <wijkwacht/places.hpp>

#include <fmt/format.h>

#include <iostream>
#include <iterator>

namespace wijkwacht::cli {

std::optional<PlaceTagger> load_places(const std::string& path) {
    const std::filesystem::path p = path.empty() ? std::filesystem::path(k_places_dir)
                                                 : std::filesystem::path(path);
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

} // namespace

void add_places(CLI::App& app, Command& run) {
    auto* places = app.add_subcommand("places", "the gazetteer: what the place tagger reads");
    places->require_subcommand(1);
    auto explain = std::make_shared<ExplainOptions>();
    auto* e = places->add_subcommand(
        "explain", "every place name read in TEXT, taken or dropped and why, and the places");
    e->add_option("text", explain->text, "the text (- for stdin)")->required();
    add_places_option(*e, explain->places);
    e->callback([explain, &run] { run = [explain] { return run_explain(*explain); }; });
}

} // namespace wijkwacht::cli
