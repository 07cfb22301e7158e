#include "connectors/mastodon.hpp"

#include "connectors/html_text.hpp"
#include "connectors/json_cursor.hpp"
#include "connectors/reply_window.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/error.hpp>
#include <wijkwacht/time.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace wijkwacht {

namespace {

std::string timestamp(std::string_view text, const std::string& fallback) {
    const auto t = parse_rfc3339(text);
    return t ? format_rfc3339(*t) : fallback;
}

Media attachment(const rapidjson::Value& m) {
    const std::string type = json_text(m, "type");
    Media media;
    media.kind = type == "image"                     ? MediaKind::image
                 : type == "video" || type == "gifv" ? MediaKind::video
                 : type == "audio"                   ? MediaKind::audio
                                                     : MediaKind::link;
    media.url = json_text(m, "url");
    if (media.url.empty())
        media.url = json_text(m, "remote_url"); // null while processing
    media.preview_url = json_text(m, "preview_url");
    if (media.url.empty())
        media.url = media.preview_url;
    media.description = collapse_whitespace(json_text(m, "description"));
    return media;
}

} // namespace

// Account id → acct of every status author in a list (boosts: the original's).
std::map<std::string, std::string> account_handles(const rapidjson::Value* statuses) {
    std::map<std::string, std::string> out;
    if (!statuses || !statuses->IsArray())
        return out;
    for (const auto& status : statuses->GetArray()) {
        if (!status.IsObject())
            continue;
        const auto* reblog = json_object(status, "reblog");
        for (const auto* s : {&status, reblog})
            if (s)
                if (const auto* account = json_object(*s, "account"))
                    out.emplace(json_text(*account, "id"), json_text(*account, "acct"));
    }
    return out;
}

bool mastodon_id_less(std::string_view a, std::string_view b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

MastodonConnector::MastodonConnector(SourceConfig source) : m_source(std::move(source)) {
    m_instance = m_source.instance;
    while (!m_instance.empty() && m_instance.back() == '/')
        m_instance.pop_back();
    if (const auto parts = split_url(m_instance))
        m_host = parts->host;
    if (!m_source.access_token_file.empty()) {
        std::ifstream in(m_source.access_token_file);
        if (!in)
            throw Error(fmt::format("source \"{}\": cannot read access_token_file {}",
                                    m_source.name, m_source.access_token_file.string()));
        std::ostringstream text;
        text << in.rdbuf();
        m_token = collapse_whitespace(text.str(), false);
    }
}

HttpRequest MastodonConnector::next_request(std::string_view cursor_text) const {
    const auto cursor = read_cursor(cursor_text);
    HttpRequest request;
    request.headers.emplace_back("Accept", "application/json");
    if (!m_token.empty())
        request.headers.emplace_back("Authorization", "Bearer " + m_token);
    if (const auto post = reply_round_post(cursor)) {
        request.url = fmt::format("{}/api/v1/statuses/{}/context", m_instance, url_encode(*post));
        return request;
    }
    const auto min_id = cursor.find("min_id");
    const bool resuming = min_id != cursor.end();
    const int limit =
        resuming ? k_mastodon_page : std::clamp(m_source.backfill, 1, k_mastodon_page);
    std::string query = fmt::format("?limit={}", limit);
    if (resuming)
        query += "&min_id=" + url_encode(min_id->second);
    if (!m_source.hashtag.empty()) {
        request.url = fmt::format("{}/api/v1/timelines/tag/{}{}", m_instance,
                                  url_encode(m_source.hashtag), query);
        return request;
    }
    if (!m_source.timeline.empty()) {
        request.url = fmt::format("{}/api/v1/timelines/public{}{}", m_instance, query,
                                  m_source.timeline == "local" ? "&local=true" : "");
        return request;
    }
    const auto account = cursor.find("account_id");
    if (account == cursor.end())
        request.url = fmt::format("{}/api/v1/accounts/lookup?acct={}", m_instance,
                                  url_encode(m_source.account));
    else
        request.url = fmt::format("{}/api/v1/accounts/{}/statuses{}", m_instance,
                                  url_encode(account->second), query);
    return request;
}

std::optional<Post> MastodonConnector::status_post(const rapidjson::Value& status,
                                                   const std::string& fetched_at,
                                                   const AccountHandles& accounts) const {
    // A boost carries the original in "reblog": that is the post.
    const auto* reblog = json_object(status, "reblog");
    const bool boost = reblog != nullptr;
    const rapidjson::Value& s = boost ? *reblog : status;
    Post post;
    post.source = m_source.name;
    post.platform = "mastodon";
    post.id = json_text(s, "uri");
    if (post.id.empty())
        return std::nullopt;
    post.url = json_text(s, "url");
    if (post.url.empty())
        post.url = post.id;
    post.fetched_at = fetched_at;
    post.created_at = timestamp(json_text(s, "created_at"), fetched_at);
    if (const auto* account = json_object(s, "account")) {
        const auto& a = *account;
        post.author.handle = json_text(a, "acct");
        if (!post.author.handle.empty() && post.author.handle.find('@') == std::string::npos &&
            !m_host.empty())
            post.author.handle += "@" + m_host; // local accounts come without their domain
        post.author.name = collapse_whitespace(json_text(a, "display_name"));
        if (post.author.name.empty())
            post.author.name = json_text(a, "username");
        post.author.url = json_text(a, "url");
    }
    const std::string warning = collapse_whitespace(json_text(s, "spoiler_text"));
    const std::string body = html_to_text(json_text(s, "content")).text;
    post.text = warning.empty() ? body : body.empty() ? warning : warning + "\n" + body;
    post.lang = json_text(s, "language");
    const std::string account_id =
        json_object(s, "account") ? json_text(*json_object(s, "account"), "id") : "";
    const std::string reply_id = json_text(s, "in_reply_to_id");
    const std::string reply_account = json_text(s, "in_reply_to_account_id");
    const auto full_handle = [this](std::string acct) {
        if (!acct.empty() && acct.find('@') == std::string::npos && !m_host.empty())
            acct += "@" + m_host;
        return acct;
    };
    std::string parent_handle;
    if (const auto* mentions = json_array(s, "mentions"))
        for (const auto& m : mentions->GetArray()) {
            if (!m.IsObject())
                continue;
            std::string handle = full_handle(json_text(m, "acct"));
            if (handle.empty())
                continue;
            if (json_text(m, "id") == reply_account)
                parent_handle = handle;
            post.mentions.push_back(std::move(handle));
        }
    post.reply = !reply_id.empty();
    if (post.reply) {
        // A thread by one author names no mention: the parent is the author's own.
        if (parent_handle.empty() && !reply_account.empty() && reply_account == account_id)
            parent_handle = post.author.handle;
        // Or an account the same answer shows (a thread's posts, the source's own).
        if (const auto known = accounts.find(reply_account);
            parent_handle.empty() && known != accounts.end())
            parent_handle = full_handle(known->second);
        post.reply_to = ReplyTo{reply_id, "", parent_handle};
    }
    post.repost = boost;
    if (const auto* media = json_array(s, "media_attachments"))
        for (const auto& m : media->GetArray())
            if (m.IsObject())
                if (auto item = attachment(m); !item.url.empty())
                    post.media.push_back(std::move(item));
    if (const auto* card = json_object(s, "card")) {
        Media link;
        link.kind = MediaKind::link;
        link.url = json_text(*card, "url");
        link.preview_url = json_text(*card, "image");
        link.description = collapse_whitespace(json_text(*card, "title"));
        if (!link.url.empty())
            post.media.push_back(std::move(link));
    }
    post.tags = m_source.tags;
    return post;
}

Result<FetchResult> MastodonConnector::parse(const HttpResponse& response,
                                             std::string_view cursor_text) const {
    auto cursor = read_cursor(cursor_text);
    rapidjson::Document doc;
    if (auto error = parse_json(response.body, doc, 64))
        return permanent_failure(fmt::format("not JSON: {}", *error));
    FetchResult result;
    if (reply_round_post(cursor)) {
        // The replies under one of the account's posts.
        const auto* replies = doc.IsObject() ? json_array(doc, "descendants") : nullptr;
        if (!replies)
            return permanent_failure("expected {\"descendants\": [...]} from statuses/:id/context");
        AccountHandles accounts = account_handles(json_array(doc, "ancestors"));
        accounts.merge(account_handles(replies));
        if (cursor.count("account_id"))
            accounts.emplace(cursor["account_id"], m_source.account);
        for (const auto& status : replies->GetArray())
            if (status.IsObject())
                if (auto post = status_post(status, response.fetched_at, accounts))
                    result.posts.push_back(std::move(*post));
        result.more = finish_reply_post(cursor);
        result.cursor = write_cursor(cursor);
        return result;
    }
    if (!m_source.account.empty() && !cursor.count("account_id")) {
        // The account lookup.
        const auto id = json_string(doc, "id");
        if (!doc.IsObject() || !id || id->empty())
            return permanent_failure("account lookup: no \"id\" in the answer");
        cursor["account_id"] = std::string(*id);
        result.cursor = write_cursor(cursor);
        result.more = true;
        return result;
    }
    if (!doc.IsArray())
        return permanent_failure("expected a JSON array of statuses");
    const bool resuming = cursor.count("min_id") > 0;
    std::string newest = resuming ? cursor["min_id"] : std::string();
    std::vector<std::pair<std::string, std::string>> own; // the account's posts: id, time
    const AccountHandles accounts = account_handles(&doc);
    for (const auto& status : doc.GetArray()) {
        if (!status.IsObject())
            continue;
        const std::string status_id = json_text(status, "id");
        if (!status_id.empty() && mastodon_id_less(newest, status_id))
            newest = status_id;
        if (auto post = status_post(status, response.fetched_at, accounts)) {
            if (!post->repost && !m_source.account.empty() && m_source.replies.count() > 0)
                own.emplace_back(status_id, post->created_at);
            result.posts.push_back(std::move(*post));
        }
    }
    if (!resuming && doc.Size() == 0 && m_token.empty())
        result.notice = "the instance returned no posts at all: it may refuse anonymous access to "
                        "this timeline (Mastodon 4.5+ timelines_access); give the source an "
                        "access_token_file if posts are expected";
    if (!newest.empty())
        cursor["min_id"] = newest;
    // A full page after min_id means newer pages may follow.
    result.more = resuming && doc.Size() >= static_cast<rapidjson::SizeType>(k_mastodon_page);
    if (m_source.replies.count() > 0 && !m_source.account.empty()) {
        remember_own_posts(cursor, own, m_source.replies, response.fetched_at);
        if (!result.more && start_reply_round(cursor))
            result.more = true; // then the replies under some of them
    }
    result.cursor = write_cursor(cursor);
    if (const auto remaining = response.header("X-RateLimit-Remaining");
        remaining && *remaining == "0")
        if (const auto reset = response.header("X-RateLimit-Reset"))
            if (const auto when = parse_rfc3339(*reset))
                result.not_before = *when;
    return result;
}

std::optional<RequestBudget> MastodonConnector::budget() const {
    using namespace std::chrono;
    return RequestBudget{270, m_token.empty() ? duration_cast<seconds>(minutes(15))
                                              : duration_cast<seconds>(minutes(5))};
}

std::optional<FetchResult> MastodonConnector::recover(const Failure& failure,
                                                      std::string_view cursor_text) const {
    auto cursor = read_cursor(cursor_text);
    if (!reply_round_post(cursor) ||
        (failure.status != 404 && failure.status != 403 && failure.status != 410))
        return std::nullopt;
    // The post was deleted or made private: its replies are out of reach.
    FetchResult result;
    result.more = finish_reply_post(cursor);
    result.cursor = write_cursor(cursor);
    return result;
}

std::string MastodonConnector::advice(const Failure& failure, std::string_view cursor_text) const {
    const auto cursor = read_cursor(cursor_text);
    if (failure.status == 404 && !m_source.account.empty() && !cursor.count("account_id"))
        return fmt::format("the instance does not know the account \"{}\" (it finds only accounts "
                           "it has seen; check the spelling, or use the account's home instance)",
                           m_source.account);
    if (failure.status == 401 || failure.status == 403)
        return "the instance refuses anonymous access: give the source an access_token_file";
    return {};
}

} // namespace wijkwacht
