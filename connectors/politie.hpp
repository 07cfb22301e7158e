#pragma once

// type = "politie": the Dutch police's open data API (api.politie.nl v4):
// news, wanted-person appeals and missing persons around a point. Each
// cycle reads every configured kind, newest first, 25 items a page, and
// pages back only while a whole page is newer than the newest item of the
// last cycle. The API's quirks: keys in lower case (its own documentation
// says camelCase, so keys are matched without case), 204 for "nothing",
// HTML error pages, offsets in multiples of the page size, and times in
// Dutch local time without a zone. A pure parser of bytes.

#include <wijkwacht/connector.hpp>
#include <wijkwacht/time.hpp>

namespace wijkwacht {

inline constexpr int k_politie_page = 25; // the API takes 10 or 25

class PolitieConnector final : public Connector {
public:
    explicit PolitieConnector(SourceConfig source);
    HttpRequest next_request(std::string_view cursor) const override;
    Result<FetchResult> parse(const HttpResponse& response, std::string_view cursor) const override;
    std::string advice(const Failure& failure, std::string_view cursor) const override;
    // No published limit: one request every two seconds on average is polite.
    std::optional<RequestBudget> budget() const override {
        return RequestBudget{30, std::chrono::seconds(60)};
    }

private:
    SourceConfig m_source;
    std::string m_api; // without a trailing slash
};

// "2022-04-02 20:46:00" in Europe/Amsterdam (CET/CEST) as UTC.
std::optional<SysTime> parse_dutch_local_time(std::string_view text);

} // namespace wijkwacht
