#pragma once

// Places (SPEC §4 "places"): the gazetteer shipped with the program, the
// tagger that finds the places a post is about, and the areas teams route
// on. A Gazetteer is loaded once per (re)load and is immutable; a
// PlaceTagger reads it and may be shared between threads.

#include <wijkwacht/post.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wijkwacht {

// One place of the gazetteer.
struct GazetteerEntry {
    std::string code; // GM0344, WP3295, WK034401, BU03440101, PV26, E23000014, …
    std::string kind; // as Place::kind
    std::string name;
    std::vector<std::string> aliases;   // other names people write
    std::vector<std::uint32_t> parents; // direct parents, as indices
    std::optional<double> lat, lon;
    double size = 0;   // inhabitants or addresses; 0: unknown
    bool word = false; // the name is also an ordinary word ("Best", "Goes")
};

class Gazetteer {
public:
    Gazetteer() = default;
    // A directory holding places.tsv (and forms.tsv), or a places.tsv file.
    // Throws ConfigError naming file:line.
    static std::shared_ptr<const Gazetteer> load(const std::filesystem::path& path);
    // places.tsv's text, with `forms` (forms.tsv) beside it; `name` stands
    // for the file in messages.
    static std::shared_ptr<const Gazetteer> parse(std::string_view places, std::string_view name,
                                                  std::string_view forms = {},
                                                  std::string_view forms_name = "forms.tsv");

    const std::vector<GazetteerEntry>& entries() const { return m_entries; }
    const GazetteerEntry* by_code(std::string_view code) const;
    // Entries whose name or alias is `name` (folded), of `kind` if not empty.
    std::vector<std::uint32_t> by_name(std::string_view name, std::string_view kind = {}) const;
    // The entry and every entry above it, nearest first.
    std::vector<std::uint32_t> ancestors(std::uint32_t index) const;
    // The first ancestor (or the entry itself) of `kind`.
    const GazetteerEntry* above(std::uint32_t index, std::string_view kind) const;
    // The gazetteer's year and sources, from places.tsv's first line.
    const std::string& description() const { return m_description; }
    // A resolved Place for entry `index` (name, kind, code and the names above it).
    Place place(std::uint32_t index, std::string how) const;

    // A name form people write, folded to words joined by single spaces.
    struct Form {
        std::uint32_t entry;
        enum class Kind : std::uint8_t { name, alias, adjective } kind;
    };
    const std::vector<Form>* forms(std::string_view folded) const;
    // Forms written without spaces, as in hashtags ("denhaag").
    const std::vector<Form>* hashtag_forms(std::string_view folded) const;
    std::size_t max_words() const { return m_max_words; }
    // Whether a form is read in text: not the names forms.tsv lists with
    // kind "-", which people use for something else (areas still name them).
    bool read_in_text(std::string_view folded) const {
        return !m_not_in_text.count(std::string(folded));
    }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using FormMap = std::unordered_map<std::string, std::vector<Form>, Hash, std::equal_to<>>;
    void add_form(std::string_view written, std::uint32_t entry, Form::Kind kind);

    std::string m_description;
    std::vector<GazetteerEntry> m_entries;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> m_by_code;
    FormMap m_forms, m_hashtag_forms;
    std::set<std::string> m_not_in_text;
    std::size_t m_max_words = 1;
};

// What the tagger read and why, for `wijkwacht places explain`.
struct PlaceReading {
    std::string text;    // as written
    Span span;           // in the text
    std::string verdict; // "taken: …", "dropped: …"
    std::optional<Place> place;
};

// The places of the source's area, for disambiguation and for posts that
// name no place ("how": "source").
struct SourceArea {
    std::vector<std::uint32_t> entries;
};

class PlaceTagger {
public:
    explicit PlaceTagger(std::shared_ptr<const Gazetteer> gazetteer);

    // The places of `post`: its text, a politie.nl-style "Plaats - " prefix,
    // the hints a connector left (field, geo), and the source's area when
    // nothing else placed it. The first place is the one the post is most
    // about.
    std::vector<Place> tag(const Post& post, const SourceArea* area = nullptr) const;
    // Every name the tagger read in `text`, taken or dropped, and why.
    std::vector<PlaceReading> explain(std::string_view text,
                                      const SourceArea* area = nullptr) const;

    const Gazetteer& gazetteer() const { return *m_gazetteer; }

private:
    std::vector<Place> run(const Post& post, const SourceArea* area,
                           std::vector<PlaceReading>* readings) const;
    std::shared_ptr<const Gazetteer> m_gazetteer;
};

// The areas teams route on ([[area]] in the configuration), resolved
// against the gazetteer: each is a set of entries, and a place lies in an
// area when it or a place above it is one of them.
struct AreaConfig;
class Areas {
public:
    Areas() = default;
    // Throws ConfigError naming the area's file:line and the name that is
    // unknown or ambiguous.
    Areas(const std::vector<AreaConfig>& areas, const Gazetteer& gazetteer);

    // The names of the areas `places` lie in, in configuration order.
    std::vector<std::string> of(const std::vector<Place>& places, const Gazetteer& gazetteer) const;
    // The entries an area consists of (empty for an unknown name).
    SourceArea area(std::string_view name) const;
    bool empty() const { return m_areas.empty(); }

private:
    struct Resolved {
        std::string name;
        std::vector<std::uint32_t> entries;
    };
    std::vector<Resolved> m_areas;
};

} // namespace wijkwacht

namespace wijkwacht {

struct Config;

// What the post path needs to place posts, loaded with the configuration:
// the gazetteer, the tagger, the areas and each source's area.
class Placing {
public:
    Placing() = default; // no gazetteer: posts keep the hints connectors left
    // Throws ConfigError (a configured gazetteer missing or broken, an area
    // that names an unknown place, areas without a gazetteer). `previous`
    // lends its gazetteer when the file is the same one.
    static Placing load(const Config& config, const Placing* previous = nullptr);

    // Sets post.places and post.areas.
    void apply(Post& post) const;
    bool enabled() const { return m_tagger.has_value(); }
    const PlaceTagger* tagger() const { return m_tagger ? &*m_tagger : nullptr; }
    const Areas& areas() const { return m_areas; }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
    std::filesystem::file_time_type m_mtime{};
    std::shared_ptr<const Gazetteer> m_gazetteer;
    std::optional<PlaceTagger> m_tagger;
    Areas m_areas;
    std::map<std::string, SourceArea, std::less<>> m_source_areas;
};

} // namespace wijkwacht
