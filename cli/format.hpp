#pragma once

#include <wijkwacht/post.hpp>

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht::cli {

// `text` with the byte spans marked: bold red on a terminal (`color`),
// [brackets] otherwise. Overlapping and out-of-range spans are skipped.
std::string emphasise(const std::string& text, std::vector<Span> spans, bool color);

// A place for people: "Bergen (woonplaats; Bergen, Noord-Holland; text)".
std::string describe_place(const Place& place);
// The places of a post, "; "-separated, and its areas; empty without places.
std::string describe_places(const Post& post);

// Every span of every match of an alert.
std::vector<Span> match_spans(const Alert& alert);

// An alert for people: time, severity, categories, stream position, id (the
// first 12 hex digits, enough to claim it), author, text with the matched
// terms marked, link, media, rules, and where it stands when the daemon
// said (replay with states). Flushes stdout.
void print_alert(const Alert& alert, bool color, std::string_view state = {});

// What an alert_update says, in one line for people ("10:02:03 a1b2c3d4e5f6
// claimed by anna  [centrum #312]"), the note on the next. Empty when
// `update` is not one.
std::string describe_update(const rapidjson::Value& update, bool color);

// What a reader of a stream has seen of incidents: a later alert of an
// incident it has shown is folded into one line.
struct Folding {
    std::map<std::string, std::string> shown; // incident -> its first alert's id
    std::map<std::string, std::string> texts; // folded alerts' text, until their update
};

// "+2 on incident 1a2b3c4d5e6f (3 posts) Utrecht · crime.violence", the
// line for an incident_update; empty when `update` is not one.
std::string describe_incident_update(const rapidjson::Value& update, bool color);

// Prints one message of a stream as people read it: an alert, an
// alert_update, an incident_update, or anything else as it came. With
// `folding`, a later alert of an incident already shown is one line.
// Problems go to stderr prefixed with `who`.
void print_message(std::string_view who, std::string_view stream, const std::string& body,
                   bool color, Folding* folding = nullptr);

} // namespace wijkwacht::cli
