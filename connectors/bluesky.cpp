#include "connectors/bluesky.hpp"

#include "connectors/bluesky_record.hpp"
#include "connectors/json_cursor.hpp"
#include "connectors/reply_window.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>

namespace wijkwacht {

namespace {

// Embed views to media: images, video, gallery, external links, and the
// media of a record-with-media (a quote with pictures).
void embed_media(const rapidjson::Value& embed, std::vector<Media>& out, int depth = 0) {
    const std::string type = json_text(embed, "$type");
    if (type == "app.bsky.embed.images#view") {
        if (const auto* images = json_array(embed, "images"))
            for (const auto& image : images->GetArray())
                out.push_back({MediaKind::image, json_text(image, "fullsize"),
                               json_text(image, "thumb"),
                               collapse_whitespace(json_text(image, "alt"))});
    } else if (type == "app.bsky.embed.video#view") {
        out.push_back({MediaKind::video, json_text(embed, "playlist"),
                       json_text(embed, "thumbnail"),
                       collapse_whitespace(json_text(embed, "alt"))});
    } else if (type == "app.bsky.embed.gallery#view") {
        if (const auto* items = json_array(embed, "items"))
            for (const auto& item : items->GetArray())
                out.push_back({MediaKind::image, json_text(item, "fullsize"),
                               json_text(item, "thumbnail"),
                               collapse_whitespace(json_text(item, "alt"))});
    } else if (type == "app.bsky.embed.external#view") {
        if (const auto* external = json_object(embed, "external"))
            out.push_back({MediaKind::link, json_text(*external, "uri"),
                           json_text(*external, "thumb"),
                           collapse_whitespace(json_text(*external, "title"))});
    } else if (type == "app.bsky.embed.recordWithMedia#view" && depth == 0) {
        if (const auto* media = json_object(embed, "media"))
            embed_media(*media, out, depth + 1);
    }
    std::erase_if(out, [](const Media& m) { return m.url.empty(); });
}

std::optional<SysTime> when(std::string_view text) {
    return parse_rfc3339(text);
}

} // namespace

BlueskyConnector::BlueskyConnector(SourceConfig source) : m_source(std::move(source)) {
    m_appview = m_source.appview;
    while (!m_appview.empty() && m_appview.back() == '/')
        m_appview.pop_back();
}

HttpRequest BlueskyConnector::next_request(std::string_view cursor_text) const {
    const auto cursor = read_cursor(cursor_text);
    HttpRequest request;
    if (const auto post = reply_round_post(cursor)) {
        request.url =
            fmt::format("{}/xrpc/app.bsky.feed.getPostThread?uri={}&depth={}&parentHeight=0",
                        m_appview, url_encode(*post), k_thread_depth);
        request.headers.emplace_back("Accept", "application/json");
        return request;
    }
    request.url = fmt::format("{}/xrpc/app.bsky.feed.getAuthorFeed?actor={}&limit={}", m_appview,
                              url_encode(m_source.actor), k_bluesky_page);
    if (const auto page = cursor.find("page"); page != cursor.end())
        request.url += "&cursor=" + url_encode(page->second);
    request.headers.emplace_back("Accept", "application/json");
    return request;
}

std::optional<Post> BlueskyConnector::view_post(const rapidjson::Value& p,
                                                const std::string& parent_handle,
                                                const std::string& fetched_at) const {
    const auto* record = json_object(p, "record");
    const auto* author = json_object(p, "author");
    Post post;
    post.source = m_source.name;
    post.platform = "bluesky";
    post.id = json_text(p, "uri");
    if (post.id.empty() || !record)
        return std::nullopt;
    const std::string handle = author ? json_text(*author, "handle") : std::string();
    post.author.handle = handle;
    post.author.name =
        author ? collapse_whitespace(json_text(*author, "displayName")) : std::string();
    if (!handle.empty()) {
        post.author.url = "https://bsky.app/profile/" + handle;
        post.url = post.author.url + "/post/" + post.id.substr(post.id.rfind('/') + 1);
    }
    post.text = json_text(*record, "text");
    const auto created = when(json_text(*record, "createdAt"));
    const auto indexed = when(json_text(p, "indexedAt"));
    post.created_at = created   ? format_rfc3339(*created)
                      : indexed ? format_rfc3339(*indexed)
                                : fetched_at;
    post.fetched_at = fetched_at;
    if (const auto* langs = json_array(*record, "langs");
        langs && langs->Size() > 0 && (*langs)[0].IsString())
        post.lang = std::string(as_view((*langs)[0]));
    if (const auto refs = record_reply(*record)) {
        post.reply = true;
        if (!refs->parent.empty()) {
            ReplyTo parent{refs->parent, bsky_post_url(refs->parent), parent_handle};
            if (parent.handle.empty())
                if (const auto at = parse_at_uri(refs->parent))
                    parent.handle = at->did;
            post.reply_to = std::move(parent);
        }
    }
    for (auto& mention : record_mentions(*record))
        post.mentions.push_back(std::move(mention.handle));
    if (const auto* embed = json_object(p, "embed"))
        embed_media(*embed, post.media);
    post.tags = m_source.tags;
    return post;
}

Result<FetchResult> BlueskyConnector::parse(const HttpResponse& response,
                                            std::string_view cursor_text) const {
    auto cursor = read_cursor(cursor_text);
    rapidjson::Document doc;
    if (auto error = parse_json(response.body, doc, 128))
        return permanent_failure(fmt::format("not JSON: {}", *error));
    FetchResult result;
    if (reply_round_post(cursor)) {
        // The replies under one of the actor's posts, every level of the thread.
        const auto* thread = doc.IsObject() ? json_object(doc, "thread") : nullptr;
        if (!thread)
            return permanent_failure("expected {\"thread\": {...}} from getPostThread");
        collect_replies(*thread, response.fetched_at, result.posts, 0);
        result.more = finish_reply_post(cursor);
        result.cursor = write_cursor(cursor);
        return result;
    }
    const auto* feed = json_array(doc, "feed");
    if (!feed)
        return permanent_failure("expected {\"feed\": [...]} from getAuthorFeed");
    std::optional<SysTime> newest_here, oldest_here;
    std::vector<std::pair<std::string, std::string>> own; // the actor's posts: uri, time
    for (const auto& item : feed->GetArray()) {
        const auto* p = json_object(item, "post");
        if (!p)
            continue;
        const auto* reason = json_object(item, "reason");
        // The feed item carries the parent's view, with its author.
        const rapidjson::Value* parent_view = nullptr;
        if (const auto* context = json_object(item, "reply"))
            parent_view = json_object(*context, "parent");
        const std::string parent_handle =
            parent_view && json_object(*parent_view, "author")
                ? json_text(*json_object(*parent_view, "author"), "handle")
                : std::string();
        auto made = view_post(*p, parent_handle, response.fetched_at);
        if (!made)
            continue;
        Post post = std::move(*made);
        post.repost = reason && json_text(*reason, "$type") == "app.bsky.feed.defs#reasonRepost";
        if (!post.repost && m_source.replies.count() > 0)
            own.emplace_back(post.id, post.created_at);
        const auto indexed = when(json_text(*p, "indexedAt"));
        // Where this item stands in the feed: a repost by when it was reposted.
        const auto at = reason ? when(json_text(*reason, "indexedAt")) : indexed;
        if (at) {
            if (!newest_here || *at > *newest_here)
                newest_here = at;
            if (!oldest_here || *at < *oldest_here)
                oldest_here = at;
        }
        result.posts.push_back(std::move(post));
    }
    const std::string api_cursor = json_text(doc, "cursor");
    const bool paging = cursor.count("page") > 0;
    if (!paging && newest_here)
        cursor["pass_newest"] = format_rfc3339(*newest_here);
    // Page back while the whole page is newer than what the last poll saw.
    const auto known = cursor.count("newest") ? when(cursor["newest"]) : std::nullopt;
    if (known && oldest_here && *oldest_here > *known && !api_cursor.empty()) {
        cursor["page"] = api_cursor;
        result.more = true;
    } else {
        if (cursor.count("pass_newest"))
            cursor["newest"] = cursor["pass_newest"];
        cursor.erase("pass_newest");
        cursor.erase("page");
    }
    if (m_source.replies.count() > 0) {
        remember_own_posts(cursor, own, m_source.replies, response.fetched_at);
        if (!result.more && start_reply_round(cursor))
            result.more = true; // then the replies under some of them
    }
    result.cursor = write_cursor(cursor);
    return result;
}

void BlueskyConnector::collect_replies(const rapidjson::Value& thread,
                                       const std::string& fetched_at, std::vector<Post>& out,
                                       int depth) const {
    // A threadViewPost; notFoundPost and blockedPost have no "post".
    const auto* post = json_object(thread, "post");
    const auto* replies = json_array(thread, "replies");
    if (!post || !replies || depth > k_thread_depth)
        return;
    const auto* author = json_object(*post, "author");
    const std::string handle = author ? json_text(*author, "handle") : std::string();
    for (const auto& reply : replies->GetArray()) {
        if (!reply.IsObject())
            continue;
        if (const auto* view = json_object(reply, "post"))
            if (auto made = view_post(*view, handle, fetched_at))
                out.push_back(std::move(*made));
        collect_replies(reply, fetched_at, out, depth + 1);
    }
}

std::optional<FetchResult> BlueskyConnector::recover(const Failure& failure,
                                                     std::string_view cursor_text) const {
    auto cursor = read_cursor(cursor_text);
    // getPostThread answers 400 NotFound for a deleted post.
    if (!reply_round_post(cursor) || (failure.status != 400 && failure.status != 404))
        return std::nullopt;
    FetchResult result;
    result.more = finish_reply_post(cursor);
    result.cursor = write_cursor(cursor);
    return result;
}

std::string BlueskyConnector::advice(const Failure& failure, std::string_view) const {
    if (failure.status == 400)
        return fmt::format("the AppView does not know the actor \"{}\" (a handle such as "
                           "name.bsky.social, or a did:plc:…)",
                           m_source.actor);
    return {};
}

} // namespace wijkwacht
