// Live changes through the control socket (issue 21): `probelog ctl` adds,
// replaces and removes probes and switches traces on and off in a running
// agent, which goes on without a restart and loses nothing it was already
// tracing. Each agent listens at a socket of its own (--control-socket).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/ctl_client.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

using namespace std::chrono_literals;

// A socket path in a directory that does not exist yet (the agent makes it 0700).
std::string socket_path(std::string_view tag) {
    return fmt::format("/tmp/{}/ctl.sock", unique_token(fmt::format("plctl-{}", tag)));
}

// The ids of the generic uprobe programs the agent holds.
std::set<uint32_t> probe_program_ids(pid_t agent) {
    std::set<uint32_t> ids;
    for (const auto& entry :
         std::filesystem::directory_iterator(fmt::format("/proc/{}/fdinfo", agent))) {
        std::ifstream info(entry.path());
        std::string line;
        while (std::getline(info, line)) {
            if (line.starts_with("prog_id:")) ids.insert(std::stoul(line.substr(8)));
        }
    }
    std::set<uint32_t> probes;
    for (uint32_t id : ids) {
        Finished f = run({"/usr/sbin/bpftool", "-j", "prog", "show", "id", std::to_string(id)});
        if (f.out.find("\"pl_probe_entry\"") != std::string::npos ||
            f.out.find("\"pl_probe_return\"") != std::string::npos)
            probes.insert(id);
    }
    return probes;
}

// What `bpftool link show` lists attached to those programs.
int links_of(const std::set<uint32_t>& programs) {
    Finished f = run({"/usr/sbin/bpftool", "-j", "link", "show"});
    rapidjson::Document doc;
    doc.Parse(f.out.c_str());
    if (doc.HasParseError() || !doc.IsArray()) return -1;
    int n = 0;
    for (const auto& link : doc.GetArray()) {
        if (link.HasMember("prog_id") && programs.contains(link["prog_id"].GetUint()) != 0) ++n;
    }
    return n;
}

// Proves: a probe added to an agent that was started without one records the
// calls of a target that is already running; removed, it records nothing more
// and bpftool lists no link of it; the agent ran on throughout (one process,
// exit status 0), and `ctl list` showed it.
TEST(CtlE2E, ProbeAddedToARunningAgentThenRemoved) {
    PROBELOG_REQUIRE_ROOT();
    std::string sock = socket_path("add");
    std::string out = "/tmp/" + unique_token("plctl-out") + ".jsonl";
    std::string bin = testprog("live_calls");
    Process agent({probelog_bin(), "-o", "file://" + out, "--poll-ms", "20", "--trace", "exit",
                   "--control-socket", sock});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    struct stat st {};
    ASSERT_EQ(::stat(sock.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    Process target({bin, "60"});
    ASSERT_TRUE(target.wait_for_stderr("running")) << target.err();

    Finished added = ctl(sock, {"add", "--name", "b", bin + ":lc_b(int i) ret:int"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    EXPECT_EQ(added.out, "added probe b\n");
    ASSERT_TRUE(wait_delivered(sock, "b", 100)) << agent.err();
    std::set<uint32_t> programs = probe_program_ids(agent.pid());
    ASSERT_EQ(programs.size(), 2u);
    EXPECT_EQ(links_of(programs), 2);  // the uprobe and the uretprobe
    Finished list = ctl(sock, {"list"});
    EXPECT_NE(list.out.find("probe  b                        enabled       2  " + bin),
              std::string::npos)
        << list.out;

    Finished removed = ctl(sock, {"remove", "b"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_EQ(removed.out, "removed probe b\n");
    EXPECT_EQ(links_of(programs), 0) << "a link of the removed probe is left";
    int64_t at_removal = probe_delivered(sock, "b");
    EXPECT_EQ(at_removal, -1);  // no longer listed
    target.signal(SIGINT);
    EXPECT_EQ(target.wait().exit_code, 0);

    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = records_in(out);
    auto calls = select(records, [](const JsonRecord& r) { return r.str("probe") == "b"; });
    ASSERT_GE(calls.size(), 100u);
    // Consecutive calls while attached, none after: i runs without a gap.
    for (size_t k = 1; k < calls.size(); ++k)
        EXPECT_EQ(calls[k]->num("i"), calls[k - 1]->num("i") + 1) << calls[k]->line();
    EXPECT_NE(f.err.find("probe b: "), std::string::npos) << f.err;  // in the summary
    EXPECT_EQ(::stat(sock.c_str(), &st), -1) << "the socket outlived its agent";
}

// Proves: an unchanged probe loses and duplicates nothing while another probe
// is added and removed 20 times beside it, under load: every call of lc_a is
// one record, in order, and the probe trace's per-cpu sequence numbers run
// without a gap or a repeat across every change; a condition replaced live
// (make before break) takes effect.
TEST(CtlE2E, UnchangedProbeLosesNothingAcross20ChangesBesideIt) {
    PROBELOG_REQUIRE_ROOT();
    std::string sock = socket_path("reload");
    std::string out = "/tmp/" + unique_token("plctl-out") + ".jsonl";
    std::string bin = testprog("live_calls");
    Process agent({probelog_bin(), "-o", "file://" + out, "--poll-ms", "20", "--control-socket",
                   sock, "--probe", bin + ":lc_a(int i) ret:int"});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    Process target({bin, "60"});
    ASSERT_TRUE(target.wait_for_stderr("running")) << target.err();
    for (int k = 0; k < 20; ++k) {
        Finished a = ctl(sock, {"add", "--name", "b", bin + ":lc_b(int i)"});
        ASSERT_EQ(a.exit_code, 0) << a.err;
        Finished r = ctl(sock, {"remove", "b"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // A condition, then another in its place.
    Finished even = ctl(sock, {"add", "--name", "c", bin + ":lc_b(int i) if i & 2"});
    ASSERT_EQ(even.exit_code, 0) << even.err;
    ASSERT_TRUE(wait_delivered(sock, "c", 20));
    Finished odd = ctl(sock, {"add", "--replace", "--name", "c", bin + ":lc_b(int i) if i & 1"});
    ASSERT_EQ(odd.exit_code, 0) << odd.err;
    EXPECT_EQ(odd.out, "replaced probe c\n");
    // The new condition's records, then the end of the calls.
    ASSERT_TRUE(wait_delivered(sock, "c", 20));
    target.signal(SIGINT);
    auto finished = target.wait();
    ASSERT_EQ(finished.exit_code, 0);
    long calls = 0;
    ASSERT_EQ(std::sscanf(finished.err.c_str() + finished.err.find("calls "), "calls %ld", &calls),
              1);

    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = records_in(out);
    auto a = select(records, [](const JsonRecord& r) { return r.str("probe").ends_with("lc_a"); });
    ASSERT_EQ(a.size(), static_cast<size_t>(calls)) << f.err;
    for (size_t k = 0; k < a.size(); ++k)
        ASSERT_EQ(a[k]->num("i"), static_cast<int64_t>(k)) << a[k]->line();
    // Sequence numbers per cpu over every probe record: 0, 1, 2, ...
    std::map<uint64_t, std::vector<uint64_t>> seqs;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "probe") seqs[r.unum("cpu")].push_back(r.unum("seq"));
    }
    for (auto& [cpu, s] : seqs) {
        std::sort(s.begin(), s.end());
        for (size_t k = 0; k < s.size(); ++k)
            ASSERT_EQ(s[k], k) << "cpu " << cpu << ": a gap or a repeat";
    }
    // Each condition held while its probe was attached, and both ran: i % 4
    // == 2 passes only the old one (i & 2), i % 4 == 1 only the new (i & 1).
    bool seen_old = false;
    bool seen_new = false;
    for (const JsonRecord& r : records) {
        if (r.str("probe") != "c") continue;
        int64_t i = r.num("i");
        if (i % 4 == 2) {
            EXPECT_FALSE(seen_new) << "the old condition after the replacement: " << r.line();
            seen_old = true;
        } else if (i % 4 == 1) {
            seen_new = true;
        } else if (i % 4 == 0) {
            ADD_FAILURE() << "neither condition holds: " << r.line();
        }
    }
    EXPECT_TRUE(seen_old);
    EXPECT_TRUE(seen_new);
}

// Proves: a built-in trace switched on in a running agent records, paused
// records nothing while its hooks stay, resumed records again, and removed
// leaves the agent running; its counts stay exact in the summary.
TEST(CtlE2E, TraceSwitchedOnPausedResumedAndRemoved) {
    PROBELOG_REQUIRE_ROOT();
    std::string sock = socket_path("trace");
    Process agent({probelog_bin(), "-o", "json", "--poll-ms", "20", "--trace", "exit",
                   "--control-socket", sock});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    auto exec_of = [&](const std::string& token) {
        Finished f = run({"/bin/echo", token});
        EXPECT_EQ(f.exit_code, 0);
    };
    std::string before = unique_token("before");
    exec_of(before);
    ASSERT_EQ(ctl(sock, {"enable", "exec"}).exit_code, 0);
    std::string on = unique_token("on");
    exec_of(on);
    Finished paused = ctl(sock, {"disable", "exec"});
    ASSERT_EQ(paused.exit_code, 0) << paused.err;
    EXPECT_NE(ctl(sock, {"list"}).out.find("paused"), std::string::npos);
    std::string off = unique_token("off");
    exec_of(off);
    ASSERT_EQ(ctl(sock, {"enable", "exec"}).exit_code, 0);
    std::string again = unique_token("again");
    exec_of(again);
    std::this_thread::sleep_for(200ms);
    Finished removed = ctl(sock, {"remove", "exec"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    std::string gone = unique_token("gone");
    exec_of(gone);
    Finished bad = ctl(sock, {"enable", "nosuch"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.err, "probelog: ctl: no probe or trace named 'nosuch' (see probelog ctl list)\n");

    agent.signal(SIGINT);
    Finished f = agent.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto execs_with = [&](const std::string& token) {
        return select(records,
                      [&](const JsonRecord& r) {
                          return r.str("event_type") == "exec" &&
                                 r.raw("args").find(token) != std::string::npos;
                      })
            .size();
    };
    EXPECT_EQ(execs_with(before), 0u);
    EXPECT_EQ(execs_with(on), 1u);
    EXPECT_EQ(execs_with(off), 0u);
    EXPECT_EQ(execs_with(again), 1u);
    EXPECT_EQ(execs_with(gone), 0u);
    EXPECT_NE(f.err.find("exec: "), std::string::npos) << f.err;
}

// Proves: the control socket answers root only: its directory and file keep
// other users out, and a client let through anyway (the modes loosened) is
// refused by its credentials. Bad requests get one line and change nothing.
TEST(CtlE2E, SocketRefusesNonRootClientsAndBadRequests) {
    PROBELOG_REQUIRE_ROOT();
    std::string sock = socket_path("root");
    Process agent({probelog_bin(), "-o", "json", "--trace", "exit", "--control-socket", sock});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    std::vector<std::string> as_nobody = {"/usr/bin/setpriv",
                                          "--reuid=65534",
                                          "--regid=65534",
                                          "--clear-groups",
                                          probelog_bin(),
                                          "ctl",
                                          "--socket",
                                          sock,
                                          "list"};
    Finished denied = run(as_nobody);
    EXPECT_EQ(denied.exit_code, 1);
    EXPECT_EQ(denied.err, "probelog: ctl: permission denied for " + sock +
                              ": the control socket is root only\n");
    std::string dir = sock.substr(0, sock.rfind('/'));
    ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(sock.c_str(), 0777), 0);
    Finished refused = run(as_nobody);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err, "probelog: ctl: the control socket is root only\n");

    Finished missing = ctl(sock, {"add", testprog("live_calls") + ":no_such_function"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no_such_function"), std::string::npos) << missing.err;
    EXPECT_EQ(missing.err.find('\n'), missing.err.size() - 1) << "one line: " << missing.err;
    Finished usage = ctl(sock, {"frobnicate"});
    EXPECT_EQ(usage.exit_code, 2);
    EXPECT_NE(ctl(sock, {"remove", "nothing"}).exit_code, 0);
    Finished list = ctl(sock, {"list"});
    EXPECT_EQ(list.exit_code, 0);
    EXPECT_NE(list.out.find("exit"), std::string::npos) << list.out;

    agent.signal(SIGINT);
    EXPECT_EQ(agent.wait().exit_code, 0);
}

}  // namespace
}  // namespace probelog::test

namespace probelog::test {
namespace {

// Proves: `probelog ctl xdp ...` reaches the agent's XDP blocklist through the
// agent's control socket, and today's `probelog xdp` (the XDP socket) sees the
// same blocklist. The agent runs in a network namespace of its own (its lo).
TEST(CtlE2E, XdpCommandsThroughTheAgentSocket) {
    PROBELOG_REQUIRE_ROOT();
    std::string ns = unique_token("plctlxdp");
    ASSERT_EQ(run({"/usr/sbin/ip", "netns", "add", ns}).exit_code, 0);
    std::string sock = socket_path("xdp");
    std::string xdp_sock = sock + ".xdp";
    {
        Process agent({"/usr/sbin/ip", "netns", "exec", ns, probelog_bin(), "-o", "json", "--xdp",
                       "lo", "--xdp-socket", xdp_sock, "--control-socket", sock});
        ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
        Finished blocked = ctl(sock, {"xdp", "block", "10.9.9.0/24"});
        EXPECT_EQ(blocked.exit_code, 0) << blocked.err;
        Finished listed = ctl(sock, {"xdp", "list"});
        EXPECT_NE(listed.out.find("10.9.9.0/24"), std::string::npos) << listed.out;
        Finished old = run({probelog_bin(), "xdp", "--socket", xdp_sock, "list"});
        EXPECT_NE(old.out.find("10.9.9.0/24"), std::string::npos) << old.out << old.err;
        Finished bad = ctl(sock, {"xdp", "block", "10.9.9.1/24"});
        EXPECT_EQ(bad.exit_code, 1);
        EXPECT_NE(bad.err.find("has bits set past the prefix length"), std::string::npos)
            << bad.err;
        agent.signal(SIGINT);
        EXPECT_EQ(agent.wait().exit_code, 0);
    }
    run({"/usr/sbin/ip", "netns", "del", ns});
}

}  // namespace
}  // namespace probelog::test
