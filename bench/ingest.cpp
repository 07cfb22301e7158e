// wijkwacht-bench-ingest generate: writes N RSS feeds of 20 items for
// bench/ingest.sh, with the wijkwachtd configuration and newsboat's URL list
// that poll them from a loopback web server. A new --round changes every
// item (new guids), an unchanged round leaves the files untouched.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

constexpr const char* k_titles[] = {
    "Inbraak in woning aan de Lindenstraat",    "Fiets gestolen bij het station",
    "Koffie met de wijkagent in het buurthuis", "Wie herkent deze man? Camerabeelden vrijgegeven",
    "Verkeerscontrole op de Rijksweg",          "Oplichters actief via WhatsApp",
    "Open dag bij het politiebureau",           "Vermiste man (82) terecht",
    "Overval op tankstation, getuigen gezocht", "Nieuwe wijkagent voor Noord"};

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-ingest: feeds, configuration and URL list for bench/ingest.sh"};
    std::string dir;
    int feeds = 1000;
    int round = 1;
    int port = 8790;
    std::string rules;
    cli.add_option("--dir", dir)->required();
    cli.add_option("--feeds", feeds)->capture_default_str();
    cli.add_option("--round", round, "content generation; a new round changes every item")
        ->capture_default_str();
    cli.add_option("--port", port)->capture_default_str();
    cli.add_option("--rules", rules, "rules directory for the configuration")->required();
    CLI11_PARSE(cli, argc, argv);

    const fs::path root(dir);
    fs::create_directories(root / "www");
    std::ofstream config(root / "wijkwacht.toml");
    config << fmt::format("[daemon]\nstate_dir = \"state\"\nrules = [\"{}\"]\n"
                          "user_agent = \"wijkwacht-bench/1 (+mailto:bench@example.org)\"\n"
                          "[publish]\nendpoint = \"ipc://{}/pub.sock\"\n\n",
                          rules, fs::absolute(root).string());
    std::ofstream urls(root / "urls");
    for (int f = 0; f < feeds; ++f) {
        const std::string name = fmt::format("feed-{}.xml", f);
        const std::string url = fmt::format("http://127.0.0.1:{}/{}", port, name);
        config << fmt::format(
            "[[source]]\nname = \"feed-{}\"\ntype = \"feed\"\nurl = \"{}\"\ninterval = \"10m\"\n\n",
            f, url);
        urls << url << '\n';
        std::string rss =
            fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
                        "<title>Wijk {}</title><link>https://wijk{}.example/</link>"
                        "<description>Berichten</description>\n",
                        f, f);
        for (int i = 0; i < 20; ++i)
            rss += fmt::format("<item><guid>https://wijk{}.example/r{}/{}</guid><title>{}</title>"
                               "<link>https://wijk{}.example/r{}/{}</link>"
                               "<pubDate>Sun, 29 Nov 2026 {:02}:{:02}:00 +0100</pubDate>"
                               "<description>&lt;p&gt;{} (bericht {} van ronde "
                               "{}).&lt;/p&gt;</description></item>\n",
                               f, round, i, k_titles[(f + i) % std::size(k_titles)], f, round, i,
                               i % 24, (f + i) % 60, k_titles[(f * 7 + i) % std::size(k_titles)], i,
                               round);
        rss += "</channel></rss>\n";
        std::ofstream(root / "www" / name) << rss;
    }
    fmt::print("{} feeds of 20 items (round {}) in {}\n", feeds, round, (root / "www").string());
    return 0;
}
