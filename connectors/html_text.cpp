#include "connectors/html_text.hpp"

#include "core/utf8.hpp"

#include <gumbo.h>

#include <cstring>
#include <memory>

namespace wijkwacht {

namespace {

bool is_block(GumboTag tag) {
    switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
        return true;
    default:
        return false;
    }
}

bool is_hidden(GumboTag tag) {
    return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
           tag == GUMBO_TAG_HEAD;
}

std::string attribute(const GumboElement& element, const char* name) {
    const GumboAttribute* a = gumbo_get_attribute(&element.attributes, name);
    return a && a->value ? std::string(a->value) : std::string();
}

// Replaces U+00A0 (no-break space) with a plain space before collapsing.
std::string plain_spaces(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') {
            out += ' ';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace

HtmlText html_to_text(std::string_view html, std::size_t max_bytes) {
    HtmlText out;
    if (html.size() > max_bytes)
        html = html.substr(0, max_bytes);
    const std::string clean = sanitize_utf8(html);
    if (clean.find('<') == std::string::npos && clean.find('&') == std::string::npos) {
        out.text = collapse_whitespace(plain_spaces(clean));
        return out;
    }
    // Parse errors are not recorded: each record copies the stack of open
    // elements, which makes deeply nested markup quadratic.
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;
    GumboOutput* doc = gumbo_parse_with_options(&options, clean.data(), clean.size());
    const std::unique_ptr<GumboOutput, void (*)(GumboOutput*)> owner(
        doc, [](GumboOutput* p) { gumbo_destroy_output(&kGumboDefaultOptions, p); });

    // Iterative walk: hostile markup may nest deeply.
    struct Frame {
        const GumboNode* node;
        bool closing;
    };
    std::vector<Frame> stack{{doc->root, false}};
    std::string text;
    bool in_video = false;
    while (!stack.empty()) {
        const Frame frame = stack.back();
        stack.pop_back();
        const GumboNode* node = frame.node;
        if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
            node->type == GUMBO_NODE_WHITESPACE) {
            text += node->v.text.text;
            continue;
        }
        if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE)
            continue;
        const GumboElement& element = node->v.element;
        if (frame.closing) {
            if (is_block(element.tag))
                text += '\n';
            if (element.tag == GUMBO_TAG_VIDEO)
                in_video = false;
            continue;
        }
        if (is_hidden(element.tag))
            continue;
        if (element.tag == GUMBO_TAG_IMG) {
            if (auto src = attribute(element, "src"); !src.empty())
                out.images.push_back(std::move(src));
            if (auto alt = attribute(element, "alt"); !alt.empty())
                text += " " + alt + " ";
        } else if (element.tag == GUMBO_TAG_VIDEO) {
            in_video = true;
            if (auto src = attribute(element, "src"); !src.empty())
                out.videos.push_back(std::move(src));
        } else if (element.tag == GUMBO_TAG_SOURCE && in_video) {
            if (auto src = attribute(element, "src"); !src.empty())
                out.videos.push_back(std::move(src));
        }
        if (is_block(element.tag))
            text += '\n';
        else if (element.tag == GUMBO_TAG_TD || element.tag == GUMBO_TAG_TH)
            text += ' ';
        stack.push_back({node, true});
        for (unsigned i = element.children.length; i > 0; --i)
            stack.push_back({static_cast<const GumboNode*>(element.children.data[i - 1]), false});
    }
    out.text = collapse_whitespace(plain_spaces(std::move(text)));
    return out;
}

} // namespace wijkwacht
