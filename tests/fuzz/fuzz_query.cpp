// libFuzzer target for the query parser and evaluator: any bytes as a query
// must parse or fail with a column inside the query, and a parsed query must
// evaluate (reference and compiled paths alike) without crashing.
//
// Built by tests/fuzz/run.sh with clang-14 -fsanitize=fuzzer; built with the
// project's compiler as a regression test over the seed corpus otherwise.

#include "rules/matcher.hpp"
#include "rules/query.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace wijkwacht;
    using namespace wijkwacht::rules;
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_query(query);
    if (parsed.error) {
        if (parsed.error->column < 1 || parsed.error->column > query.size() + 1 ||
            parsed.error->message.empty())
            std::abort();
        return 0;
    }
    static const char* k_texts[] = {
        "Inbraak bij #woninginbraak, @wijkagent@x.nl: fiets gestolen! Wie herkent de dader?", "",
        "ＩＮＢＲＡＡＫ in\u00ADbraak café \xFF\xFE", "a b c d e f g h i j k l m n o p"};
    const Matcher matcher({parsed.root.get()});
    Matcher::Scratch scratch;
    TextIndex index;
    for (const char* text : k_texts) {
        Post post;
        post.text = text;
        post.media.push_back({MediaKind::video, "https://x/v.mp4", "", ""});
        const PreparedPost reference(post);
        std::vector<Hit> hits;
        const bool want = evaluate(*parsed.root, reference, hits);
        index.build(post.text);
        matcher.scan(index, scratch);
        const bool candidate = !scratch.candidates().empty();
        hits.clear();
        const bool got =
            candidate && evaluate(*parsed.root, EvalContext{post, index, scratch}, hits);
        if (want != got)
            std::abort(); // the compiled path must agree with the reference
        for (const auto& hit : hits)
            if (hit.span.first > hit.span.second || hit.span.second > post.text.size())
                std::abort();
    }
    return 0;
}
