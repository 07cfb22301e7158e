#include "daemon/replay.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

using namespace wijkwacht;
using wijkwacht::test::TempDir;

namespace {
std::string type_of(const std::string& frame) {
    rapidjson::Document doc;
    doc.Parse(frame.c_str());
    REQUIRE(doc.IsObject());
    return doc["type"].GetString();
}
} // namespace

TEST_CASE("replay requests from hostile clients get an error frame, never more") {
    TempDir dir;
    Journal journal(dir.path());
    JournalReader reader(dir.path());
    const std::set<std::string> streams{"all"};
    const auto answer = [&](std::string_view request) {
        return replay_answer(reader, request, streams, journal.epoch());
    };
    const auto refused = [&](std::string_view request) {
        const auto frames = answer(request);
        return frames.size() == 1 && type_of(frames[0]) == "error";
    };
    CHECK(refused(std::string(5000, ' ') + R"({"stream":"all"})"));
    CHECK(refused(std::string(100, '[') + std::string(100, ']')));
    CHECK(refused("{\"stream\":\"\xC3\x28\"}")); // invalid UTF-8
    CHECK(refused(R"({"stream":"all","after":1e30})"));
    CHECK(refused(R"({"stream":"all","after":"3"})"));
    CHECK(refused(R"({"stream":"all","limit":-5})"));
    CHECK(refused(R"({"stream":7})"));
    CHECK(refused(""));
    // A huge limit is capped, not an error.
    const auto frames = answer(R"({"stream":"all","limit":1000000000000})");
    REQUIRE(frames.size() == 1);
    CHECK(type_of(frames[0]) == "end");
}
