#pragma once

// The console's page, script and style sheet, built into the binary from
// cli/console/ (cli/embed_assets.cmake): nothing to install, nothing
// fetched at run time.

#include <string_view>

namespace wijkwacht::cli {

struct ConsoleAsset {
    std::string_view path; // "/", "/app.js", …
    std::string_view type; // Content-Type
    std::string_view body;
};

// The asset served at `path`, or nullptr.
const ConsoleAsset* find_console_asset(std::string_view path);

} // namespace wijkwacht::cli
