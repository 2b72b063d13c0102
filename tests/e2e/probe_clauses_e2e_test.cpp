// Conditions, messages and rate limits end to end (docs/PROBES.md,
// "Conditions, messages and rate limits"): probelog --probe 'BIN:FUNC {...}
// if COND log "..." rate N/s' -- tests/testprogs/probes/probe_clauses, whose
// requests (probe_clauses.h) sit on each side of every boundary the
// conditions test: which requests come back says what the kernel kept.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "e2e/run_probelog.hpp"
#include "support/forward_receiver.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

struct ClauseRun {
    Finished finished;
    std::vector<JsonRecord> records;
};

ClauseRun run_clauses(const std::string& spec, const std::vector<std::string>& program,
                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {probelog_bin(), "-o",      "json", "--poll-ms",
                                     "20",           "--probe", spec};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--");
    args.push_back(testprog("probe_clauses"));
    args.insert(args.end(), program.begin(), program.end());
    ClauseRun out;
    out.finished = run(args);
    out.records = parse_json_lines(out.finished.out);
    return out;
}

std::vector<const JsonRecord*> probe_records(const ClauseRun& run) {
    return select(run.records, [](const JsonRecord& r) { return r.str("event_type") == "probe"; });
}

using Ids = std::set<int64_t>;

struct Condition {
    std::string cond;
    std::string params;  // the parameter list, when the condition needs one
};

// The ids of the requests each condition keeps. One probelog run puts one
// probe per condition on pc_handle, each capturing the id under its own
// name (c0, c1, ...): a record's capture name says which condition kept it.
// (One run instead of one per condition: these tests are ~25 conditions.)
std::vector<Ids> kept(const std::vector<Condition>& conditions) {
    std::vector<std::string> extra;
    for (size_t i = 1; i < conditions.size(); ++i) {
        extra.push_back("--probe");
        extra.push_back(fmt::format("{}:pc_handle{} {{ c{} = req->id }} if {}",
                                    testprog("probe_clauses"), conditions[i].params, i,
                                    conditions[i].cond));
    }
    ClauseRun run = run_clauses(
        fmt::format("{}:pc_handle{} {{ c0 = req->id }} if {}", testprog("probe_clauses"),
                    conditions[0].params, conditions[0].cond),
        {"requests"}, extra);
    EXPECT_EQ(run.finished.exit_code, 0) << run.finished.err;
    std::vector<Ids> ids(conditions.size());
    for (const JsonRecord* r : probe_records(run)) {
        size_t found = 0;
        for (size_t i = 0; i < conditions.size(); ++i) {
            std::string key = fmt::format("c{}", i);
            if (!r->has(key.c_str())) continue;
            ids[i].insert(r->num(key.c_str()));
            ++found;
        }
        EXPECT_EQ(found, 1u) << r->line();
    }
    // The summary counts the calls and those the conditions filtered out
    // (the probes share a name: one line for all of them).
    size_t passed = 0;
    for (const Ids& kept_ids : ids)
        passed += kept_ids.size();
    size_t calls = 8 * conditions.size();
    EXPECT_NE(run.finished.err.find(fmt::format("probe probe_clauses:pc_handle: {} calls, {} "
                                                "filtered out by its condition, {} passed: {} "
                                                "delivered",
                                                calls, calls - passed, passed, passed)),
              std::string::npos)
        << run.finished.err;
    return ids;
}

TEST(ProbeClausesE2E, IntegerConditionsAtEachBoundary) {
    PROBELOG_REQUIRE_ROOT();
    EXPECT_EQ(kept({{"req->len >= 1000"},
                    {"req->len > 1000"},
                    {"req->len < 1000"},
                    {"req->len <= 1000"},
                    {"req->len == 1000"},
                    {"req->len != 1000"},
                    {"req->len < 0"},  // signed: -1 is below 0
                    {"req->len == -1"},
                    {"req->flags & 4"},
                    {"req->flags & 0x3"},
                    {"req->kind == PC_POST"}}),  // an enumerator by name
              (std::vector<Ids>{{1, 2, 3, 5, 7},
                                {2, 3, 5, 7},
                                {0, 4, 6},
                                {0, 1, 4, 6},
                                {1},
                                {0, 2, 3, 4, 5, 6, 7},
                                {4},
                                {4},
                                {1, 2, 5},
                                {2, 3, 7},
                                {1, 2, 3, 5}}));
}

TEST(ProbeClausesE2E, StringConditions) {
    PROBELOG_REQUIRE_ROOT();
    // "POSTX" is not "POST"; a NULL method is neither equal nor different.
    EXPECT_EQ(
        kept({{R"(req->method == "POST")"},
              {R"(req->method != "POST")"},
              {R"(req->method == "")"},
              {R"(req->path startswith "/api/")"},
              {R"(req->path startswith "")"}}),
        (std::vector<Ids>{{1, 2, 3}, {0, 4, 5, 6}, {6}, {0, 1, 2, 6}, {0, 1, 2, 3, 4, 5, 6}}));
}

TEST(ProbeClausesE2E, CombinedConditionsAndRet) {
    PROBELOG_REQUIRE_ROOT();
    EXPECT_EQ(kept({{R"(req->method == "POST" && req->len > 1000)"},
                    {R"(req->method == "GET" || req->len < 0)"},
                    {R"((req->method == "GET" || req->method == "PUT") && req->len < 1000)"},
                    {R"(req->len > 1000 && (req->flags & 4 || req->path startswith "/apix"))"},
                    // ret (len * 2) is read at the return: the condition runs there.
                    {"ret >= 2000"},
                    {"ret > 2000 && req->flags & 1"},
                    {"ret < 0", "(ptr req) ret:s64"}}),
              (std::vector<Ids>{{2, 3}, {0, 4}, {0, 4}, {2, 3, 5}, {1, 2, 3, 5, 7}, {2, 3}, {4}}));
}

TEST(ProbeClausesE2E, ConditionValuesNotCapturedStayOutOfRecords) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_clauses");
    ClauseRun run = run_clauses(bin +
                                    ":pc_handle { req->method, req->path } if req->method == "
                                    "\"POST\" && req->len > 1000 log \"big {req->method} "
                                    "{req->path}\"",
                                {"requests"});
    ASSERT_EQ(run.finished.exit_code, 0) << run.finished.err;
    auto r = probe_records(run);
    ASSERT_EQ(r.size(), 2u) << run.finished.out;
    EXPECT_EQ(r[0]->str("message"), "big POST /api/users");
    EXPECT_EQ(r[1]->str("message"), "big POST /apix");
    for (const JsonRecord* x : r) {
        EXPECT_TRUE(x->has("req_method"));
        EXPECT_FALSE(x->has("req_len")) << x->line();  // read for the condition only
        for (const std::string& k : x->keys())
            EXPECT_EQ(k.find("_cond"), std::string::npos) << x->line();
    }
}

TEST(ProbeClausesE2E, MessagesFormatEveryKindOfValue) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_clauses");
    ClauseRun run = run_clauses(
        bin +
            ":pc_handle { id = req->id, req->method, req->len, req->kind } if req->id == "
            "4 log \"#{id} {req->method} len={req->len} kind={req->kind} ret={ret} by {comm} "
            "{{braces}} \\\"q\\\"\"",
        {"requests"});
    ASSERT_EQ(run.finished.exit_code, 0) << run.finished.err;
    auto r = probe_records(run);
    ASSERT_EQ(r.size(), 1u) << run.finished.out;
    EXPECT_EQ(r[0]->str("message"),
              "#4 PUT len=-1 kind=PC_PUT ret=-2 by probe_clauses {braces} \"q\"");

    // The table shows the message first.
    Finished table =
        test::run({probelog_bin(), "-o", "table", "--probe",
                   bin + ":pc_handle { req->method } if req->id == 1 log \"got {req->method}\"",
                   "--", bin, "requests"});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_TRUE(std::regex_search(
        table.out,
        std::regex(R"(probe_clauses +got POST  probe=probe_clauses:pc_handle req_method=POST)")))
        << table.out;
}

// The message is the line a person reads: Forward carries it as a field, OTLP
// as the log record's body (and not again as an attribute).
TEST(ProbeClausesE2E, MessagesReachForwardAndOtlp) {
    PROBELOG_REQUIRE_ROOT();
    ForwardReceiver rx;
    httplib::Server server;
    std::mutex mutex;
    std::vector<std::string> bodies;
    server.Post("/v1/logs", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        bodies.push_back(req.body);
        res.set_content("{}", "application/json");
    });
    int port = server.bind_to_any_port("127.0.0.1");
    std::thread t([&] { server.listen_after_bind(); });
    std::string bin = testprog("probe_clauses");
    Finished f = run({probelog_bin(), "--poll-ms", "20", "-o",
                      fmt::format("forward://127.0.0.1:{}", rx.port()), "-o",
                      fmt::format("otlp+http://127.0.0.1:{}/v1/logs", port), "--probe",
                      bin + ":pc_handle { req->method } if req->id == 1 log \"got {req->method}\"",
                      "--", bin, "requests"});
    server.stop();
    t.join();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<ForwardEvent> events = rx.events();
    auto probe = std::find_if(events.begin(), events.end(),
                              [](const ForwardEvent& e) { return e.str("event_type") == "probe"; });
    ASSERT_NE(probe, events.end());
    EXPECT_EQ(probe->str("message"), "got POST");
    EXPECT_EQ(probe->str("req_method"), "POST");
    int found = 0;
    for (const std::string& body : bodies) {
        rapidjson::Document doc;
        doc.Parse(body.c_str());
        ASSERT_FALSE(doc.HasParseError()) << body;
        for (const auto& lr : doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"].GetArray()) {
            std::map<std::string, std::string> attrs;
            for (const auto& a : lr["attributes"].GetArray()) {
                const auto& v = a["value"];
                attrs[a["key"].GetString()] =
                    v.HasMember("stringValue") ? v["stringValue"].GetString() : "";
            }
            if (attrs["event_type"] != "probe") continue;
            ++found;
            EXPECT_STREQ(lr["body"]["stringValue"].GetString(), "got POST");
            EXPECT_EQ(attrs.count("message"), 0u);
            EXPECT_EQ(attrs["req_method"], "POST");
        }
    }
    EXPECT_EQ(found, 1) << bodies.size() << " requests";
}

// A flood of calls through `rate 1000/s`: every call is delivered or counted
// as rate-limited, per cpu, in `lost` records and in the summary.
TEST(ProbeClausesE2E, RateLimitAccountsForEveryCall) {
    PROBELOG_REQUIRE_ROOT();
    constexpr uint64_t kCalls = 200000;
    std::string bin = testprog("probe_clauses");
    ClauseRun run =
        run_clauses(bin + ":pc_tick(u64 i) rate 1000/s", {"flood", std::to_string(kCalls)});
    ASSERT_EQ(run.finished.exit_code, 0) << run.finished.err;
    uint64_t delivered = probe_records(run).size();
    uint64_t limited = 0;
    for (const JsonRecord& r : run.records) {
        if (r.str("event_type") != "lost") continue;
        EXPECT_EQ(r.str("stage"), "rate_limit") << r.line();
        EXPECT_EQ(r.str("probe"), "probe_clauses:pc_tick");
        limited += r.unum("lost");
    }
    EXPECT_EQ(delivered + limited, kCalls) << run.finished.err;
    EXPECT_GT(limited, 0u);
    EXPECT_GE(delivered, 1000u);  // the bucket starts full: 1000 at once
    EXPECT_NE(run.finished.err.find(fmt::format("probe probe_clauses:pc_tick: {} calls, {} passed: "
                                                "{} delivered, {} rate-limited (1000/s), 0 lost",
                                                kCalls, kCalls, delivered, limited)),
              std::string::npos)
        << run.finished.err;
}

TEST(ProbeClausesE2E, ConditionOnAParameterOfTheList) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_clauses");
    ClauseRun run = run_clauses(bin + ":pc_tick(u64 i) ret:u64 if i >= 99990", {"flood", "100000"});
    ASSERT_EQ(run.finished.exit_code, 0) << run.finished.err;
    auto r = probe_records(run);
    ASSERT_EQ(r.size(), 10u);
    EXPECT_EQ(r[0]->unum("i"), 99990u);
    EXPECT_EQ(r[0]->unum("ret"), 99990u);
}

TEST(ProbeClausesE2E, BadClausesAreOneClearLine) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_clauses");
    auto error_of = [&](const std::string& clauses) {
        Finished f =
            run({probelog_bin(), "-o", "json", "--probe",
                 bin + ":pc_handle { req->method, req->len } " + clauses, "--", bin, "requests"});
        EXPECT_NE(f.exit_code, 0) << clauses;
        return f.err;
    };
    EXPECT_NE(error_of("if req->method > 3")
                  .find("req->method is a string: compare it with a "
                        "\"string\", not 3"),
              std::string::npos);
    EXPECT_NE(error_of("if req->len == \"x\"")
                  .find("req->len is a number: compare it with a "
                        "number, not the string \"x\""),
              std::string::npos);
    EXPECT_NE(error_of("if req->len =~ 3").find("unknown operator '=~'"), std::string::npos);
    EXPECT_NE(error_of("if nosuch > 3").find("'nosuch' is not a parameter of pc_handle"),
              std::string::npos);
    EXPECT_NE(error_of("log \"{req->path}\"")
                  .find("log: {req->path} is not a value of this "
                        "probe's records"),
              std::string::npos);
    EXPECT_NE(error_of("rate 0/s").find("rate 0/s would drop every record"), std::string::npos);
    EXPECT_NE(run({probelog_bin(), "--probe-mode", "split", "--probe",
                   bin + ":pc_handle { req->len } if ret > 3", "--", bin, "requests"})
                  .err.find("the condition reads a value of the return, and in --probe-mode split"),
              std::string::npos);
}

}  // namespace
}  // namespace probelog::test
