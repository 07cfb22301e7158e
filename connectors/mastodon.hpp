#pragma once

// type = "mastodon": an account's public statuses (resolved once with
// /api/v1/accounts/lookup) or a hashtag timeline. Resumes with min_id (the
// page right after the newest seen; since_id would skip posts when more than
// a page arrived), pages forward while full pages keep coming, and takes a
// bounded backfill on the first run. Boosts are the original post, marked
// as a repost. With replies = "7d", each poll is followed by the replies
// under a few of the account's posts of that window (statuses/:id/context).
// A pure parser of bytes.

#include <wijkwacht/connector.hpp>

#include <rapidjson/document.h>

#include <map>
#include <string>

namespace wijkwacht {

inline constexpr int k_mastodon_page = 40; // the API's maximum

class MastodonConnector final : public Connector {
public:
    // Reads source.access_token_file if set. Throws Error if it cannot.
    explicit MastodonConnector(SourceConfig source);
    HttpRequest next_request(std::string_view cursor) const override;
    Result<FetchResult> parse(const HttpResponse& response, std::string_view cursor) const override;
    std::string advice(const Failure& failure, std::string_view cursor) const override;
    std::optional<FetchResult> recover(const Failure& failure,
                                       std::string_view cursor) const override;
    // Anonymous paging: 300 per 15 minutes per IP; with a token 300 per 5
    // minutes. A tenth is kept in reserve.
    std::optional<RequestBudget> budget() const override;
    // The access token (empty without access_token_file); never logged.
    const std::string& token() const { return m_token; }

private:
    // One status (a boost: the original, marked as a repost) as a Post;
    // `accounts` (id → acct) names the author of the status it answers.
    using AccountHandles = std::map<std::string, std::string>;
    std::optional<Post> status_post(const rapidjson::Value& status, const std::string& fetched_at,
                                    const AccountHandles& accounts) const;

    SourceConfig m_source;
    std::string m_instance; // without a trailing slash
    std::string m_host;     // for handles of local accounts
    std::string m_token;
};

// Account id → acct of every status author in a JSON list of statuses.
std::map<std::string, std::string> account_handles(const rapidjson::Value* statuses);

// Mastodon ids are decimal strings: longer is newer, then lexical order.
bool mastodon_id_less(std::string_view a, std::string_view b);

} // namespace wijkwacht
