// wijkwacht-bench-live: what listening to the whole Bluesky network costs.
// Builds N Jetstream post events (texts from the corpora when --corpus is
// given, else generated), then measures on one core: zstd decoding with a
// dictionary, parsing and filtering (langs = nl, en: every post is taken),
// the default rule packs on each post, and journaling the posts in batches
// as the live runner does (one transaction per batch) against one per post.
// Usage: wijkwacht-bench-live [--events N] [--corpus DIR] [--batch N]

#include "connectors/jetstream.hpp"
#include "connectors/zstd_frames.hpp"
#include "core/json_util.hpp"
#include "daemon/journal.hpp"

#include <wijkwacht/rules.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <zdict.h>
#include <zstd.h>

using namespace wijkwacht;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> corpus_texts(const std::filesystem::path& dir, std::size_t n) {
    std::vector<std::string> texts;
    if (dir.empty() || !std::filesystem::exists(dir))
        return texts;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.path().extension() != ".jsonl")
            continue;
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line) && texts.size() < n;)
            if (auto post = post_from_corpus_line(line, "bench"); post && !post->text.empty())
                texts.push_back(post->text);
        if (texts.size() >= n)
            break;
    }
    return texts;
}

std::string json_escape(std::string_view text) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    write_string(out, text);
    return {buffer.GetString(), buffer.GetSize()};
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"wijkwacht-bench-live: the cost of a live Jetstream firehose on one core"};
    std::size_t count = 200000;
    std::size_t batch = 50;
    std::string corpus;
    cli.add_option("--events", count, "post events to build")->capture_default_str();
    cli.add_option("--corpus", corpus, "take texts from this corpus directory (../shared/corpora)");
    cli.add_option("--batch", batch, "posts per journal transaction")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);

    auto texts = corpus_texts(corpus, count);
    const bool real = !texts.empty();
    for (std::size_t i = texts.size(); texts.size() < count; ++i)
        texts.push_back(
            fmt::format("Bericht {} over de buurt: een fiets is gestolen bij het station "
                        "en de politie zoekt getuigen van de inbraak",
                        i));
    std::vector<std::string> events;
    events.reserve(count);
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        events.push_back(fmt::format(
            R"({{"did":"did:plc:user{}","time_us":{},"kind":"commit","commit":{{"rev":"3mrev{}",)"
            R"("operation":"create","collection":"app.bsky.feed.post","rkey":"3k{}",)"
            R"("record":{{"$type":"app.bsky.feed.post","createdAt":"2026-11-29T09:58:00.000Z",)"
            R"("langs":["{}"],"text":{}}},"cid":"bafyrei{}"}}}})",
            i % 5000, 1795946280000000 + i, i, i, i % 3 ? "nl" : "en",
            json_escape(texts[i % texts.size()]), i));
        bytes += events.back().size();
    }
    fmt::print("{} events, {:.0f} bytes each on average, texts {}\n", count,
               static_cast<double>(bytes) / static_cast<double>(count),
               real ? "from " + corpus : std::string("generated"));

    // zstd with a dictionary trained on the first events (as Jetstream's own).
    std::string samples;
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < std::min<std::size_t>(count, 5000); ++i) {
        samples += events[i];
        sizes.push_back(events[i].size());
    }
    std::string dictionary(110 * 1024, '\0');
    dictionary.resize(ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), samples.data(),
                                            sizes.data(), static_cast<unsigned>(sizes.size())));
    std::vector<std::string> frames;
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::size_t compressed = 0;
    for (const auto& event : events) {
        std::string frame(ZSTD_compressBound(event.size()), '\0');
        frame.resize(ZSTD_compress_usingDict(cctx, frame.data(), frame.size(), event.data(),
                                             event.size(), dictionary.data(), dictionary.size(),
                                             3));
        compressed += frame.size();
        frames.push_back(std::move(frame));
    }
    ZSTD_freeCCtx(cctx);
    const auto dir = std::filesystem::temp_directory_path() / "wijkwacht-bench-live";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "dict") << dictionary;
    ZstdDecoder decoder(std::make_shared<const ZstdDictionary>(dir / "dict"), 4u << 20);

    auto start = Clock::now();
    std::size_t decoded = 0;
    for (const auto& frame : frames)
        decoded += decoder.decode(frame)->size();
    const double t_zstd = since(start);
    fmt::print("zstd decode:     {:>8.2f} µs/event  ({:.0f} events/s; {:.0f} bytes on the wire, "
               "ratio {:.2f})\n",
               t_zstd * 1e6 / count, count / t_zstd,
               static_cast<double>(compressed) / static_cast<double>(count),
               static_cast<double>(compressed) / static_cast<double>(decoded));

    SourceConfig source;
    source.name = "bench";
    source.type = "jetstream";
    JetstreamFilter filter;
    filter.langs = {"nl", "en"};
    std::vector<Post> posts;
    posts.reserve(count);
    start = Clock::now();
    for (const auto& event : events)
        if (auto parsed = parse_jetstream_event(event, filter, source, "2026-11-29T10:00:00Z");
            parsed && parsed->post)
            posts.push_back(std::move(*parsed->post));
    const double t_parse = since(start);
    fmt::print("parse + filter:  {:>8.2f} µs/event  ({:.0f} events/s)\n", t_parse * 1e6 / count,
               count / t_parse);

    const auto rules =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    std::size_t flagged = 0;
    start = Clock::now();
    for (const auto& post : posts)
        flagged += !rules.evaluate(post).empty();
    const double t_rules = since(start);
    fmt::print("rules:           {:>8.2f} µs/post   ({:.0f} posts/s; {} flagged, {:.1f} %)\n",
               t_rules * 1e6 / posts.size(), posts.size() / t_rules, flagged,
               100.0 * flagged / posts.size());

    const auto journal_rate = [&](std::size_t per_transaction, std::size_t n) {
        std::filesystem::remove_all(dir / "state");
        Journal journal(dir / "state");
        const auto flag = [&](const Post& p) -> std::optional<RoutedAlert> {
            auto matches = rules.evaluate(p);
            if (matches.empty())
                return std::nullopt;
            RoutedAlert r;
            r.alert.id = alert_id(p.platform, p.id);
            r.alert.flagged_at = "2026-11-29T10:00:00Z";
            r.alert.matches = std::move(matches);
            summarise_matches(r.alert);
            r.alert.post = p;
            r.streams = {"all"};
            return r;
        };
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; i += per_transaction) {
            const std::vector<Post> slice(
                posts.begin() + static_cast<std::ptrdiff_t>(i),
                posts.begin() + static_cast<std::ptrdiff_t>(std::min(n, i + per_transaction)));
            journal.commit("bench", SourceState{fmt::format("{{\"time_us\":\"{}\"}}", i), "", ""},
                           slice, flag);
        }
        return n / since(t0);
    };
    const std::size_t journaled = std::min<std::size_t>(posts.size(), 50000);
    const double batched = journal_rate(batch, journaled);
    const double single = journal_rate(1, std::min<std::size_t>(journaled, 5000));
    fmt::print("journal:         {:>8.0f} posts/s in batches of {}, {:.0f} posts/s one per "
               "transaction (rules and alerts included)\n",
               batched, batch, single);
    const double per_event = (t_zstd + t_parse) / count + t_rules / posts.size() + 1 / batched;
    fmt::print("all together:    {:>8.2f} µs/event: one core keeps up with {:.0f} events/s, "
               "{:.0f}x Bluesky's ~50 posts/s\n",
               per_event * 1e6, 1 / per_event, 1 / per_event / 50);
    std::filesystem::remove_all(dir);
}
