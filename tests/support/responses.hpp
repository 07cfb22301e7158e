#pragma once

#include <wijkwacht/connector.hpp>

#include <string>

namespace wijkwacht::test {

// A 200 response with `body`, fetched at a fixed time, for connector tests.
inline HttpResponse ok_response(std::string body) {
    HttpResponse r;
    r.status = 200;
    r.fetched_at = "2026-11-29T10:00:00Z";
    r.body = std::move(body);
    return r;
}

} // namespace wijkwacht::test
