#include "core/json_util.hpp"
#include "daemon/journal.hpp"
#include "daemon/workflow.hpp"
#include "tests/support/process.hpp"

#include <wijkwacht/json.hpp>

#include <doctest/doctest.h>

using namespace wijkwacht;
using wijkwacht::test::TempDir;

namespace {

WorkflowRequest req(std::string op, std::string alert = "0123456789abcdef0123456789abcdef") {
    WorkflowRequest r;
    r.op = std::move(op);
    r.alert = std::move(alert);
    return r;
}

std::string refused(const WorkState& s, const WorkflowRequest& r, const std::string& actor) {
    const auto d = decide(s, r, actor);
    const auto* why = std::get_if<std::string>(&d);
    return why ? *why : std::string();
}

Transition accepted(const WorkState& s, const WorkflowRequest& r, const std::string& actor) {
    const auto d = decide(s, r, actor);
    REQUIRE_MESSAGE(std::holds_alternative<Transition>(d), std::get<std::string>(d));
    return std::get<Transition>(d);
}

// A journal with alerts flagged on the given streams.
struct Fixture {
    TempDir dir;
    std::unique_ptr<Journal> journal = std::make_unique<Journal>(dir.path());
    std::set<std::string> streams{"all", "centrum", "recherche"};

    std::string flag(const std::string& post_id, std::vector<std::string> to = {"all", "centrum"}) {
        Post p;
        p.source = "wijk";
        p.platform = "feed";
        p.id = post_id;
        p.text = "inbraak";
        std::string id;
        journal->commit("wijk", {}, {p}, [&](const Post& post) -> std::optional<RoutedAlert> {
            RoutedAlert r;
            r.alert.id = id = alert_id(post.platform, post.id);
            r.alert.flagged_at = "2026-11-29T10:00:00Z";
            r.alert.matches.push_back(
                {"inbraak", "crime.burglary", Severity::high, {"inbraak"}, {}});
            summarise_matches(r.alert);
            r.alert.post = post;
            r.streams = to;
            return r;
        });
        return id;
    }

    WorkflowResult run(const std::string& actor, std::string op, const std::string& alert,
                       std::string note = "", std::string to = "", bool force = false) {
        WorkflowRequest r{std::move(op), alert, std::move(note), std::move(to), force, ""};
        return journal->workflow(r, actor, streams);
    }

    std::vector<std::string> messages(const std::string& stream, bool states = false) {
        JournalReader reader(dir.path());
        return reader.replay(stream, 0, 1000, states).alerts;
    }
};

rapidjson::Document parsed(const std::string& json) {
    rapidjson::Document doc;
    REQUIRE_FALSE(parse_json(json, doc, 64));
    return doc;
}

} // namespace

TEST_CASE("workflow requests: every malformed one is refused with what to send instead") {
    CHECK(parse_workflow_request(R"({"op":"claim","alert":"0123456789abcdef"})"));
    CHECK(parse_workflow_request(R"({"op":"escalate","alert":"012345","to":"x","note":"n"})"));
    const std::pair<const char*, const char*> bad[] = {
        {"[1]", "must be an object"},
        {"{", "not JSON"},
        {R"({"op":"steal","alert":"012345"})", "\"op\" must be one of claim, release"},
        {R"({"op":"claim","alert":"01234"})", "at least its first 6"},
        {R"({"op":"claim","alert":"0123456789ABCDEF"})", "32 hex digits"},
        {R"({"op":"claim","alert":"012345","who":"x"})", "unknown request key \"who\""},
        {R"({"op":"claim","alert":"012345","force":"yes"})", "\"force\" must be true or false"},
        {R"({"op":"claim","alert":5})", "\"alert\" must be a string"},
        {R"({"op":"note","alert":"012345"})", "a note needs \"note\""},
        {R"({"op":"escalate","alert":"012345"})", "escalate needs \"to\""},
        {R"({"op":"claim","alert":"012345","to":"x"})", "\"to\" belongs to escalate only"},
        {R"({"op":"claim","alert":"012345","as":"Anna Smit"})", "\"as\" must be a name"},
    };
    for (const auto& [json, message] : bad) {
        CAPTURE(json);
        const auto r = parse_workflow_request(json);
        REQUIRE_FALSE(r);
        CHECK(r.failure().message.find(message) != std::string::npos);
    }
    const std::string long_note = R"({"op":"note","alert":"012345","note":")" +
                                  std::string(k_max_note_bytes + 1, 'x') + "\"}";
    CHECK_FALSE(parse_workflow_request(long_note));
    CHECK_FALSE(parse_workflow_request(std::string(k_max_workflow_request + 1, ' ')));
}

TEST_CASE("who may do what: claims are exclusive unless released or forced") {
    const WorkState fresh;
    const WorkState anna_claimed{"claimed", "anna", "2026-11-30T10:02:00Z"};
    const WorkState anna_acked{"acknowledged", "anna", "2026-11-30T10:03:00Z"};
    const WorkState resolved{"resolved", "anna", "2026-11-30T10:04:00Z"};
    const WorkState escalated{"escalated", "", "2026-11-30T10:05:00Z"};

    auto t = accepted(fresh, req("claim"), "bert");
    CHECK(t.state == "claimed");
    CHECK(t.owner == "bert");
    CHECK(t.from == "new");

    const auto why = refused(anna_claimed, req("claim"), "bert");
    CHECK(why.find("claimed by anna since 2026-11-30T10:02:00Z") != std::string::npos);
    CHECK(why.find("anna can release it") != std::string::npos);
    auto forced = req("claim");
    forced.force = true;
    CHECK(accepted(anna_claimed, forced, "bert").owner == "bert");
    CHECK_FALSE(accepted(anna_claimed, req("claim"), "anna").changes);

    CHECK(accepted(anna_claimed, req("ack"), "anna").state == "acknowledged");
    CHECK(accepted(fresh, req("ack"), "bert").owner == "bert"); // acknowledging claims
    CHECK(refused(anna_acked, req("ack"), "bert").find("acknowledged by anna") !=
          std::string::npos);
    CHECK_FALSE(accepted(anna_acked, req("ack"), "anna").changes);

    CHECK(accepted(anna_claimed, req("release"), "anna").state == "new");
    CHECK(accepted(anna_claimed, req("release"), "anna").owner.empty());
    CHECK_FALSE(refused(anna_claimed, req("release"), "bert").empty());
    CHECK(refused(fresh, req("release"), "anna").find("nobody holds it") != std::string::npos);

    CHECK(accepted(anna_acked, req("resolve"), "anna").state == "resolved");
    CHECK_FALSE(refused(anna_acked, req("resolve"), "bert").empty());
    CHECK(accepted(fresh, req("resolve"), "bert").owner == "bert");
    CHECK_FALSE(accepted(resolved, req("resolve"), "bert").changes);
    CHECK(refused(resolved, req("claim"), "bert").find("reopen it first") != std::string::npos);
    CHECK(accepted(resolved, req("reopen"), "bert").state == "new");
    CHECK(refused(fresh, req("reopen"), "bert").find("not resolved") != std::string::npos);

    auto escalate = req("escalate");
    escalate.to = "recherche";
    CHECK(accepted(fresh, escalate, "bert").state == "escalated");
    CHECK_FALSE(refused(anna_claimed, escalate, "bert").empty());
    CHECK(accepted(escalated, req("claim"), "carla").state == "claimed");

    auto note = req("note");
    note.note = "called the victim";
    t = accepted(anna_claimed, note, "bert"); // anyone may add a note
    CHECK(t.state == "claimed");
    CHECK(t.owner == "anna");
    CHECK(accepted(resolved, note, "bert").state == "resolved");
}

TEST_CASE("two staff race for one claim: one wins, the other is told who has it") {
    Fixture f;
    const auto id = f.flag("p1");
    const auto first = f.run("anna", "claim", id);
    CHECK(first.error.empty());
    CHECK(first.changed);
    CHECK(first.now.owner == "anna");
    const auto second = f.run("bert", "claim", id.substr(0, 8)); // a prefix names it too
    CHECK(second.found);
    CHECK(second.error.find("claimed by anna") != std::string::npos);
    CHECK(second.now.owner == "anna");
    CHECK(second.alert == id);
    // Claiming again what one holds changes nothing and publishes nothing.
    const auto again = f.run("anna", "claim", id);
    CHECK(again.error.empty());
    CHECK_FALSE(again.changed);
    CHECK(f.messages("all").size() == 2); // the alert and one update
}

TEST_CASE("transitions and notes are journaled as updates in stream order with the alerts") {
    Fixture f;
    const auto id = f.flag("p1");
    f.run("anna", "claim", id);
    const auto other = f.flag("p2");
    f.run("anna", "note", id, "called the victim, \"ok\"");
    f.run("anna", "ack", id);
    f.run("anna", "resolve", id);

    for (const std::string stream : {"all", "centrum"}) {
        CAPTURE(stream);
        const auto messages = f.messages(stream);
        REQUIRE(messages.size() == 6);
        std::vector<std::string> kinds;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            const auto doc = parsed(messages[i]);
            CHECK(json_int64(doc, "stream_seq") == static_cast<std::int64_t>(i + 1));
            CHECK(json_text(doc, "stream") == stream);
            const auto type = json_text(doc, "type");
            kinds.push_back(type == "alert" ? "alert" : json_text(doc, "op"));
            if (type == "alert_update") {
                CHECK(json_text(doc, "alert") == id);
                CHECK(json_text(doc, "by") == "anna");
                CHECK(json_text(doc, "epoch") == f.journal->epoch());
                CHECK_FALSE(json_text(doc, "at").empty());
            }
        }
        CHECK(kinds ==
              std::vector<std::string>{"alert", "claim", "alert", "note", "ack", "resolve"});
        const auto note = parsed(messages[3]);
        CHECK(json_text(note, "note") == "called the victim, \"ok\"");
        CHECK(json_text(note, "state") == "claimed");
        CHECK(json_text(note, "owner") == "anna");
        const auto resolve = parsed(messages[5]);
        CHECK(json_text(resolve, "from") == "acknowledged");
        CHECK(json_text(resolve, "state") == "resolved");
    }
    // With states, each alert says where it stands now.
    const auto states = f.messages("all", true);
    const auto first = parsed(states[0]);
    CHECK(json_text(first, "state") == "resolved");
    CHECK(json_text(first, "owner") == "anna");
    CHECK_FALSE(json_text(first, "state_changed_at").empty());
    CHECK(alert_from_json(states[0])); // still an alert
    CHECK(json_text(parsed(states[2]), "state") == "new");
    CHECK(json_text(parsed(states[2]), "alert").empty());
    CHECK(alert_from_json(states[2])->id == other);
    // The unpublished queue holds the updates too, in order.
    const auto pending = f.journal->unpublished(100);
    CHECK(pending.size() == 12);
}

TEST_CASE("an escalated alert is published on the target stream, then its update on every one") {
    Fixture f;
    const auto id = f.flag("p1", {"all"});
    CHECK(f.run("anna", "escalate", id, "needs detectives", "nowhere").error ==
          "no stream \"nowhere\" is configured");
    CHECK(f.run("anna", "escalate", id, "", "all").error ==
          "the alert is on stream \"all\" already");
    const auto r = f.run("anna", "escalate", id, "needs detectives", "recherche");
    CHECK(r.error.empty());
    CHECK(r.now.state == "escalated");
    const auto target = f.messages("recherche");
    REQUIRE(target.size() == 2);
    const auto alert = alert_from_json(target[0]);
    REQUIRE(alert);
    CHECK(alert->id == id);
    CHECK(alert->stream == "recherche");
    CHECK(alert->stream_seq == 1);
    CHECK(alert->post.text == "inbraak");
    const auto update = parsed(target[1]);
    CHECK(json_text(update, "op") == "escalate");
    CHECK(json_text(update, "to") == "recherche");
    CHECK(json_text(update, "note") == "needs detectives");
    CHECK(f.messages("all").size() == 2);
    // From now on updates go to both streams.
    CHECK(f.run("carla", "claim", id).error.empty());
    CHECK(f.messages("recherche").size() == 3);
    CHECK(f.messages("all").size() == 3);
}

TEST_CASE("alerts are named by id or unique prefix; unknown and ambiguous ones are refused") {
    Fixture f;
    CHECK(f.run("anna", "claim", "abcdef").error.find("no alert abcdef") != std::string::npos);
    CHECK_FALSE(f.run("anna", "claim", "abcdef").found);
    const auto a = f.flag("p1");
    // Another alert whose id starts with the same 8 hex digits.
    const std::string b = a.substr(0, 8) + std::string(24, a[8] == 'f' ? '0' : 'f');
    {
        sql::Database db(f.dir.path() / "state.db");
        db.exec("INSERT INTO alerts(alert_id, flagged_at) VALUES ('" + b +
                "', '2026-11-30T10:00:00Z')");
    }
    CHECK(f.run("anna", "claim", a.substr(0, 8)).error ==
          a.substr(0, 8) + " is the start of more than one alert id: give more of it");
    CHECK(f.run("anna", "claim", a.substr(0, 9)).alert == a);
    CHECK(f.run("anna", "claim", a).alert == a);
}

TEST_CASE("stale claims go back to new with an update by wijkwacht; others stay") {
    Fixture f;
    const auto stale = f.flag("p1");
    const auto acked = f.flag("p2");
    f.run("anna", "claim", stale);
    f.run("anna", "ack", acked);
    CHECK(f.journal->expire_claims(std::chrono::hours(1)) == 0);
    CHECK(f.journal->expire_claims(std::chrono::seconds(0)) == 1);
    const auto messages = f.messages("all");
    const auto last = parsed(messages.back());
    CHECK(json_text(last, "op") == "expire");
    CHECK(json_text(last, "by") == "wijkwacht");
    CHECK(json_text(last, "state") == "new");
    CHECK(json_text(last, "note").find("claim by anna expired") != std::string::npos);
    CHECK(f.run("bert", "claim", stale).error.empty());
    CHECK_FALSE(f.run("bert", "claim", acked).error.empty()); // acknowledged stays
}

TEST_CASE("states survive reopening the journal; purged alerts take their states along") {
    Fixture f;
    const auto id = f.flag("p1");
    f.run("anna", "claim", id);
    f.journal = std::make_unique<Journal>(f.dir.path());
    CHECK(f.run("bert", "claim", id).error.find("claimed by anna") != std::string::npos);
    f.journal->mark_published(f.journal->unpublished(100));
    f.journal->purge(std::chrono::seconds(-10), {});
    CHECK_FALSE(f.run("bert", "claim", id).found);
    sql::Database db(f.dir.path() / "state.db", sql::Database::Mode::read_only);
    sql::Statement left(db, "SELECT (SELECT count(*) FROM alert_state) + "
                            "(SELECT count(*) FROM transitions)");
    REQUIRE(left.step());
    CHECK(left.integer(0) == 0);
}
