#pragma once

// The gazetteer as the tools find it: --places, or the installed one.

#include <wijkwacht/places.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace wijkwacht::cli {

// The tagger over the gazetteer at `path` (empty: the installed one, if
// any). Throws ConfigError when a given path does not exist or is broken.
std::optional<PlaceTagger> load_places(const std::string& path);

// Adds --places PATH to `command`.
void add_places_option(CLI::App& command, std::string& path);

} // namespace wijkwacht::cli
