#pragma once

// A zstd dictionary of our own for tests (Jetstream's is not ours to ship),
// trained on event-shaped JSON, and frames compressed with it.

#include <string>
#include <string_view>

namespace wijkwacht::test {

// A formatted dictionary (with an id), the same bytes every call.
const std::string& event_dictionary();

// `text` as one zstd frame with `dictionary` (which may be empty).
std::string zstd_compress(std::string_view text, std::string_view dictionary);

} // namespace wijkwacht::test
