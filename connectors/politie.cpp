#include "connectors/politie.hpp"

#include "connectors/html_text.hpp"
#include "connectors/json_cursor.hpp"
#include "core/json_util.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace wijkwacht {

namespace {

// The API returns at most 200 news items; the other lists are short.
constexpr int k_max_offset = 200 - k_politie_page;

// Members by name without regard to case: the API's keys are lower case,
// its documentation's camelCase.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
    if (!object.IsObject())
        return nullptr;
    for (const auto& m : object.GetObject())
        if (ascii_iequals(as_view(m.name), name))
            return m.value.IsNull() ? nullptr : &m.value;
    return nullptr;
}

std::string text_of(const rapidjson::Value& object, std::string_view name) {
    const auto* value = member(object, name);
    return value && value->IsString() ? std::string(as_view(*value)) : std::string();
}

// The list each kind answers with.
std::string_view list_key(std::string_view kind) {
    if (kind == "nieuws")
        return "nieuwsberichten";
    if (kind == "gezocht")
        return "opsporingsberichten";
    return "vermisten";
}

void add_image(const rapidjson::Value* image, std::vector<Media>& out) {
    if (!image || !image->IsObject())
        return;
    const std::string url = text_of(*image, "url");
    if (!url.empty())
        out.push_back({MediaKind::image, url, "", collapse_whitespace(text_of(*image, "alttext"))});
}

void add_images(const rapidjson::Value* images, std::vector<Media>& out) {
    if (images && images->IsArray())
        for (const auto& image : images->GetArray())
            add_image(&image, out);
}

// Descriptions of a person (signalementen), each with its picture.
void add_descriptions(const rapidjson::Value* descriptions, std::vector<Media>& out) {
    if (descriptions && descriptions->IsArray())
        for (const auto& d : descriptions->GetArray())
            add_image(member(d, "afbeelding"), out);
}

void add_videos(const rapidjson::Value* videos, std::vector<Media>& out) {
    if (!videos || !videos->IsArray())
        return;
    for (const auto& video : videos->GetArray()) {
        const std::string url = video.IsObject() ? text_of(video, "url") : std::string();
        if (!url.empty())
            out.push_back(
                {MediaKind::video, url, "", collapse_whitespace(text_of(video, "captiontitle"))});
    }
}

// An HTML error page's <title>, or its first words.
std::string html_title(std::string_view body) {
    const std::string lower = ascii_lower(body.substr(0, 4096));
    const auto open = lower.find("<title>");
    const auto close = lower.find("</title>");
    if (open != std::string::npos && close > open)
        return collapse_whitespace(html_to_text(body.substr(open + 7, close - open - 7)).text);
    return collapse_whitespace(html_to_text(body.substr(0, 200)).text);
}

Post to_post(const rapidjson::Value& item, const SourceConfig& source,
             std::string_view fetched_at) {
    Post post;
    post.source = source.name;
    post.platform = "politie";
    post.url = text_of(item, "url");
    const std::string uid = text_of(item, "uid");
    post.id = !post.url.empty() ? post.url : uid.empty() ? std::string() : "politie:" + uid;
    const std::string area = text_of(item, "gebied");
    post.author = {"politie.nl", area.empty() ? "Politie" : "Politie " + area,
                   "https://www.politie.nl"};
    const auto created = parse_dutch_local_time(text_of(item, "publicatiedatum"));
    post.created_at = created ? format_rfc3339(*created) : std::string(fetched_at);
    post.fetched_at = std::string(fetched_at);
    post.lang = "nl";

    std::vector<std::string> parts;
    const auto add = [&parts](const std::string& html) {
        std::string text = collapse_whitespace(html_to_text(html).text);
        if (!text.empty() && std::find(parts.begin(), parts.end(), text) == parts.end())
            parts.push_back(std::move(text));
    };
    add(text_of(item, "titel"));
    add(text_of(item, "introductie"));
    if (const auto* paragraphs = member(item, "alineas"); paragraphs && paragraphs->IsArray())
        for (const auto& p : paragraphs->GetArray())
            if (p.IsObject()) {
                add(text_of(p, "titel"));
                add(text_of(p, "opgemaaktetekst"));
            }
    for (const auto* key : {"omschrijving", "laatstgezienin", "vragen", "vraag", "uwtip"})
        add(text_of(item, key));
    add_image(member(item, "afbeelding"), post.media);
    add_images(member(item, "afbeeldingen"), post.media);
    add_images(member(item, "meerafbeeldingen"), post.media);
    add_videos(member(item, "videos"), post.media);
    // Wanted persons: the case in one of four representations.
    for (const auto& m : item.GetObject()) {
        const std::string name = ascii_lower(as_view(m.name));
        if (!name.ends_with("representation") || !m.value.IsObject())
            continue;
        add(text_of(m.value, "vraag"));
        add(text_of(m.value, "update"));
        add(text_of(m.value, "plaatsdelict"));
        add_videos(member(m.value, "videos"), post.media);
        add_descriptions(member(m.value, "signalementen"), post.media);
    }
    add_descriptions(member(item, "signalementen"), post.media);
    std::vector<Media> unique;
    for (auto& m : post.media)
        if (std::none_of(unique.begin(), unique.end(),
                         [&](const Media& u) { return u.url == m.url; }))
            unique.push_back(std::move(m));
    post.media = std::move(unique);
    for (const auto& part : parts)
        post.text += (post.text.empty() ? "" : "\n") + part;
    post.tags = source.tags;
    // Where the police say it is: the item's area names ("Tilburg, Waalwijk")
    // and its coordinates, as hints the place tagger resolves.
    std::string_view names = area;
    while (!names.empty()) {
        const auto comma = names.find(',');
        auto name = names.substr(0, comma);
        while (!name.empty() && name.front() == ' ')
            name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ')
            name.remove_suffix(1);
        if (!name.empty()) {
            Place hint;
            hint.how = "field";
            hint.name = std::string(name);
            post.places.push_back(std::move(hint));
        }
        names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    }
    if (const auto* places = member(item, "locaties"); places && places->IsArray())
        for (const auto& at : places->GetArray()) {
            const auto* lat = at.IsObject() ? member(at, "latitude") : nullptr;
            const auto* lon = at.IsObject() ? member(at, "longitude") : nullptr;
            if (lat && lon && lat->IsNumber() && lon->IsNumber() &&
                std::abs(lat->GetDouble()) <= 90 && std::abs(lon->GetDouble()) <= 180) {
                Place hint;
                hint.how = "geo";
                hint.lat = lat->GetDouble();
                hint.lon = lon->GetDouble();
                post.places.push_back(std::move(hint));
            }
        }
    return post;
}

int to_int(const std::string& text) {
    int value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

} // namespace

std::optional<SysTime> parse_dutch_local_time(std::string_view text) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (text.size() < 16 || std::sscanf(std::string(text).c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d",
                                        &y, &mo, &d, &h, &mi, &s) < 5)
        return std::nullopt;
    const year_month_day day{year(y), month(static_cast<unsigned>(mo)),
                             std::chrono::day(static_cast<unsigned>(d))};
    if (!day.ok() || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    const auto local = sys_days(day) + hours(h) + minutes(mi) + seconds(s);
    // EU summer time: from 01:00 UTC on the last Sunday of March to 01:00
    // UTC on the last Sunday of October (CEST, UTC+2); else CET, UTC+1.
    const auto begin = sys_days(year(y) / March / Sunday[last]) + hours(1);
    const auto end = sys_days(year(y) / October / Sunday[last]) + hours(1);
    const auto summer = local - hours(2);
    if (summer >= begin && summer < end)
        return time_point_cast<system_clock::duration>(summer);
    return time_point_cast<system_clock::duration>(local - hours(1));
}

PolitieConnector::PolitieConnector(SourceConfig source) : m_source(std::move(source)) {
    m_api = m_source.url.empty() ? std::string(k_politie_api) : m_source.url;
    while (m_api.ends_with('/'))
        m_api.pop_back();
    if (m_source.kinds.empty())
        m_source.kinds = {"nieuws", "gezocht", "vermist"};
}

HttpRequest PolitieConnector::next_request(std::string_view cursor_text) const {
    const auto cursor = read_cursor(cursor_text);
    const auto index =
        cursor.count("kind") ? static_cast<std::size_t>(to_int(cursor.at("kind"))) : 0;
    const std::string& kind = m_source.kinds[index % m_source.kinds.size()];
    const int offset = cursor.count("offset") ? to_int(cursor.at("offset")) : 0;
    HttpRequest request;
    request.url = fmt::format("{}/v4/{}?language=nl", m_api, kind);
    if (m_source.lat && m_source.lon)
        request.url += fmt::format("&lat={:.6f}&lon={:.6f}&radius={:.1f}", *m_source.lat,
                                   *m_source.lon, m_source.radius);
    request.url += fmt::format("&maxnumberofitems={}&offset={}", k_politie_page, offset);
    request.headers.emplace_back("Accept", "application/json");
    return request;
}

Result<FetchResult> PolitieConnector::parse(const HttpResponse& response,
                                            std::string_view cursor_text) const {
    auto cursor = read_cursor(cursor_text);
    const auto index = cursor.count("kind") ? static_cast<std::size_t>(to_int(cursor["kind"])) %
                                                  m_source.kinds.size()
                                            : 0;
    const std::string& kind = m_source.kinds[index];
    const int offset = cursor.count("offset") ? to_int(cursor["offset"]) : 0;
    FetchResult result;
    bool last = true;
    std::optional<SysTime> newest_here, oldest_here;
    const std::string_view body = response.body;
    const auto start = body.find_first_not_of(" \t\r\n");
    if (response.status != 204 && start != std::string_view::npos) {
        if (body[start] == '<')
            return transient_failure(fmt::format(
                "the API answered with an HTML page, not JSON: \"{}\"", html_title(body)));
        rapidjson::Document doc;
        if (auto error = parse_json(body, doc, 64))
            return permanent_failure(fmt::format("not JSON: {}", *error));
        if (!doc.IsObject())
            return permanent_failure("expected a JSON object with \"iterator\"");
        if (const auto* iterator = member(doc, "iterator"))
            if (const auto* l = member(*iterator, "last"); l && l->IsBool())
                last = l->GetBool();
        const auto* items = member(doc, list_key(kind));
        if (items && !items->IsArray())
            return permanent_failure(fmt::format("\"{}\" is not a list", list_key(kind)));
        if (items)
            for (const auto& item : items->GetArray()) {
                if (!item.IsObject())
                    continue;
                Post post = to_post(item, m_source, response.fetched_at);
                if (post.id.empty())
                    continue;
                if (const auto at = parse_rfc3339(post.created_at)) {
                    newest_here = newest_here ? std::max(*newest_here, *at) : *at;
                    oldest_here = oldest_here ? std::min(*oldest_here, *at) : *at;
                }
                result.posts.push_back(std::move(post));
            }
    }
    const std::string newest_key = "newest." + kind, pass_key = "pass." + kind;
    if (newest_here && (!cursor.count(pass_key) || format_rfc3339(*newest_here) > cursor[pass_key]))
        cursor[pass_key] = format_rfc3339(*newest_here);
    // Page back while the whole page is newer than the last cycle's newest.
    const auto known = cursor.count(newest_key) ? parse_rfc3339(cursor[newest_key]) : std::nullopt;
    if (!last && known && oldest_here && *oldest_here > *known &&
        offset + k_politie_page <= k_max_offset) {
        cursor["offset"] = std::to_string(offset + k_politie_page);
        result.more = true;
    } else {
        // This kind is done: the next one, or the end of the cycle.
        if (cursor.count(pass_key))
            cursor[newest_key] = cursor[pass_key];
        cursor.erase(pass_key);
        cursor.erase("offset");
        const std::size_t next = index + 1;
        result.more = next < m_source.kinds.size();
        if (result.more)
            cursor["kind"] = std::to_string(next);
        else
            cursor.erase("kind");
    }
    result.cursor = write_cursor(cursor);
    return result;
}

std::string PolitieConnector::advice(const Failure& failure, std::string_view) const {
    if (failure.status == 400)
        return "the API refused the request: radius must be 0.5, 2, 5, 10 or 25 km and lat/lon "
               "a point in the Netherlands";
    return {};
}

} // namespace wijkwacht
