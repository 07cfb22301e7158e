#include "connectors/zstd_frames.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zstd_dict.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace wijkwacht;
using wijkwacht::test::event_dictionary;
using wijkwacht::test::read_file;
using wijkwacht::test::zstd_compress;

namespace {

std::shared_ptr<const ZstdDictionary> dictionary_file(const std::filesystem::path& dir,
                                                      const std::string& bytes) {
    const auto file = dir / "dict.zdict";
    std::ofstream(file, std::ios::binary) << bytes;
    return std::make_shared<const ZstdDictionary>(file);
}

} // namespace

TEST_CASE("zstd: frames made with the dictionary decode; without it they fail") {
    const wijkwacht::test::TempDir dir;
    const auto dictionary = dictionary_file(dir.path(), event_dictionary());
    CHECK(dictionary->id() != 0);
    const std::string event = read_file(wijkwacht::test::fixture("jetstream/events.jsonl"));
    const std::string frame = zstd_compress(event, event_dictionary());
    CHECK(frame.size() < event.size());

    ZstdDecoder decoder(dictionary, 1 << 20);
    for (int i = 0; i < 3; ++i) { // one decoder, many messages
        const auto out = decoder.decode(frame);
        REQUIRE(out.ok());
        CHECK(*out == event);
    }
    ZstdDecoder without(nullptr, 1 << 20);
    const auto mismatch = without.decode(frame);
    REQUIRE_FALSE(mismatch.ok());
    CHECK(mismatch.failure().message.find("zstd: ") == 0);
}

TEST_CASE("zstd: hostile frames are failures, never a crash or a huge allocation") {
    const wijkwacht::test::TempDir dir;
    ZstdDecoder decoder(dictionary_file(dir.path(), event_dictionary()), 1000);
    const std::string big(100000, 'a');
    const auto bomb = decoder.decode(zstd_compress(big, ""));
    REQUIRE_FALSE(bomb.ok());
    CHECK(bomb.failure().message.find("more than 1000 bytes") != std::string::npos);
    const std::string frame = zstd_compress("{\"kind\":\"commit\"}", event_dictionary());
    CHECK_FALSE(decoder.decode(frame.substr(0, frame.size() - 3)).ok()); // truncated
    CHECK_FALSE(decoder.decode(frame + "xyz").ok());                     // trailing bytes
    CHECK_FALSE(decoder.decode("not zstd at all").ok());
    CHECK_FALSE(decoder.decode("").ok());
    const auto fine = decoder.decode(frame); // and the decoder still works
    REQUIRE(fine.ok());
    CHECK(*fine == "{\"kind\":\"commit\"}");
}

TEST_CASE("zstd: a file that is no dictionary is an error naming it") {
    const wijkwacht::test::TempDir dir;
    CHECK_THROWS_WITH_AS(ZstdDictionary(dir.path() / "missing.zdict"),
                         doctest::Contains("missing.zdict: cannot read"), Error);
    std::ofstream(dir.path() / "empty.zdict").flush();
    CHECK_THROWS_WITH_AS(ZstdDictionary(dir.path() / "empty.zdict"), doctest::Contains("is empty"),
                         Error);
}

TEST_CASE("conformance: Jetstream's own dictionary decodes the shared test vectors") {
    const auto dir = wijkwacht::test::shared_fixtures() / "listening";
    if (!std::filesystem::exists(dir / "jetstream_v1_zstd_dictionary.zdict")) {
        MESSAGE("no shared fixtures beside the checkout; skipped");
        return;
    }
    const auto dictionary =
        std::make_shared<const ZstdDictionary>(dir / "jetstream_v1_zstd_dictionary.zdict");
    CHECK(dictionary->id() == 1612007021u);
    ZstdDecoder decoder(dictionary, 4 << 20);
    for (const auto* name : {"ev1.json", "ev2.json", "ev5.json"}) {
        const auto out =
            decoder.decode(read_file(dir / "zstd_testvectors" / (std::string(name) + ".zst")));
        REQUIRE(out.ok());
        CHECK(*out == read_file(dir / "zstd_testvectors" / name));
    }
}
