// wijkwacht-bench: throughput of the per-post work on one core: feed
// parsing (bytes to Posts) and rule evaluation (the default packs).
// Usage: wijkwacht-bench [--posts N] [--rules DIR]

#include "connectors/feed.hpp"

#include <wijkwacht/rules.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <random>

using namespace wijkwacht;

namespace {

const char* k_sentences[] = {
    "Vannacht is er ingebroken bij een woning aan de Lindenstraat.",
    "Woensdag koffie met de wijkagent in buurthuis De Linde.",
    "Mijn fiets is vanmiddag gestolen bij het station, wie heeft iets gezien?",
    "Wat een prachtige zonsondergang vanavond boven de haven.",
    "Oplichters doen zich via WhatsApp voor als uw zoon of dochter.",
    "Tips om inbraak te voorkomen in de donkere dagen.",
    "Witnesses sought after a man was stabbed outside a nightclub.",
    "Vandaag met de scouting de wijk opgeruimd, top gedaan!",
    "Camerabeelden van de overval op de supermarkt: herkent u de dader?",
    "Police open day this Saturday: meet the dog unit.",
};

std::string make_text(std::mt19937& random) {
    std::uniform_int_distribution<std::size_t> pick(0, std::size(k_sentences) - 1);
    std::string text = k_sentences[pick(random)];
    text += ' ';
    text += k_sentences[pick(random)];
    text += ' ';
    text += k_sentences[pick(random)];
    return text;
}

template <typename Fn> double seconds(Fn&& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench: feed parsing and rule evaluation throughput on one core"};
    std::size_t count = 200000;
    std::string rules_dir = WIJKWACHT_SOURCE_DIR "/rules/packs";
    cli.add_option("--posts", count, "posts to evaluate")->capture_default_str();
    cli.add_option("--rules", rules_dir, "rule file or directory")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);

    std::mt19937 random(42);
    std::vector<Post> posts(count);
    std::size_t bytes = 0;
    for (auto& p : posts) {
        p.source = "bench";
        p.platform = "feed";
        p.id = "x";
        p.text = make_text(random);
        bytes += p.text.size();
    }

    RuleSet rules;
    const double load = seconds([&] { rules = RuleSet::load({rules_dir}); });
    std::size_t flagged = 0;
    const double eval = seconds([&] {
        for (const auto& p : posts)
            flagged += rules.evaluate(p).empty() ? 0 : 1;
    });
    fmt::print("rules: {} enabled, loaded in {:.1f} ms\n", rules.enabled_count(), load * 1000);
    fmt::print(
        "evaluate: {} posts ({:.0f} bytes avg), {} flagged, {:.0f} posts/s, {:.2f} us/post\n",
        count, static_cast<double>(bytes) / static_cast<double>(count), flagged,
        static_cast<double>(count) / eval, eval * 1e6 / static_cast<double>(count));

    // One 50-item RSS document, parsed repeatedly.
    std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>bench</title>";
    for (int i = 0; i < 50; ++i)
        rss +=
            fmt::format("<item><guid>https://bench.example/{}</guid><title>Bericht {}</title>"
                        "<link>https://bench.example/{}</link><pubDate>Sun, 29 Nov 2026 10:00:00 "
                        "+0100</pubDate><description>&lt;p&gt;{}&lt;/p&gt;</description></item>",
                        i, i, i, make_text(random));
    rss += "</channel></rss>";
    const FeedContext context{
        "bench", "https://bench.example/feed.xml", {}, "2026-11-29T10:00:00Z", "", ""};
    const std::size_t documents = std::max<std::size_t>(count / 100, 100);
    std::size_t items = 0;
    const double parse = seconds([&] {
        for (std::size_t i = 0; i < documents; ++i)
            items += parse_feed(rss, context)->size();
    });
    fmt::print("feed parse: {} documents of {} bytes, {:.0f} items/s, {:.1f} MB/s\n", documents,
               rss.size(), static_cast<double>(items) / parse,
               static_cast<double>(rss.size() * documents) / parse / 1e6);
    return 0;
}
