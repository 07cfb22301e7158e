#pragma once

#include <wijkwacht/post.hpp>

#include <string>
#include <vector>

namespace wijkwacht::cli {

// `text` with the byte spans marked: bold red on a terminal (`color`),
// [brackets] otherwise. Overlapping and out-of-range spans are skipped.
std::string emphasise(const std::string& text, std::vector<Span> spans, bool color);

// Every span of every match of an alert.
std::vector<Span> match_spans(const Alert& alert);

// An alert for people: time, severity, categories, author, text with the
// matched terms marked, link, media, rules. Flushes stdout.
void print_alert(const Alert& alert, bool color);

} // namespace wijkwacht::cli
