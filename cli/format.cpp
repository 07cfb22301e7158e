#include "cli/format.hpp"

#include "core/json_util.hpp"

#include <wijkwacht/json.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace wijkwacht::cli {

std::string emphasise(const std::string& text, std::vector<Span> spans, bool color) {
    std::sort(spans.begin(), spans.end());
    const std::string open = color ? "\033[1;31m" : "[";
    const std::string close = color ? "\033[0m" : "]";
    std::string out;
    std::size_t pos = 0;
    for (const auto& [begin, end] : spans) {
        if (begin < pos || begin >= end || end > text.size())
            continue;
        out += text.substr(pos, begin - pos) + open + text.substr(begin, end - begin) + close;
        pos = end;
    }
    return out + text.substr(pos);
}

std::vector<Span> match_spans(const Alert& alert) {
    std::vector<Span> spans;
    for (const auto& m : alert.matches)
        spans.insert(spans.end(), m.spans.begin(), m.spans.end());
    return spans;
}

namespace {
std::string local_time(const std::string& rfc3339) {
    const auto t = parse_rfc3339(rfc3339);
    if (!t)
        return rfc3339;
    const std::time_t secs = std::chrono::system_clock::to_time_t(*t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

} // namespace

std::string describe_place(const Place& p) {
    std::string above;
    for (const auto* name : {&p.gemeente, &p.provincie, &p.eenheid, &p.authority, &p.force})
        if (!name->empty() && *name != p.name && above.find(*name) == std::string::npos)
            above += (above.empty() ? "" : ", ") + *name;
    return fmt::format("{} ({}{}; {})", p.name, p.kind, above.empty() ? "" : "; " + above, p.how);
}

std::string describe_places(const Post& post) {
    std::string out;
    for (const auto& p : post.places)
        out += (out.empty() ? "" : "; ") + describe_place(p);
    if (!post.areas.empty()) {
        std::string areas;
        for (const auto& a : post.areas)
            areas += (areas.empty() ? "" : ", ") + a;
        out += "  [area " + areas + "]";
    }
    return out;
}

void print_alert(const Alert& a, bool color, std::string_view state) {
    std::string categories;
    for (const auto& c : a.categories)
        categories += (categories.empty() ? "" : ", ") + c;
    std::string severity(to_string(a.severity));
    for (auto& c : severity)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string bold = color ? "\033[1m" : "";
    const std::string reset = color ? "\033[0m" : "";
    fmt::print("{}{}  {:<8} {}{}  [{} #{}] {}{}\n", bold, local_time(a.flagged_at), severity,
               categories, reset, a.stream, a.stream_seq, a.id.substr(0, 12),
               state.empty() ? "" : fmt::format("  ({})", state));
    std::string who = a.post.author.name;
    if (!a.post.author.handle.empty())
        who += (who.empty() ? "" : " ") + std::string("(@") + a.post.author.handle + ")";
    fmt::print("  {} · {}{}\n", a.post.source, who.empty() ? "unknown author" : who,
               a.post.created_at.empty() ? "" : " · " + local_time(a.post.created_at));
    std::string text = emphasise(a.post.text, match_spans(a), color);
    std::string indented;
    for (const char c : text)
        indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    fmt::print("  {}\n", indented);
    if (!a.post.url.empty())
        fmt::print("  {}\n", a.post.url);
    if (!a.post.places.empty())
        fmt::print("  where: {}\n", describe_places(a.post));
    for (const auto& m : a.post.media)
        fmt::print("  {}: {}{}\n", to_string(m.kind), m.url,
                   m.description.empty() ? "" : " (" + m.description + ")");
    std::string rules;
    for (const auto& m : a.matches) {
        std::string terms;
        for (const auto& t : m.terms)
            terms += (terms.empty() ? "" : ", ") + t;
        rules += fmt::format("{}{} ({})", rules.empty() ? "" : "; ", m.rule, terms);
    }
    fmt::print("  rules: {}\n\n", rules);
    std::fflush(stdout);
}

std::string describe_update(const rapidjson::Value& u, bool color) {
    if (json_text(u, "type") != "alert_update")
        return {};
    const auto op = json_text(u, "op");
    const auto by = json_text(u, "by");
    std::string what;
    if (op == "claim")
        what = "claimed by " + by;
    else if (op == "release")
        what = "released by " + by;
    else if (op == "ack")
        what = "acknowledged by " + by;
    else if (op == "resolve")
        what = "resolved by " + by;
    else if (op == "reopen")
        what = "reopened by " + by;
    else if (op == "escalate")
        what = fmt::format("escalated to {} by {}", json_text(u, "to"), by);
    else if (op == "note")
        what = "note by " + by;
    else if (op == "expire")
        what = "claim expired";
    else
        what = fmt::format("{} by {} (now {})", op, by, json_text(u, "state"));
    const std::string dim = color ? "\033[2m" : "";
    const std::string reset = color ? "\033[0m" : "";
    std::string line =
        fmt::format("{}  {} {}  {}[{} #{}]{}", local_time(json_text(u, "at")),
                    json_text(u, "alert").substr(0, 12), what, dim, json_text(u, "stream"),
                    json_int64(u, "stream_seq").value_or(0), reset);
    if (const auto note = json_text(u, "note"); !note.empty() && op != "expire")
        line += "\n    " + note;
    return line;
}

std::string describe_incident_update(const rapidjson::Value& u, bool color) {
    if (json_text(u, "type") != "incident_update")
        return {};
    std::string where;
    if (const auto* places = json_array(u, "places"))
        for (const auto& p : places->GetArray())
            if (p.IsObject() && where.size() < 60)
                where += (where.empty() ? "" : ", ") + json_text(p, "name");
    std::string categories;
    if (const auto* list = json_array(u, "categories"))
        for (const auto& c : list->GetArray())
            if (c.IsString())
                categories += (categories.empty() ? "" : ", ") + std::string(as_view(c));
    const auto count = json_int64(u, "count").value_or(0);
    const std::string dim = color ? "\033[2m" : "";
    const std::string reset = color ? "\033[0m" : "";
    return fmt::format("{}  +{} on incident {} ({} posts){}{}{}  {}[{} #{}]{}",
                       local_time(json_text(u, "last_at")), count > 1 ? count - 1 : 1,
                       json_text(u, "incident").substr(0, 12), count,
                       where.empty() ? "" : " " + where, categories.empty() ? "" : " · ",
                       categories, dim, json_text(u, "stream"),
                       json_int64(u, "stream_seq").value_or(0), reset);
}

void print_message(std::string_view who, std::string_view stream, const std::string& body,
                   bool color, Folding* folding) {
    rapidjson::Document doc;
    if (auto error = parse_json(body, doc, 64); error || !doc.IsObject()) {
        fmt::print(stderr, "{}: [{}] unreadable message: {}\n", who, stream,
                   error.value_or("not an object"));
        return;
    }
    const auto type = json_text(doc, "type");
    if (type == "alert") {
        // Replayed with states: where it stands, unless still new.
        std::string state = json_text(doc, "state");
        if (state == "new")
            state.clear();
        else if (const auto owner = json_text(doc, "owner"); !state.empty() && !owner.empty())
            state += " by " + owner;
        const auto alert = alert_from_json(body);
        if (alert && folding && !alert->incident.empty() && folding->shown.count(alert->incident)) {
            // Its incident_update, next on the stream, says it in one line.
            folding->texts[alert->id] = alert->post.text.substr(0, 100);
            return;
        }
        if (alert && folding && !alert->incident.empty())
            folding->shown.emplace(alert->incident, alert->id);
        if (alert)
            print_alert(*alert, color, state);
        else
            fmt::print(stderr, "{}: [{}] unreadable alert: {}\n", who, stream,
                       alert.failure().message);
    } else if (type == "alert_update") {
        fmt::print("{}\n\n", describe_update(doc, color));
    } else if (type == "incident_update") {
        std::string line = describe_incident_update(doc, color);
        if (folding) {
            const auto it = folding->texts.find(json_text(doc, "alert"));
            if (it != folding->texts.end()) {
                std::string text;
                for (const char c : it->second)
                    text += c == '\n' ? ' ' : c;
                line += "\n    " + text;
                folding->texts.erase(it);
            }
        }
        fmt::print("{}\n\n", line);
    } else {
        fmt::print("[{}] {}\n", stream, body);
    }
    std::fflush(stdout);
}

} // namespace wijkwacht::cli
