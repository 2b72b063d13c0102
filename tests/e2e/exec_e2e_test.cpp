// probelog run as a user runs it, against execs the test causes itself.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

constexpr const char* kReady = "Ctrl-C to stop";

// Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts).
std::string cgroup2_mount() {
    std::ifstream in("/proc/mounts");
    std::string dev, dir, type;
    std::string rest;
    while (in >> dev >> dir >> type && std::getline(in, rest)) {
        if (type == "cgroup2") return dir;
    }
    return {};
}

uint64_t own_cgroup_id() {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line) && line.rfind("0::", 0) != 0) {
    }
    std::string path = cgroup2_mount() + line.substr(3);
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(ExecE2E, OneRecordWithEveryFieldRightForAnEcho) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20"});
    std::string token = unique_token("echo");
    auto before = std::chrono::system_clock::now();
    pid_t child = spawn({"/bin/echo", token, "second arg"});
    ASSERT_EQ(wait_exit(child), 0);
    auto records = stop_and_parse(*p);

    auto mine = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(mine.size(), 1u) << p->out();
    const JsonRecord& r = *mine[0];
    EXPECT_EQ(r.str("event_type"), "exec");
    EXPECT_EQ(r.unum("pid"), static_cast<uint64_t>(child));
    EXPECT_EQ(r.unum("tid"), static_cast<uint64_t>(child));
    EXPECT_EQ(r.unum("ppid"), static_cast<uint64_t>(getpid()));
    EXPECT_EQ(r.unum("uid"), 0u);
    EXPECT_EQ(r.unum("gid"), 0u);
    EXPECT_EQ(r.unum("cgroup_id"), own_cgroup_id());
    EXPECT_EQ(r.str("comm"), "echo");
    EXPECT_EQ(r.str("stage"), "exit");
    EXPECT_EQ(r.str("filename"), "/bin/echo");
    EXPECT_EQ(r.str("argv"), "/bin/echo");
    EXPECT_EQ(r.str("argv2"), "second arg");
    EXPECT_EQ(r.str("argv_last"), "second arg");
    EXPECT_EQ(r.unum("argc"), 3u);
    EXPECT_EQ(r.strings("args"), (std::vector<std::string>{"/bin/echo", token, "second arg"}));
    EXPECT_FALSE(r.boolean("args_truncated"));
    EXPECT_EQ(r.num("error_raw"), 0);
    EXPECT_FALSE(r.has("error"));

    // time: the kernel's event time as RFC 3339 UTC with ns, inside the test's window.
    std::string t = r.str("time");
    ASSERT_EQ(t.size(), 30u) << t;
    EXPECT_EQ(t[10], 'T');
    EXPECT_EQ(t.back(), 'Z');
    std::tm tm{};
    strptime(t.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    auto secs = std::chrono::system_clock::from_time_t(timegm(&tm));
    EXPECT_GE(secs + std::chrono::seconds(1), before);
    EXPECT_LE(secs, std::chrono::system_clock::now());

    // Field order is stable: Fluent Bit's names, in this order.
    std::vector<std::string> keys = r.keys();
    std::vector<std::string> expected_prefix = {
        "time",      "event_type", "pid",       "tid",  "ppid",  "uid",           "gid",
        "cgroup_id", "comm",       "cpu",       "seq",  "stage", "filename",      "argv",
        "argv1",     "argv2",      "argv_last", "argc", "args",  "args_truncated"};
    ASSERT_GE(keys.size(), expected_prefix.size());
    EXPECT_EQ(std::vector<std::string>(keys.begin(),
                                       keys.begin() + static_cast<long>(expected_prefix.size())),
              expected_prefix);
}

TEST(ExecE2E, FailedExecsAreRecordsWithTheirErrno) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20"});
    std::string missing = "/nonexistent/" + unique_token("missing");
    pid_t a = spawn({missing});
    EXPECT_EQ(wait_exit(a), 127);

    std::string not_executable = "/tmp/" + unique_token("noexec");
    { std::ofstream(not_executable) << "#!/bin/sh\n"; }
    chmod(not_executable.c_str(), 0644);
    pid_t b = spawn({not_executable});
    EXPECT_EQ(wait_exit(b), 127);
    unlink(not_executable.c_str());
    auto records = stop_and_parse(*p);

    auto enoent =
        select(records, [&](const JsonRecord& r) { return r.str("filename") == missing; });
    ASSERT_EQ(enoent.size(), 1u) << p->out();
    EXPECT_EQ(enoent[0]->num("error_raw"), 2);
    EXPECT_EQ(enoent[0]->str("error"), "ENOENT");
    EXPECT_EQ(enoent[0]->unum("pid"), static_cast<uint64_t>(a));

    auto eacces =
        select(records, [&](const JsonRecord& r) { return r.str("filename") == not_executable; });
    ASSERT_EQ(eacces.size(), 1u) << p->out();
    EXPECT_EQ(eacces[0]->num("error_raw"), 13);
    EXPECT_EQ(eacces[0]->str("error"), "EACCES");
}

TEST(ExecE2E, CommandModeTracesTheCommandAndItsDescendantsOnly) {
    PROBELOG_REQUIRE_ROOT();
    std::string inner = unique_token("inner");
    std::string outer = unique_token("outer");
    std::string outsider = unique_token("outsider");
    // The command's output shares probelog's stdout; keep it out of the records.
    std::string script =
        "exec >/dev/null; /bin/echo " + outer + "; sleep 0.5; /bin/sh -c '/bin/echo " + inner + "'";
    Process p({probelog_bin(), "--trace", "exec", "-o", "json", "--poll-ms", "20", "--", "/bin/sh",
               "-c", script});
    ASSERT_TRUE(p.wait_for_stderr(kReady)) << p.err();
    pid_t other = spawn({"/bin/echo", outsider});
    EXPECT_EQ(wait_exit(other), 0);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);

    std::vector<std::string> argv1s;
    for (const auto& r : records) {
        if (r.str("event_type") == "exec") argv1s.push_back(r.str("argv1"));
    }
    // sh -c script, echo outer, sleep 0.5, sh -c '...', echo inner; and not the outsider.
    std::vector<std::string> expected = {"-c", outer, "0.5", "-c", inner};
    EXPECT_EQ(argv1s, expected) << f.out;
}

TEST(ExecE2E, CommandModeExitsWithTheCommandsStatus) {
    PROBELOG_REQUIRE_ROOT();
    Finished f =
        run({probelog_bin(), "--trace", "exec", "-o", "json", "--", "/bin/sh", "-c", "exit 7"});
    EXPECT_EQ(f.exit_code, 7) << f.err;
    Finished killed = run(
        {probelog_bin(), "--trace", "exec", "-o", "json", "--", "/bin/sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(killed.exit_code, 128 + SIGTERM) << killed.err;
    Finished missing = run({probelog_bin(), "--trace", "exec", "--", "no-such-command-xyz"});
    EXPECT_EQ(missing.exit_code, 127);
    EXPECT_EQ(missing.err,
              "probelog: cannot run 'no-such-command-xyz': command not found in PATH\n");
}

// --duration ends the run before the command: the command ends too (SIGTERM,
// SIGKILL after a second for one that ignores it), and its status is the run's.
TEST(ExecE2E, CommandEndsWithTheRun) {
    PROBELOG_REQUIRE_ROOT();
    auto started = std::chrono::steady_clock::now();
    Finished f = run(
        {probelog_bin(), "--trace", "exit", "-o", "json", "-d", "500ms", "--", "/bin/sleep", "30"});
    EXPECT_EQ(f.exit_code, 128 + SIGTERM) << f.err;
    EXPECT_NE(f.err.find("the run ended before the command: stopped it"), std::string::npos)
        << f.err;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
    // The hooks were still there to see it go.
    auto records = parse_json_lines(f.out);
    auto exits = select(records, [](const JsonRecord& r) { return r.str("comm") == "sleep"; });
    ASSERT_EQ(exits.size(), 1u) << f.out;

    Finished stubborn = run({probelog_bin(), "--trace", "exec", "-d", "500ms", "--", "/bin/sh",
                             "-c", "trap '' TERM; while :; do sleep 0.1; done"});
    EXPECT_EQ(stubborn.exit_code, 128 + SIGKILL) << stubborn.err;
}

TEST(ExecE2E, TinyRingBufferDeliveredPlusLostEqualsExecsPerformed) {
    PROBELOG_REQUIRE_ROOT();
    // The command stops probelog (its parent) so that nothing is read while it
    // execs 200 times into a one-page ring buffer, then lets it go on.
    constexpr int kExecs = 200;
    std::string script = "kill -STOP $PPID; i=0; while [ $i -lt " + std::to_string(kExecs) +
                         " ]; do /bin/true; i=$((i+1)); done; kill -CONT $PPID";
    Finished f = run({probelog_bin(), "--trace", "exec", "-o", "json", "--ringbuf-size", "4096",
                      "--", "/bin/sh", "-c", script});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    uint64_t delivered = 0;
    uint64_t lost = 0;
    for (const auto& r : records) {
        if (r.str("event_type") == "exec") ++delivered;
        if (r.str("event_type") == "lost" && r.str("trace") == "exec") lost += r.unum("lost");
    }
    EXPECT_GT(lost, 0u) << "the ring buffer should have overflowed";
    EXPECT_GT(delivered, 1u);
    EXPECT_EQ(delivered + lost, static_cast<uint64_t>(kExecs + 1)) << f.err;  // + the sh itself
    EXPECT_NE(f.err.find(fmt::format("exec: {} delivered, {} lost", delivered, lost)),
              std::string::npos)
        << f.err;
}

// BPF program and link ids held by a process, from its fdinfo.
std::vector<std::pair<std::string, unsigned>> bpf_ids_of(pid_t pid) {
    std::vector<std::pair<std::string, unsigned>> ids;
    std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    for (int fd = 0; fd < 1024; ++fd) {
        std::ifstream in(dir + "/" + std::to_string(fd));
        std::string line;
        while (std::getline(in, line)) {
            for (const char* key : {"prog_id:", "link_id:"}) {
                if (line.rfind(key, 0) == 0) {
                    ids.emplace_back(std::string(key).substr(0, 4), std::stoul(line.substr(8)));
                }
            }
        }
    }
    return ids;
}

TEST(ExecE2E, NoProgramOrLinkRemainsAfterExit) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"-o", "json"});
    auto ids = bpf_ids_of(p->pid());
    size_t progs = 0;
    size_t links = 0;
    for (const auto& [kind, id] : ids)
        (kind == "prog" ? progs : links)++;
    EXPECT_GE(progs, 6u);
    EXPECT_GE(links, 6u);
    stop_and_parse(*p);
    // The kernel frees tracing (trampoline) programs after an RCU-tasks grace
    // period, so a just-closed program can be listed for a moment: allow 10 s.
    for (const auto& [kind, id] : ids) {
        std::vector<std::string> show = {"/usr/sbin/bpftool", kind == "prog" ? "prog" : "link",
                                         "show", "id", std::to_string(id)};
        Finished f;
        for (int attempt = 0; attempt < 100; ++attempt) {
            f = run(show);
            if (f.exit_code != 0) break;
            std::this_thread::sleep_for(100ms);
        }
        EXPECT_NE(f.exit_code, 0) << kind << " " << id << " still exists: " << f.out;
    }
}

TEST(ExecE2E, CommFilterInTheKernel) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exec", "-o", "json", "--comm", "true", "--poll-ms", "20"});
    std::string token = unique_token("comm");
    ASSERT_EQ(wait_exit(spawn({"/bin/true", token})), 0);
    ASSERT_EQ(wait_exit(spawn({"/bin/echo", token})), 0);
    auto records = stop_and_parse(*p);
    auto mine = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(mine.size(), 1u) << p->out();
    EXPECT_EQ(mine[0]->str("comm"), "true");
}

TEST(ExecE2E, PidFilterInTheKernel) {
    PROBELOG_REQUIRE_ROOT();
    // A shell that waits for a go signal, so its pid is known before it execs anything.
    std::string fifo = "/tmp/" + unique_token("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::string token = unique_token("pid");
    pid_t shell = spawn({"/bin/sh", "-c", "read x < " + fifo + "; exec /bin/echo " + token});
    auto p = start_probelog(
        {"--trace", "exec", "-o", "json", "--pid", std::to_string(shell), "--poll-ms", "20"});
    ASSERT_EQ(wait_exit(spawn({"/bin/echo", token})), 0);  // another process: filtered out
    { std::ofstream(fifo) << "go\n"; }
    ASSERT_EQ(wait_exit(shell), 0);
    unlink(fifo.c_str());
    auto records = stop_and_parse(*p);
    auto mine = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(mine.size(), 1u) << p->out();
    EXPECT_EQ(mine[0]->unum("pid"), static_cast<uint64_t>(shell));
}

TEST(ExecE2E, CgroupFilterInTheKernel) {
    PROBELOG_REQUIRE_ROOT();
    std::string root = cgroup2_mount();
    ASSERT_FALSE(root.empty()) << "no cgroup v2 hierarchy mounted";
    std::string cgroup = root + "/" + unique_token("probelog-test");
    ASSERT_EQ(mkdir(cgroup.c_str(), 0755), 0) << cgroup;
    std::string fifo = "/tmp/" + unique_token("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::string token = unique_token("cg");
    pid_t inside = spawn({"/bin/sh", "-c", "read x < " + fifo + "; exec /bin/echo " + token});
    { std::ofstream(cgroup + "/cgroup.procs") << inside << "\n"; }

    auto p =
        start_probelog({"--trace", "exec", "-o", "json", "--cgroup", cgroup, "--poll-ms", "20"});
    ASSERT_EQ(wait_exit(spawn({"/bin/echo", token})), 0);  // outside the cgroup
    { std::ofstream(fifo) << "go\n"; }
    ASSERT_EQ(wait_exit(inside), 0);
    unlink(fifo.c_str());
    auto records = stop_and_parse(*p);
    rmdir(cgroup.c_str());
    auto mine = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(mine.size(), 1u) << p->out();
    EXPECT_EQ(mine[0]->unum("pid"), static_cast<uint64_t>(inside));
    struct stat st {};
    EXPECT_EQ(mine[0]->unum("cgroup_id"),
              stat(cgroup.c_str(), &st) == 0 ? st.st_ino : mine[0]->unum("cgroup_id"));
}

TEST(ExecE2E, CgroupThatIsNotCgroupV2) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--cgroup", "/tmp"});
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err.rfind("probelog: --cgroup: '/tmp' is not a cgroup v2 directory", 0), 0u)
        << f.err;
}

TEST(ExecE2E, NotRootIsOneClearLine) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      "--inh-caps=-all", probelog_bin(), "--trace", "exec"});
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err,
              "probelog: need CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs: run "
              "as root, e.g. sudo probelog ...\n");
}

TEST(ExecE2E, PidThatDoesNotExist) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--pid", "4000000"});
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err, "probelog: --pid 4000000: no such process\n");
}

TEST(ExecE2E, DurationAndMaxRecordsStopTheRun) {
    PROBELOG_REQUIRE_ROOT();
    auto start = std::chrono::steady_clock::now();
    Finished f = run({probelog_bin(), "--trace", "exec", "-o", "json", "--duration", "300ms"});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

    Finished limited = run({probelog_bin(), "--trace", "exec", "-o", "json", "--max-records", "2",
                            "--", "/bin/sh", "-c", "/bin/true; /bin/true; /bin/true; /bin/true"});
    auto records = parse_json_lines(limited.out);
    EXPECT_EQ(
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "exec"; }).size(),
        2u);
}

}  // namespace
}  // namespace probelog::test

namespace probelog::test {
namespace {

TEST(ExecE2E, SigtermDrainsPrintsTheSummaryAndDetaches) {
    PROBELOG_REQUIRE_ROOT();
    Process p({probelog_bin(), "--trace", "exec", "-o", "json", "--poll-ms", "5000"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    std::string token = unique_token("term");
    ASSERT_EQ(wait_exit(spawn({"/bin/echo", token})), 0);
    // The reader would not drain for 5 s on its own: the record must come from
    // the drain that SIGTERM triggers.
    p.signal(SIGTERM);
    Finished f = p.wait(std::chrono::seconds(4));
    EXPECT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    EXPECT_EQ(select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; }).size(),
              1u);
    EXPECT_NE(f.err.find("records delivered"), std::string::npos) << f.err;
}

TEST(ExecE2E, CommandKeepsItsOwnStdinStdoutAndStderr) {
    PROBELOG_REQUIRE_ROOT();
    std::string dir = "/tmp/" + unique_token("stdio");
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    std::string input = dir + "/in.txt";
    std::string records = dir + "/records.jsonl";
    { std::ofstream(input) << "line from stdin\n"; }
    Process p({probelog_bin(), "--trace", "exec", "-o", "file://" + records, "--", "/bin/sh", "-c",
               "cat; echo to-stderr >&2; exit 3"},
              input);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 3) << f.err;
    EXPECT_EQ(f.out, "line from stdin\n");  // the command's stdout, and nothing else
    EXPECT_NE(f.err.find("to-stderr\n"), std::string::npos) << f.err;
    std::ifstream in(records);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto recs = parse_json_lines(text);
    EXPECT_EQ(select(recs, [](const JsonRecord& r) { return r.str("comm") == "cat"; }).size(), 1u)
        << text;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace probelog::test
