// Policy files applied live (issue 21, docs/POLICIES.md): probes and traces
// from --policy, changed while the agent runs (the file rewritten: inotify;
// SIGHUP), a bad policy refused whole while the running set goes on, and a
// bad policy at start refused with one line per problem.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

using namespace std::chrono_literals;

// Replaces `path` at once (as editors and ConfigMap updates do).
void write_policy(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << text;
    }
    std::filesystem::rename(tmp, path);
}

int64_t delivered(const std::string& sock, const std::string& probe) {
    Finished f = run({probelog_bin(), "ctl", "--socket", sock, "-o", "json", "stats"});
    rapidjson::Document doc;
    doc.Parse(f.out.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("probes")) return -1;
    for (const auto& p : doc["probes"].GetArray()) {
        if (p["name"].GetString() == probe) return p["delivered"].GetInt64();
    }
    return -1;
}

bool wait_delivered(const std::string& sock, const std::string& probe, int64_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (delivered(sock, probe) >= n) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

std::vector<JsonRecord> records_in(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_json_lines(text.str());
}

// Proves: a policy's probe and trace run from the start and their records
// carry the policy's name; a probe added to the file is attached while the
// agent runs (inotify), a bad version of the file is refused whole with its
// problems named by file and line while what ran goes on, and a probe taken
// out (SIGHUP) stops; the probe that stayed in every version lost and
// repeated nothing; each reload is a `policy` record.
TEST(PolicyE2E, AppliedLiveAndABadPolicyLeavesTheRunningSet) {
    PROBELOG_REQUIRE_ROOT();
    std::string dir = "/tmp/" + unique_token("plpolicy");
    std::filesystem::create_directories(dir);
    std::string file = dir + "/web.yaml";
    std::string sock = dir + "/ctl/ctl.sock";
    std::string out = dir + "/out.jsonl";
    std::string bin = testprog("live_calls");
    std::string probe_a = fmt::format("  - name: a\n    probe: \"{}:lc_a(int i)\"\n", bin);
    std::string probe_b = fmt::format("  - name: b\n    probe: \"{}:lc_b(int i)\"\n", bin);
    std::string execs = "traces:\n  - name: execs\n    trace: exec\n";
    write_policy(file, "name: web\n" + execs + "probes:\n" + probe_a);
    Process agent({probelog_bin(), "-o", "file://" + out, "--poll-ms", "20", "--policy", file,
                   "--control-socket", sock});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    Process target({bin, "8"});
    ASSERT_TRUE(target.wait_for_stderr("running")) << target.err();
    ASSERT_TRUE(wait_delivered(sock, "a", 50));
    std::string token = unique_token("policy-exec");
    ASSERT_EQ(run({"/bin/echo", token}).exit_code, 0);

    // A probe more: the file rewritten, seen by inotify.
    write_policy(file, "name: web\n" + execs + "probes:\n" + probe_a + probe_b);
    ASSERT_TRUE(wait_delivered(sock, "b", 50)) << agent.err();

    // A bad version: an unknown trace and a function that is not there.
    write_policy(file, "name: web\ntraces:\n  - name: execs\n    trace: exce\nprobes:\n" + probe_a +
                           fmt::format("  - name: c\n    probe: \"{}:lc_nope\"\n", bin));
    ASSERT_TRUE(agent.wait_for_stderr("policies refused")) << agent.err();
    EXPECT_NE(agent.err().find(file + ":4: "), std::string::npos) << agent.err();
    int64_t a_then = delivered(sock, "a");
    int64_t b_then = delivered(sock, "b");
    ASSERT_TRUE(wait_delivered(sock, "a", a_then + 50)) << "the running set stopped";
    EXPECT_GT(delivered(sock, "b"), b_then) << "b was detached by a refused policy";

    // b taken out, applied on SIGHUP.
    write_policy(file, "name: web\n" + execs + "probes:\n" + probe_a);
    agent.signal(SIGHUP);
    ASSERT_TRUE(agent.wait_for_stderr("0 added, 0 changed, 1 removed")) << agent.err();
    EXPECT_EQ(delivered(sock, "b"), -1);
    EXPECT_EQ(target.wait().exit_code, 0);

    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = records_in(out);
    auto a = select(records, [](const JsonRecord& r) { return r.str("probe") == "a"; });
    ASSERT_GT(a.size(), 100u);
    for (size_t k = 0; k < a.size(); ++k) {
        ASSERT_EQ(a[k]->str("policy"), "web") << a[k]->line();
        if (k > 0) {
            ASSERT_EQ(a[k]->num("i"), a[k - 1]->num("i") + 1) << a[k]->line();
        }
    }
    auto exec = select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "exec" && r.raw("args").find(token) != std::string::npos;
    });
    ASSERT_EQ(exec.size(), 1u);
    EXPECT_EQ(exec[0]->str("policy"), "web");
    auto reloads =
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "policy"; });
    ASSERT_GE(reloads.size(), 4u);
    size_t refused = 0;
    for (const JsonRecord* r : reloads) {
        if (r->str("action") != "refused") continue;
        ++refused;
        EXPECT_NE(r->str("problem").find(file), std::string::npos) << r->line();
    }
    EXPECT_GE(refused, 1u);
}

// Proves: policy files with problems stop the run before anything starts,
// exit status 2, one line per problem naming the file and line.
TEST(PolicyE2E, ABadPolicyAtStartIsOneLinePerProblem) {
    PROBELOG_REQUIRE_ROOT();
    std::string dir = "/tmp/" + unique_token("plpolicy-bad");
    std::filesystem::create_directories(dir);
    std::string file = dir + "/bad.yaml";
    write_policy(file,
                 "traces:\n  - name: x\n    trace: exce\nprobes:\n  - probe: \"/bin/true:main\"\n");
    Finished f = run({probelog_bin(), "--policy", file, "--control-socket", "none"});
    EXPECT_EQ(f.exit_code, 2);
    std::istringstream lines(f.err);
    std::string line;
    int naming = 0;
    while (std::getline(lines, line)) {
        if (line.starts_with("probelog: " + file + ":")) ++naming;
    }
    EXPECT_EQ(naming, 2) << f.err;
    EXPECT_NE(f.err.find("nothing was started"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace probelog::test
