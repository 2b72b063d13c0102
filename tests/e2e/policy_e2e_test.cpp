// Policy files applied live (issue 21, docs/POLICIES.md): probes and traces
// from --policy, changed while the agent runs (the file rewritten: inotify;
// SIGHUP), a bad policy refused whole while the running set goes on, and a
// bad policy at start refused with one line per problem.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "e2e/ctl_client.hpp"
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
    Process target({bin, "60"});
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
    int64_t a_then = probe_delivered(sock, "a");
    int64_t b_then = probe_delivered(sock, "b");
    ASSERT_TRUE(wait_delivered(sock, "a", a_then + 50)) << "the running set stopped";
    EXPECT_GT(probe_delivered(sock, "b"), b_then) << "b was detached by a refused policy";

    // b taken out, applied on SIGHUP.
    write_policy(file, "name: web\n" + execs + "probes:\n" + probe_a);
    agent.signal(SIGHUP);
    ASSERT_TRUE(agent.wait_for_stderr("0 added, 0 changed, 1 removed")) << agent.err();
    EXPECT_EQ(probe_delivered(sock, "b"), -1);
    target.signal(SIGINT);
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

namespace probelog::test {
namespace {

std::string metric_value(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
    }
    return "<absent>";
}

// Proves: across 20 reloads that each change a probe's condition (replaced
// make-before-break), the probe that stays the same loses and repeats
// nothing: one record per call, in order, and the probe trace's per-cpu
// sequence numbers without a gap or a repeat; each change counts once in
// probelog_policy_reloads_total{result="applied"} and a bad file once in
// {result="refused"}.
TEST(PolicyE2E, UnchangedProbeAcross20ReloadsAndTheReloadMetric) {
    PROBELOG_REQUIRE_ROOT();
    std::string dir = "/tmp/" + unique_token("plpolicy20");
    std::filesystem::create_directories(dir);
    std::string file = dir + "/app.yaml";
    std::string sock = dir + "/ctl/ctl.sock";
    std::string out = dir + "/out.jsonl";
    std::string bin = testprog("live_calls");
    auto version = [&](int k) {
        return fmt::format(
            "probes:\n  - name: a\n    probe: \"{0}:lc_a(int i)\"\n  - name: b\n    probe: "
            "\"{0}:lc_b(int i) if i & {1}\"\n",
            bin, k % 2 == 0 ? 2 : 1);
    };
    write_policy(file, version(0));
    Process agent({probelog_bin(), "-o", "file://" + out, "--poll-ms", "20", "--policy", file,
                   "--control-socket", sock, "--metrics", "127.0.0.1:0"});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    std::smatch m;
    std::string err = agent.err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex("metrics at http://127.0.0.1:(\\d+)/metrics")))
        << err;
    int port = std::stoi(m[1]);
    Process target({bin, "120"});
    ASSERT_TRUE(target.wait_for_stderr("running")) << target.err();
    ASSERT_TRUE(wait_delivered(sock, "a", 20));
    for (int k = 1; k <= 20; ++k) {
        write_policy(file, version(k));
        agent.signal(SIGHUP);
        // Applied once `ctl list` shows the new condition.
        std::string want = fmt::format("if i & {}", k % 2 == 0 ? 2 : 1);
        bool seen = false;
        for (int attempt = 0; attempt < 200 && !seen; ++attempt) {
            Finished list = ctl(sock, {"list"});
            size_t b = list.out.find("probe  b ");
            seen = b != std::string::npos &&
                   list.out.substr(b, list.out.find('\n', b) - b).ends_with(want);
            if (!seen) std::this_thread::sleep_for(50ms);
        }
        ASSERT_TRUE(seen) << "reload " << k << " not applied\n" << agent.err();
    }
    write_policy(file, "probes:\n  - name: a\n    probe: 7\n");
    ASSERT_TRUE(agent.wait_for_stderr("policies refused")) << agent.err();
    ASSERT_TRUE(wait_delivered(sock, "a", probe_delivered(sock, "a") + 20));
    target.signal(SIGINT);
    Finished finished = target.wait();
    ASSERT_EQ(finished.exit_code, 0);
    long calls = 0;
    ASSERT_EQ(std::sscanf(finished.err.c_str() + finished.err.find("calls "), "calls %ld", &calls),
              1);

    httplib::Client client("127.0.0.1", port);
    std::string text;
    const std::string applied = "probelog_policy_reloads_total{result=\"applied\"}";
    const std::string refused = "probelog_policy_reloads_total{result=\"refused\"}";
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (auto res = client.Get("/metrics")) text = res->body;
        if (metric_value(text, refused) == "1") break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(metric_value(text, applied), "21") << text;  // the start and 20 changes
    EXPECT_EQ(metric_value(text, refused), "1") << text;

    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = records_in(out);
    auto a = select(records, [](const JsonRecord& r) { return r.str("probe") == "a"; });
    ASSERT_EQ(a.size(), static_cast<size_t>(calls)) << f.err;
    for (size_t k = 0; k < a.size(); ++k)
        ASSERT_EQ(a[k]->num("i"), static_cast<int64_t>(k)) << a[k]->line();
    std::map<uint64_t, std::vector<uint64_t>> seqs;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "probe") seqs[r.unum("cpu")].push_back(r.unum("seq"));
    }
    for (auto& [cpu, s] : seqs) {
        std::sort(s.begin(), s.end());
        for (size_t k = 0; k < s.size(); ++k)
            ASSERT_EQ(s[k], k) << "cpu " << cpu << ": a gap or a repeat";
    }
}

}  // namespace
}  // namespace probelog::test

namespace probelog::test {
namespace {

// Proves: a policy's filters are the agent's kernel filter: with comm [echo],
// the exec trace records echo and not true; a reload that changes the
// filters is refused (they are read at start) and the filter stays.
TEST(PolicyE2E, FiltersAreTheKernelFilterAndTheirChangeIsRefused) {
    PROBELOG_REQUIRE_ROOT();
    std::string dir = "/tmp/" + unique_token("plpolicyf");
    std::filesystem::create_directories(dir);
    std::string file = dir + "/f.yaml";
    std::string out = dir + "/out.jsonl";
    write_policy(file, "traces:\n  - trace: exec\nfilters:\n  comm: [echo]\n");
    Process agent({probelog_bin(), "-o", "file://" + out, "--poll-ms", "20", "--policy", file,
                   "--control-socket", "none"});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    std::string token = unique_token("filtered");
    ASSERT_EQ(run({"/bin/echo", token}).exit_code, 0);
    ASSERT_EQ(run({"/bin/true", token}).exit_code, 0);
    write_policy(file, "traces:\n  - trace: exec\nfilters:\n  comm: [true]\n");
    agent.signal(SIGHUP);
    ASSERT_TRUE(agent.wait_for_stderr("policies refused")) << agent.err();
    EXPECT_NE(agent.err().find("the filters changed"), std::string::npos) << agent.err();
    std::string after = unique_token("after");
    ASSERT_EQ(run({"/bin/echo", after}).exit_code, 0);
    ASSERT_EQ(run({"/bin/true", after}).exit_code, 0);
    std::this_thread::sleep_for(200ms);
    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = records_in(out);
    auto execs = [&](const std::string& comm, const std::string& t) {
        return select(records,
                      [&](const JsonRecord& r) {
                          return r.str("event_type") == "exec" && r.str("comm") == comm &&
                                 r.raw("args").find(t) != std::string::npos;
                      })
            .size();
    };
    EXPECT_EQ(execs("echo", token), 1u);
    EXPECT_EQ(execs("true", token), 0u);
    EXPECT_EQ(execs("echo", after), 1u);
    EXPECT_EQ(execs("true", after), 0u);
}

}  // namespace
}  // namespace probelog::test
