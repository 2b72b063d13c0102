// The host under faults (issue 20): two agents at once, a second agent for an
// interface that already has probelog's XDP program, tracefs not mounted, no
// kernel BTF. The last two run probelog in a private mount namespace
// (unshare -m) where the test unmounts or hides what probelog needs; the host's
// own mounts are never touched.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

constexpr const char* kReady = "Ctrl-C to stop";

size_t line_count(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string ip_bin() {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (access(p, X_OK) == 0) return p;
    }
    return "ip";
}

// argv run by /bin/sh in a private mount namespace after `setup` (shell
// commands, e.g. unmounting something there).
std::vector<std::string> in_private_mounts(const std::string& setup,
                                           const std::vector<std::string>& argv) {
    std::string cmd = setup + "; exec";
    for (const std::string& a : argv)
        cmd += " '" + a + "'";
    return {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", cmd};
}

// Proves: two agents run side by side without sharing anything: each counts
// exactly the execs made while it ran, and stopping one (detaching its
// tracepoints, closing its rings) leaves the other's hooks working. (No probe
// here: loading the uprobe program takes seconds; the kernel counts uprobe
// users per consumer just as it does tracepoint links.)
TEST(FaultSystemE2E, TwoAgentsAtOnceCountExactlyAndIndependently) {
    PROBELOG_REQUIRE_ROOT();
    std::vector<std::string> args = {probelog_bin(), "--trace", "exec", "--poll-ms",
                                     "20",           "-v",      "-o",   "json"};
    Process a(args);
    Process b(args);
    ASSERT_TRUE(a.wait_for_stderr(kReady)) << a.err();
    ASSERT_TRUE(b.wait_for_stderr(kReady)) << b.err();
    std::string both = unique_token("both"), only_b = unique_token("onlyb");
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(run({"/bin/true", both}).exit_code, 0);
    (void)a.wait_for_stderr("\x01", std::chrono::milliseconds(200));  // a few drains
    a.signal(SIGINT);
    Finished fa = a.wait();
    ASSERT_EQ(fa.exit_code, 0) << fa.err;
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(run({"/bin/true", only_b}).exit_code, 0);
    (void)b.wait_for_stderr("\x01", std::chrono::milliseconds(200));
    b.signal(SIGINT);
    Finished fb = b.wait();
    ASSERT_EQ(fb.exit_code, 0) << fb.err;

    auto execs = [](const Finished& f, const std::string& token) {
        return select(parse_json_lines(f.out),
                      [&](const JsonRecord& r) {
                          return r.str("event_type") == "exec" && r.str("argv1") == token;
                      })
            .size();
    };
    EXPECT_EQ(execs(fa, both), 20u);
    EXPECT_EQ(execs(fa, only_b), 0u);
    EXPECT_EQ(execs(fb, both), 20u);
    EXPECT_EQ(execs(fb, only_b), 10u);
    // Neither lost anything: every exec the kernel saw, each agent delivered.
    for (const Finished* f : {&fa, &fb}) {
        EXPECT_TRUE(std::regex_search(
            f->err, std::regex(R"(exec: (\d+) delivered, 0 lost of \1 generated)")))
            << f->err;
    }
}

// Proves: a second agent for an interface that already has probelog's XDP
// program (another agent's, with its own control socket) is refused with one
// clear line, with or without --xdp-force, and the first agent keeps its
// program.
TEST(FaultSystemE2E, SecondXdpAgentOnTheSameInterfaceIsRefusedInOneClearLine) {
    PROBELOG_REQUIRE_ROOT();
    std::string id = fmt::format("{}", getpid() % 100000);
    std::string ns = "plf-" + id, dev = "plfa" + id, peer = "plfb" + id;
    const std::string ip = ip_bin();
    ASSERT_EQ(run({ip, "netns", "add", ns}).exit_code, 0);
    struct Cleanup {
        std::string ip, ns;
        ~Cleanup() { run({ip, "netns", "del", ns}); }
    } cleanup{ip, ns};
    ASSERT_EQ(
        run({ip, "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", peer}).exit_code, 0);
    ASSERT_EQ(run({ip, "-n", ns, "link", "set", dev, "up"}).exit_code, 0);
    ASSERT_EQ(run({ip, "-n", ns, "link", "set", peer, "up"}).exit_code, 0);
    auto in_ns = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {ip, "netns", "exec", ns});
        return argv;
    };
    std::string sock1 = fmt::format("/tmp/probelog-fault-{}-1.sock", id);
    std::string sock2 = fmt::format("/tmp/probelog-fault-{}-2.sock", id);
    Process first(in_ns(
        {probelog_bin(), "--xdp", dev, "--xdp-socket", sock1, "-o", "json", "--poll-ms", "20"}));
    ASSERT_TRUE(first.wait_for_stderr(kReady)) << first.err();
    auto link = [&] { return run({ip, "-n", ns, "link", "show", "dev", dev}).out; };
    std::string before = link();
    ASSERT_NE(before.find("xdp"), std::string::npos) << before;

    for (bool force : {false, true}) {
        SCOPED_TRACE(force ? "--xdp-force" : "plain");
        std::vector<std::string> argv = {probelog_bin(), "--xdp", dev,   "--xdp-socket",
                                         sock2,          "-o",    "json"};
        if (force) argv.push_back("--xdp-force");
        Finished second = run(in_ns(argv), std::chrono::seconds(20));
        EXPECT_EQ(second.exit_code, 1) << second.err;
        EXPECT_EQ(line_count(second.err), 1u) << second.err;
        EXPECT_NE(second.err.find(dev), std::string::npos) << second.err;
        EXPECT_NE(second.err.find("another probelog"), std::string::npos) << second.err;
        EXPECT_EQ(link(), before);  // the first agent's program is still there
        EXPECT_NE(access(sock2.c_str(), F_OK), 0);
    }
    first.signal(SIGINT);
    Finished f = first.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_EQ(link().find("xdp"), std::string::npos);
}

// Proves: with tracefs mounted nowhere (neither /sys/kernel/tracing nor
// debugfs's tracing), probelog mounts it itself and traces; and where it may
// not mount it (no CAP_SYS_ADMIN), it stops with one line saying what to run.
TEST(FaultSystemE2E, TracefsNotMountedIsMountedOrOneLineSaysHow) {
    PROBELOG_REQUIRE_ROOT();
    const std::string unmount =
        "umount -l /sys/kernel/debug 2>/dev/null; umount -l /sys/kernel/tracing 2>/dev/null; "
        "test ! -e /sys/kernel/tracing/events";
    std::string token = unique_token("tracefs");
    Finished f =
        run(in_private_mounts(unmount, {probelog_bin(), "-v", "--trace", "exec", "-o", "json",
                                        "--poll-ms", "20", "--", "/bin/true", token}));
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find("mounted tracefs at /sys/kernel/tracing"), std::string::npos) << f.err;
    auto execs = select(parse_json_lines(f.out),
                        [&](const JsonRecord& r) { return r.str("argv1") == token; });
    EXPECT_EQ(execs.size(), 1u) << f.out;

    // Without CAP_SYS_ADMIN (still CAP_BPF and CAP_PERFMON) it cannot mount it.
    Finished g = run(in_private_mounts(
        unmount, {"/usr/bin/setpriv", "--inh-caps", "-sys_admin", "--bounding-set", "-sys_admin",
                  "--", probelog_bin(), "--trace", "exec", "--", "/bin/true"}));
    EXPECT_EQ(g.exit_code, 1) << g.err;
    EXPECT_EQ(g.err,
              "probelog: tracefs is not mounted and mounting it failed (Operation not "
              "permitted): run 'mount -t tracefs tracefs /sys/kernel/tracing' and try again\n");
}

// Proves: on a kernel without BTF (here /sys/kernel/btf/vmlinux hidden by an
// empty file) probelog stops (status 1, no crash, no libbpf noise) with a line
// that names the missing BTF and the kernel option, for a trace and a probe.
TEST(FaultSystemE2E, NoKernelBtfStopsWithALineThatSaysSo) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-fault-btf"};
    std::string empty = dir.write("vmlinux", "");
    const std::string hide =
        "mount --bind " + empty + " /sys/kernel/btf/vmlinux && test ! -s /sys/kernel/btf/vmlinux";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--trace", "exec"},
          std::vector<std::string>{"--probe", testprog("fault_call") + ":fc_add(int a, int b)"}}) {
        std::vector<std::string> argv = {probelog_bin(), "-o", "json"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--", "/bin/true"});
        Finished f = run(in_private_mounts(hide, argv));
        SCOPED_TRACE(args[0]);
        EXPECT_EQ(f.exit_code, 1) << f.err;
        EXPECT_NE(f.err.find("this kernel's BTF (/sys/kernel/btf/vmlinux) is missing or "
                             "unreadable; probelog needs a kernel built with "
                             "CONFIG_DEBUG_INFO_BTF=y"),
                  std::string::npos)
            << f.err;
        // Only probelog's own lines: no libbpf output, no crash.
        std::istringstream lines(f.err);
        for (std::string line; std::getline(lines, line);)
            EXPECT_TRUE(line.starts_with("probelog: ")) << line;
        EXPECT_LE(line_count(f.err), 2u) << f.err;
        EXPECT_EQ(f.out, "");
    }
}

}  // namespace
}  // namespace probelog::test
