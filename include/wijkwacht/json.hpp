#pragma once

// Post and Alert JSON (SPEC §4). Parsing is iterative, depth-limited and
// validates UTF-8; failures name the byte offset of the problem.

#include <wijkwacht/error.hpp>
#include <wijkwacht/post.hpp>

#include <string>
#include <string_view>

namespace wijkwacht {

inline constexpr std::size_t k_json_max_depth = 64;

std::string to_json(const Post& post);
std::string to_json(const Alert& alert);

Result<Post> post_from_json(std::string_view text);
Result<Alert> alert_from_json(std::string_view text);

} // namespace wijkwacht
