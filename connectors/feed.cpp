#include "connectors/feed.hpp"

#include "connectors/encoding.hpp"
#include "connectors/html_text.hpp"
#include "core/hash.hpp"
#include "core/json_util.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

#include <wijkwacht/time.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstring>

namespace wijkwacht {

namespace {

constexpr std::string_view k_ns_atom = "http://www.w3.org/2005/Atom";
constexpr std::string_view k_ns_atom03 = "http://purl.org/atom/ns#";
// Stands for Atom's element namespaces: 1.0, 0.3, and none (a bare <feed>).
constexpr std::string_view k_ns_atom_any = "atom";
constexpr std::string_view k_ns_media = "http://search.yahoo.com/mrss/";
constexpr std::string_view k_ns_content = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view k_ns_dc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view k_ns_youtube = "http://www.youtube.com/xml/schemas/2015";
constexpr std::string_view k_ns_rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
// Stands for the RSS element namespaces: none (0.9x/2.0), RSS 1.0 and 0.90.
constexpr std::string_view k_ns_rss = "rss";

std::string_view local_name(const pugi::xml_node& node) {
    const std::string_view name = node.name();
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace URI of an element, from the xmlns declarations in scope.
std::string_view namespace_of(const pugi::xml_node& node) {
    const std::string_view name = node.name();
    const auto colon = name.find(':');
    std::string attr = "xmlns";
    if (colon != std::string_view::npos)
        attr += ":" + std::string(name.substr(0, colon));
    for (pugi::xml_node n = node; n; n = n.parent())
        if (const auto a = n.attribute(attr.c_str()))
            return a.value();
    return {};
}

bool is(const pugi::xml_node& node, std::string_view ns, std::string_view local) {
    if (node.type() != pugi::node_element || local_name(node) != local)
        return false;
    const std::string_view actual = namespace_of(node);
    if (ns == k_ns_rss)
        return actual.empty() || actual == "http://purl.org/rss/1.0/" ||
               actual == "http://my.netscape.com/rdf/simple/0.9/" ||
               actual == "http://backend.userland.com/rss2";
    if (ns == k_ns_atom_any)
        return actual.empty() || actual == k_ns_atom || actual == k_ns_atom03;
    return actual == ns;
}

// First child element with this local name in namespace `ns` ("" = none).
pugi::xml_node child(const pugi::xml_node& parent, std::string_view ns, std::string_view local) {
    for (const auto c : parent.children())
        if (is(c, ns, local))
            return c;
    return {};
}

std::string trimmed(std::string_view text) {
    return std::string(trim_ascii_space(text));
}

std::string text_of(const pugi::xml_node& node) {
    return trimmed(node.child_value());
}

// All text below a node (xhtml content keeps its markup as elements).
std::string inner_xml(const pugi::xml_node& node) {
    struct Writer : pugi::xml_writer {
        std::string out;
        void write(const void* data, size_t size) override {
            out.append(static_cast<const char*>(data), size);
        }
    } writer;
    for (const auto c : node.children())
        c.print(writer, "", pugi::format_raw);
    return writer.out;
}

HtmlText plain_text(std::string_view text) {
    return {collapse_whitespace(sanitize_utf8(text)), {}, {}};
}

// The text (and CDATA) of an element, without its child elements.
std::string character_data(const pugi::xml_node& node) {
    std::string all;
    for (const auto c : node.children())
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata)
            all += c.value();
    return all;
}

// Text of an element that may carry HTML: RSS description (escaped HTML or
// CDATA, or, loosely, markup inline), Atom 1.0 text constructs
// (type="text|html|xhtml" or a MIME type) and Atom 0.3 content (a MIME type,
// mode="xml|escaped|base64").
HtmlText readable(const pugi::xml_node& node) {
    if (!node)
        return {};
    const std::string_view type = node.attribute("type").value();
    const std::string_view mode = node.attribute("mode").value();
    const bool plain = type == "text" || type == "text/plain";
    if (mode == "base64") {
        const auto decoded = base64_decode(character_data(node));
        if (!decoded)
            return {};
        return plain ? plain_text(*decoded) : html_to_text(*decoded);
    }
    if (plain)
        return plain_text(node.child_value());
    bool elements = false;
    for (const auto c : node.children())
        elements = elements || c.type() == pugi::node_element;
    if (type == "xhtml" || type == "application/xhtml+xml" || elements)
        return html_to_text(inner_xml(node));
    return html_to_text(character_data(node));
}

// The xml:base in scope, resolved against the feed URL.
std::string base_of(const pugi::xml_node& node, const std::string& feed_url) {
    std::vector<std::string_view> bases;
    for (pugi::xml_node n = node; n; n = n.parent())
        if (const auto a = n.attribute("xml:base"))
            bases.push_back(a.value());
    std::string base = feed_url;
    for (auto it = bases.rbegin(); it != bases.rend(); ++it)
        base = resolve_url(base, trimmed(*it));
    return base;
}

// `reference` resolved against `base` when that makes an http(s) address:
// the only addresses a post links to (no javascript:, data: or file:).
std::string web_link(const std::string& base, std::string_view reference) {
    const auto trimmed_reference = trim_ascii_space(reference);
    if (trimmed_reference.empty())
        return {};
    // An absolute address is taken as written (resolving would normalise
    // %7E to ~); a relative one is resolved.
    std::string url(trimmed_reference);
    auto parts = split_url(url);
    if (!parts) {
        url = resolve_url(base, trimmed_reference);
        parts = split_url(url);
    }
    if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
        return {};
    url.replace(0, parts->scheme.size(), parts->scheme); // HTTP:// → http://
    return url;
}

// An entry's guid (RSS) or id (Atom) is its address too when the entry
// has no link: RSS says a guid is a permalink unless isPermaLink="false"
// (feedparser's guidislink). Only an http(s) URL or a path ("/…", resolved
// like a link) is taken for one; a bare name or number, or a tag: or urn:
// id, never is.
std::string guid_link(const pugi::xml_node& guid, const FeedContext& context) {
    if (!guid || guid.attribute("isPermaLink").value() == std::string_view("false"))
        return {};
    const auto text = text_of(guid);
    if (!text.starts_with('/') && !split_url(text))
        return {};
    return web_link(base_of(guid, context.base()), text);
}

std::optional<MediaKind> kind_from(std::string_view mime, std::string_view medium) {
    if (medium == "image" || mime.starts_with("image/"))
        return MediaKind::image;
    if (medium == "video" || mime.starts_with("video/"))
        return MediaKind::video;
    if (medium == "audio" || mime.starts_with("audio/"))
        return MediaKind::audio;
    return std::nullopt;
}

void add_media(Post& post, MediaKind kind, std::string url, std::string preview = {},
               std::string description = {}) {
    if (url.empty())
        return;
    for (auto& m : post.media)
        if (m.url == url) {
            if (m.preview_url.empty())
                m.preview_url = std::move(preview);
            if (m.description.empty())
                m.description = std::move(description);
            return;
        }
    post.media.push_back({kind, std::move(url), std::move(preview), std::move(description)});
}

std::string parse_date(std::string_view text, bool rfc822_first) {
    const auto t = rfc822_first ? parse_rfc822(text) : parse_rfc3339(text);
    if (t)
        return format_rfc3339(*t);
    const auto u = rfc822_first ? parse_rfc3339(text) : parse_rfc822(text);
    if (u)
        return format_rfc3339(*u);
    const auto v = parse_day_first(text);
    return v ? format_rfc3339(*v) : std::string();
}

// Media RSS below `node`: media:content, media:group, media:thumbnail.
void read_media_rss(const pugi::xml_node& node, const std::string& base, Post& post) {
    std::string thumbnail;
    std::string description;
    for (const auto c : node.children()) {
        if (is(c, k_ns_media, "thumbnail") && thumbnail.empty())
            thumbnail = web_link(base, c.attribute("url").value());
        if (is(c, k_ns_media, "description") && description.empty())
            description = collapse_whitespace(sanitize_utf8(c.child_value()));
    }
    for (const auto c : node.children()) {
        if (is(c, k_ns_media, "group")) {
            read_media_rss(c, base, post);
            continue;
        }
        if (!is(c, k_ns_media, "content"))
            continue;
        const auto url = trimmed(c.attribute("url").value());
        const auto kind = kind_from(c.attribute("type").value(), c.attribute("medium").value());
        std::string own_description = description;
        if (const auto d = child(c, k_ns_media, "description"))
            own_description = collapse_whitespace(sanitize_utf8(d.child_value()));
        add_media(post, kind.value_or(MediaKind::link), web_link(base, url), thumbnail,
                  own_description);
    }
    if (post.media.empty() && !thumbnail.empty())
        add_media(post, MediaKind::image, thumbnail);
}

// Identity: guid/id if it is a URI, otherwise scoped by the feed URL;
// then the link; then a hash of what the entry says.
std::string identity(std::string guid, const std::string& link, const Post& post,
                     const FeedContext& context) {
    if (!guid.empty()) {
        if (is_absolute_uri(guid))
            return guid;
        return context.feed_url + "#" + guid;
    }
    if (!link.empty())
        return link;
    return context.feed_url + "#sha256:" + sha256_hex(post.text + "\n" + post.created_at, 32);
}

// Where relative addresses inside an entry's content point: the xml:base in
// scope when the feed sets one, else the entry's own page (content is
// written for it), else the document.
std::string content_base(const pugi::xml_node& body, const Post& post, const FeedContext& context) {
    for (pugi::xml_node n = body; n; n = n.parent())
        if (n.attribute("xml:base"))
            return base_of(body, context.base());
    return post.url.empty() ? context.base() : post.url;
}

void finish(Post& post, const std::string& title, HtmlText body, const std::string& body_base,
            const FeedContext& context) {
    const std::string clean_title = html_to_text(title).text;
    std::string text = clean_title;
    if (!body.text.empty() && body.text != clean_title) {
        if (!text.empty())
            text += "\n";
        text += body.text;
    }
    if (text.size() > k_post_max_text_bytes) {
        text.resize(k_post_max_text_bytes);
        text = sanitize_utf8(text); // a cut code point becomes U+FFFD
    }
    post.text = std::move(text);
    for (auto& src : body.images)
        add_media(post, MediaKind::image, web_link(body_base, src));
    for (auto& src : body.videos)
        add_media(post, MediaKind::video, web_link(body_base, src));
    if (post.created_at.empty())
        post.created_at = context.fetched_at;
    post.fetched_at = context.fetched_at;
    post.source = context.source;
    post.tags = context.tags;
}

Post rss_item(const pugi::xml_node& item, const FeedContext& context,
              std::string_view channel_title) {
    Post post;
    post.platform = "feed";
    const std::string base = base_of(item, context.base());
    const std::string title = child(item, k_ns_rss, "title").child_value();
    // <link>URL</link>; loosely also <link href="URL"/> and
    // <link rel="enclosure" href="…"/> as in Atom (podcast chapters do).
    for (const auto c : item.children()) {
        if (!is(c, k_ns_rss, "link"))
            continue;
        const auto href = c.attribute("href");
        const std::string target = web_link(base, href ? href.value() : c.child_value());
        const std::string_view rel = c.attribute("rel").value();
        if ((rel.empty() || rel == "alternate") && post.url.empty())
            post.url = target;
        else if (rel == "enclosure")
            add_media(post, kind_from(c.attribute("type").value(), "").value_or(MediaKind::link),
                      target);
    }
    const auto guid_node = child(item, k_ns_rss, "guid");
    if (post.url.empty())
        post.url = guid_link(guid_node, context);
    std::string guid = text_of(guid_node);
    if (guid.empty())
        guid = trimmed(item.attribute("rdf:about").value());

    auto body_node = child(item, k_ns_content, "encoded");
    HtmlText body = readable(body_node);
    if (body.text.empty()) {
        body_node = child(item, k_ns_rss, "description");
        body = readable(body_node);
    }
    if (const auto d = child(item, k_ns_rss, "pubDate"))
        post.created_at = parse_date(d.child_value(), true);
    if (const auto d = child(item, k_ns_dc, "date"); d && post.created_at.empty())
        post.created_at = parse_date(d.child_value(), false);
    if (const auto a = child(item, k_ns_dc, "creator"))
        post.author.name = collapse_whitespace(sanitize_utf8(a.child_value()));
    else if (const auto b = child(item, k_ns_rss, "author"))
        post.author.name = collapse_whitespace(sanitize_utf8(b.child_value()));
    if (post.author.name.empty())
        post.author.name = std::string(channel_title);

    for (const auto c : item.children()) {
        if (!is(c, k_ns_rss, "enclosure"))
            continue;
        std::string url = trimmed(c.attribute("url").value());
        if (url.empty())
            url = text_of(c); // some feeds put the URL in the element text
        const auto kind = kind_from(c.attribute("type").value(), "");
        add_media(post, kind.value_or(MediaKind::link), web_link(base, url));
    }
    read_media_rss(item, base, post);
    const auto body_base = content_base(body_node, post, context);
    finish(post, title, std::move(body), body_base, context);
    post.id = identity(std::move(guid), post.url, post, context);
    return post;
}

// An Atom entry's address: its first alternate link (rel absent or
// "alternate"). A link without href means its text (feedparser reads it so;
// early Atom 0.3 feeds wrote links so), and a link to nothing is none.
// Enclosure links go to the post's media.
std::string atom_link(const pugi::xml_node& entry, const FeedContext& context, Post& post) {
    std::string alternate;
    for (const auto c : entry.children()) {
        if (!is(c, k_ns_atom_any, "link"))
            continue;
        const std::string_view rel = c.attribute("rel").value();
        const auto href = c.attribute("href");
        const std::string target =
            web_link(base_of(c, context.base()), href ? href.value() : c.child_value());
        if ((rel.empty() || rel == "alternate") && alternate.empty())
            alternate = target;
        else if (rel == "enclosure")
            add_media(post, kind_from(c.attribute("type").value(), "").value_or(MediaKind::link),
                      target);
    }
    return alternate;
}

Post atom_entry(const pugi::xml_node& entry, const FeedContext& context,
                std::string_view feed_title) {
    Post post;
    post.platform = "feed";
    const std::string base = base_of(entry, context.base());
    post.url = atom_link(entry, context, post);
    const auto id_node = child(entry, k_ns_atom_any, "id");
    if (post.url.empty())
        post.url = guid_link(id_node, context);
    const auto title_node = child(entry, k_ns_atom_any, "title");
    const std::string title = title_node.attribute("type").value() == std::string_view("xhtml")
                                  ? inner_xml(title_node)
                                  : std::string(title_node.child_value());
    std::string guid = text_of(id_node);
    auto body_node = child(entry, k_ns_atom_any, "content");
    HtmlText body = readable(body_node);
    if (body.text.empty()) {
        body_node = child(entry, k_ns_atom_any, "summary");
        body = readable(body_node);
    }
    // Atom 1.0 published/updated; Atom 0.3 issued, created and modified.
    for (const auto* name : {"published", "issued", "created", "updated", "modified"}) {
        if (!post.created_at.empty())
            break;
        if (const auto d = child(entry, k_ns_atom_any, name))
            post.created_at = parse_date(d.child_value(), false);
    }
    if (const auto author = child(entry, k_ns_atom_any, "author")) {
        post.author.name =
            collapse_whitespace(sanitize_utf8(child(author, k_ns_atom_any, "name").child_value()));
        post.author.url = text_of(child(author, k_ns_atom_any, "uri"));
        if (post.author.url.empty()) // Atom 0.3
            post.author.url = text_of(child(author, k_ns_atom_any, "url"));
    }
    if (post.author.name.empty())
        post.author.name = std::string(feed_title);

    if (const auto video_id = child(entry, k_ns_youtube, "videoId")) {
        // YouTube channel feed: every entry is a video.
        post.platform = "youtube";
        guid = "yt:video:" + text_of(video_id);
        std::string thumbnail;
        std::string description;
        if (const auto group = child(entry, k_ns_media, "group")) {
            thumbnail = trimmed(child(group, k_ns_media, "thumbnail").attribute("url").value());
            description = child(group, k_ns_media, "description").child_value();
        }
        if (body.text.empty())
            body = {collapse_whitespace(sanitize_utf8(description)), {}, {}};
        add_media(post, MediaKind::video, post.url, thumbnail);
        if (const auto channel = child(entry, k_ns_youtube, "channelId"))
            post.author.handle = text_of(channel);
    } else {
        read_media_rss(entry, base, post);
    }
    const auto body_base = content_base(body_node, post, context);
    finish(post, title, std::move(body), body_base, context);
    post.id = identity(std::move(guid), post.url, post, context);
    return post;
}

// CDF (the Channel Definition Format of 1997) writes its names in upper
// case; readers match them in any case.
pugi::xml_attribute cdf_attribute(const pugi::xml_node& node, std::string_view name) {
    for (const auto a : node.attributes())
        if (ascii_iequals(a.name(), name))
            return a;
    return {};
}

pugi::xml_node cdf_child(const pugi::xml_node& node, std::string_view name) {
    for (const auto c : node.children())
        if (c.type() == pugi::node_element && ascii_iequals(c.name(), name))
            return c;
    return {};
}

// The <ITEM HREF="…"> of a CDF <CHANNEL> and of the channels inside it; a
// channel's BASE (or xml:base) is where its relative addresses point.
void cdf_items(const pugi::xml_node& channel, const std::string& parent_base,
               const FeedContext& context, std::vector<Post>& posts) {
    std::string base = base_of(channel, parent_base);
    if (const auto b = cdf_attribute(channel, "base"))
        base = resolve_url(base, trimmed(b.value()));
    const std::string channel_title =
        collapse_whitespace(sanitize_utf8(cdf_child(channel, "title").child_value()));
    for (const auto c : channel.children()) {
        if (posts.size() >= k_feed_max_items)
            return;
        if (c.type() != pugi::node_element)
            continue;
        if (ascii_iequals(c.name(), "channel")) {
            cdf_items(c, base, context, posts);
            continue;
        }
        if (!ascii_iequals(c.name(), "item"))
            continue;
        Post post;
        post.platform = "feed";
        post.url = web_link(base, cdf_attribute(c, "href").value());
        if (const auto lastmod = cdf_attribute(c, "lastmod"))
            post.created_at = parse_date(lastmod.value(), false);
        post.author.name = channel_title;
        finish(post, cdf_child(c, "title").child_value(), readable(cdf_child(c, "abstract")),
               post.url.empty() ? base : post.url, context);
        post.id = identity({}, post.url, post, context);
        posts.push_back(std::move(post));
    }
}

std::string line_and_column(std::string_view body, std::ptrdiff_t offset) {
    std::size_t line = 1, column = 1;
    for (std::ptrdiff_t i = 0; i < offset && static_cast<std::size_t>(i) < body.size(); ++i) {
        if (body[static_cast<std::size_t>(i)] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return fmt::format("{}:{}", line, column);
}

// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
Result<std::vector<Post>> parse_json_feed(std::string_view document, const FeedContext& context) {
    rapidjson::Document doc;
    if (auto error = parse_json(document, doc, 64))
        return permanent_failure(fmt::format("not well-formed JSON: {}", *error));
    const auto version = json_string(doc, "version");
    const auto* items = json_array(doc, "items");
    if (!version || !version->starts_with("https://jsonfeed.org/version/") || !items)
        return permanent_failure(
            "not a JSON Feed: no \"version\" of jsonfeed.org and \"items\" array");
    const auto author_of = [](const rapidjson::Value& holder, Author& out) {
        const auto* many = json_array(holder, "authors");
        const auto* a = many && !many->Empty() ? &(*many)[0] : json_object(holder, "author");
        if (a && a->IsObject()) {
            out.name = collapse_whitespace(sanitize_utf8(json_text(*a, "name")));
            out.url = json_text(*a, "url");
        }
    };
    Author feed_author;
    author_of(doc, feed_author);
    if (feed_author.name.empty())
        feed_author.name = collapse_whitespace(sanitize_utf8(json_text(doc, "title")));
    const std::string feed_url = json_text(doc, "feed_url");
    const std::string base = feed_url.empty() ? context.base() : feed_url;
    std::vector<Post> posts;
    for (const auto& item : items->GetArray()) {
        if (!item.IsObject())
            continue;
        if (posts.size() >= k_feed_max_items)
            break;
        Post post;
        post.platform = "feed";
        std::string guid = json_text(item, "id");
        if (const auto id = item.FindMember("id"); id != item.MemberEnd() && id->value.IsNumber())
            guid = std::to_string(id->value.GetInt64()); // 1.0 feeds sometimes use numbers
        post.url = web_link(base, json_text(item, "url"));
        HtmlText body = html_to_text(json_text(item, "content_html"));
        if (body.text.empty())
            body.text = collapse_whitespace(sanitize_utf8(json_text(item, "content_text")));
        if (body.text.empty())
            body.text = collapse_whitespace(sanitize_utf8(json_text(item, "summary")));
        const std::string published = json_text(item, "date_published");
        post.created_at =
            parse_date(published.empty() ? json_text(item, "date_modified") : published, false);
        post.author = feed_author;
        author_of(item, post.author);
        post.lang = json_text(item, "language");
        if (const auto image = json_text(item, "image"); !image.empty())
            add_media(post, MediaKind::image, web_link(base, image));
        if (const auto* attachments = json_array(item, "attachments"))
            for (const auto& a : attachments->GetArray())
                if (a.IsObject())
                    add_media(post,
                              kind_from(json_text(a, "mime_type"), "").value_or(MediaKind::link),
                              web_link(base, json_text(a, "url")), {},
                              collapse_whitespace(json_text(a, "title")));
        finish(post, json_text(item, "title"), std::move(body), post.url.empty() ? base : post.url,
               context);
        post.id = identity(std::move(guid), post.url, post, context);
        posts.push_back(std::move(post));
    }
    return posts;
}

} // namespace

Result<std::vector<Post>> parse_feed(std::string_view body, const FeedContext& context) {
    // JSON Feed (after a UTF-8 BOM, which some servers send), else XML.
    const auto json = body.starts_with("\xEF\xBB\xBF") ? body.substr(3) : body;
    const auto first = json.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && json[first] == '{')
        return parse_json_feed(json, context);
    std::string converted;
    const auto text = xml_as_utf8(body, context.content_type, converted);
    if (!text)
        return text.failure();
    body = text->bytes;
    const auto encoding = text->utf8 ? pugi::encoding_utf8 : pugi::encoding_auto;
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(
        body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single, encoding);
    if (!parsed)
        return permanent_failure(fmt::format("not well-formed XML at {}: {}",
                                             line_and_column(body, parsed.offset),
                                             parsed.description()));
    const pugi::xml_node root = doc.document_element();
    std::vector<Post> posts;
    const std::string_view root_name = local_name(root);
    if (root_name == "rss" || (root_name == "RDF" && namespace_of(root) == k_ns_rdf)) {
        const auto channel = child(root, k_ns_rss, "channel");
        const std::string channel_title =
            collapse_whitespace(sanitize_utf8(child(channel, k_ns_rss, "title").child_value()));
        // RSS 2.0 has items inside <channel>, RSS 1.0 beside it, and some
        // RSS 0.9x feeds have no <channel> at all.
        for (const auto& holder : {channel, root}) {
            for (const auto c : holder.children()) {
                if (!is(c, k_ns_rss, "item"))
                    continue;
                if (posts.size() >= k_feed_max_items)
                    break;
                posts.push_back(rss_item(c, context, channel_title));
            }
        }
        return posts;
    }
    if (is(root, k_ns_atom_any, "feed")) {
        const std::string feed_title =
            html_to_text(child(root, k_ns_atom_any, "title").child_value()).text;
        for (const auto c : root.children()) {
            if (!is(c, k_ns_atom_any, "entry"))
                continue;
            if (posts.size() >= k_feed_max_items)
                break;
            posts.push_back(atom_entry(c, context, feed_title));
        }
        return posts;
    }
    if (ascii_iequals(root_name, "channel") && namespace_of(root).empty()) {
        cdf_items(root, context.base(), context, posts);
        return posts;
    }
    return permanent_failure(fmt::format("not an RSS, Atom or CDF feed: the root element is <{}>",
                                         root ? root.name() : ""));
}

FeedConnector::FeedConnector(SourceConfig source) : m_source(std::move(source)) {}

HttpRequest FeedConnector::next_request(std::string_view) const {
    return {m_source.url,
            {{"Accept", "application/rss+xml, application/atom+xml, application/rdf+xml, "
                        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}}};
}

Result<FetchResult> FeedConnector::parse(const HttpResponse& response, std::string_view) const {
    // Ids are scoped by the configured URL, which redirects do not change;
    // links resolve against where the document is (after redirects, or its
    // Content-Location).
    const std::string where = response.url.empty() ? m_source.url : response.url;
    const auto location = response.header("Content-Location");
    const FeedContext context{m_source.name,
                              m_source.url,
                              m_source.tags,
                              response.fetched_at,
                              std::string(response.header("Content-Type").value_or("")),
                              location ? resolve_url(where, *location) : where};
    auto posts = parse_feed(response.body, context);
    if (!posts)
        return posts.failure();
    FetchResult result;
    result.posts = std::move(*posts);
    return result;
}

std::string FeedConnector::advice(const Failure& failure, std::string_view) const {
    if (failure.status == 403)
        return "the server refuses this client: make daemon.user_agent name you and a contact "
               "address; some publishers refuse data-centre addresses altogether, then poll from "
               "a network they allow";
    if (failure.status != 404 && failure.status != 410)
        return {};
    const auto parts = split_url(m_source.url);
    const bool youtube =
        parts && (parts->host == "www.youtube.com" || parts->host == "youtube.com");
    if (youtube && m_source.url.find("user=") != std::string::npos)
        return "YouTube knows no legacy user name like this one: use "
               "https://www.youtube.com/feeds/videos.xml?channel_id=UC… with the channel's id";
    return "the feed is not at this address (any more): find its current URL on the publisher's "
           "site and update the source";
}

} // namespace wijkwacht
