#pragma once

// A connector's cursor as a small flat JSON object of strings, e.g.
// {"account_id":"109","min_id":"1173"}: readable in the journal, and easy
// to extend without a migration.

#include <map>
#include <string>
#include <string_view>

namespace wijkwacht {

using CursorFields = std::map<std::string, std::string, std::less<>>;

// Unreadable or empty text gives no fields (a fresh start).
CursorFields read_cursor(std::string_view text);
std::string write_cursor(const CursorFields& fields);

} // namespace wijkwacht
