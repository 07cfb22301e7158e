#pragma once

// HTML as feeds and Mastodon deliver it, reduced to plain text: tags
// removed, entities decoded, block elements as line breaks, whitespace
// collapsed. Media referenced from the markup are collected too.

#include <string>
#include <string_view>
#include <vector>

namespace wijkwacht {

struct HtmlText {
    std::string text;
    std::vector<std::string> images; // <img src>
    std::vector<std::string> videos; // <video src>, <source src> inside <video>
};

// Input beyond `max_bytes` is cut before parsing (the HTML5 algorithm is
// quadratic in nesting depth; posts are capped at 64 KiB of text anyway).
HtmlText html_to_text(std::string_view html, std::size_t max_bytes = 64 * 1024);

} // namespace wijkwacht
