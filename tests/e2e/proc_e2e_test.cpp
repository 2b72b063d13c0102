// The signal and exit traces end to end: this test signals children it forked,
// lets the kernel signal them (a fault, SIGCHLD) and makes them exit in known
// ways, then matches records on those children's pids.
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>

#include "run_probelog.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A forked child's end by a kernel-generated SIGSEGV (SEGV_MAPERR): a store to
// a page that was just unmapped, with SIGSEGV's default action. Not a store to
// nullptr, which UBSan reports instead of letting it fault, and not with a
// sanitizer's SIGSEGV handler, which exits instead of dying of the signal.
[[noreturn]] void die_of_segv() {
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, SIG_DFL);
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* gone = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gone == MAP_FAILED || munmap(gone, page) != 0) _exit(1);
    *static_cast<volatile int*>(gone) = 1;
    _exit(0);
}

// A forked child that names itself `comm`, runs `setup`, reports ready on a pipe,
// then waits for signals forever.
template <typename Setup>
pid_t start_target(const char* comm, Setup setup) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, comm);
        setup();
        (void)!write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    EXPECT_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    close(ready[1]);
    return pid;
}

int reap(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

std::vector<const JsonRecord*> signals_to(const std::vector<JsonRecord>& records, pid_t target,
                                          int sig) {
    return select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "signal" && r.num("tpid") == target && r.num("signal") == sig;
    });
}

TEST(SignalE2E, KillOfAChildThenTheKernelsSigchld) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "signal", "-o", "json", "--poll-ms", "20"});
    pid_t child = start_target("pl-sig-target", [] {});
    ASSERT_EQ(kill(child, SIGTERM), 0);
    EXPECT_EQ(reap(child), SIGTERM);
    auto records = stop_and_parse(*p);

    auto term = signals_to(records, child, SIGTERM);
    ASSERT_EQ(term.size(), 1u) << p->out();
    const JsonRecord& r = *term[0];
    EXPECT_EQ(r.unum("pid"), static_cast<uint64_t>(getpid()));  // the sender
    EXPECT_EQ(r.unum("tid"), static_cast<uint64_t>(gettid()));
    EXPECT_EQ(r.str("comm"), "e2e_tests");
    EXPECT_EQ(r.num("ttid"), child);
    EXPECT_EQ(r.str("tcomm"), "pl-sig-target");
    EXPECT_EQ(r.str("signal_name"), "SIGTERM");
    EXPECT_EQ(r.num("code"), 0);
    EXPECT_EQ(r.str("code_name"), "SI_USER");
    EXPECT_EQ(r.str("source"), "process");
    EXPECT_TRUE(r.boolean("group"));
    EXPECT_EQ(r.str("result"), "delivered");
    EXPECT_EQ(r.num("result_raw"), 0);
    EXPECT_EQ(r.num("error_raw"), 0);
    EXPECT_EQ(r.str("syscall"), "kill");

    // The child's death makes the kernel send SIGCHLD to this process, from the child.
    auto chld = where(signals_to(records, getpid(), SIGCHLD),
                      [&](const JsonRecord& s) { return s.num("pid") == child; });
    ASSERT_EQ(chld.size(), 1u) << p->out();
    EXPECT_EQ(chld[0]->str("comm"), "pl-sig-target");
    EXPECT_EQ(chld[0]->str("code_name"), "CLD_KILLED");
    EXPECT_EQ(chld[0]->str("source"), "kernel");
    EXPECT_EQ(chld[0]->str("tcomm"), "e2e_tests");
    EXPECT_FALSE(chld[0]->has("syscall"));
}

TEST(SignalE2E, KernelGeneratedSigsegv) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "signal", "-o", "json", "--poll-ms", "20"});
    pid_t child = fork();
    if (child == 0) {
        die_of_segv();
    }
    EXPECT_EQ(WTERMSIG(reap(child)), SIGSEGV);
    auto records = stop_and_parse(*p);

    auto segv = signals_to(records, child, SIGSEGV);
    ASSERT_EQ(segv.size(), 1u) << p->out();
    const JsonRecord& r = *segv[0];
    EXPECT_EQ(r.unum("pid"), static_cast<uint64_t>(child));  // the faulting task itself
    EXPECT_EQ(r.num("ttid"), child);
    EXPECT_EQ(r.num("code"), 1);
    EXPECT_EQ(r.str("code_name"), "SEGV_MAPERR");
    EXPECT_EQ(r.str("source"), "kernel");
    EXPECT_FALSE(r.boolean("group"));  // a fault is sent to the thread
    EXPECT_EQ(r.str("result"), "delivered");
    EXPECT_FALSE(r.has("syscall"));
}

TEST(SignalE2E, ThreadSignalsQueuedSignalsAndEveryResult) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "signal", "-o", "json", "--poll-ms", "20"});
    pid_t child = start_target("pl-sig-results", [] {
        signal(SIGUSR1, SIG_IGN);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR2);
        sigprocmask(SIG_BLOCK, &block, nullptr);
    });
    // Ignored by the target.
    ASSERT_EQ(syscall(SYS_tgkill, child, child, SIGUSR1), 0);
    // Blocked: the first stays pending, the second finds it already pending.
    ASSERT_EQ(sigqueue(child, SIGUSR2, sigval{7}), 0);
    ASSERT_EQ(sigqueue(child, SIGUSR2, sigval{8}), 0);
    // Calls that fail before any signal exists.
    EXPECT_EQ(kill(child, 999), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(syscall(SYS_tgkill, getpid(), child, SIGUSR1), -1);  // not one of our threads
    EXPECT_EQ(errno, ESRCH);
    kill(child, SIGKILL);
    reap(child);
    auto records = stop_and_parse(*p);

    auto usr1 = signals_to(records, child, SIGUSR1);
    ASSERT_EQ(usr1.size(), 1u) << p->out();
    EXPECT_EQ(usr1[0]->str("result"), "ignored");
    EXPECT_EQ(usr1[0]->num("result_raw"), 1);
    EXPECT_EQ(usr1[0]->str("syscall"), "tgkill");
    EXPECT_EQ(usr1[0]->str("code_name"), "SI_TKILL");
    EXPECT_FALSE(usr1[0]->boolean("group"));

    auto usr2 = signals_to(records, child, SIGUSR2);
    ASSERT_EQ(usr2.size(), 2u) << p->out();
    EXPECT_EQ(usr2[0]->str("result"), "delivered");
    EXPECT_EQ(usr2[1]->str("result"), "already_pending");
    for (const JsonRecord* r : usr2) {
        EXPECT_EQ(r->str("syscall"), "rt_sigqueueinfo");
        EXPECT_EQ(r->str("code_name"), "SI_QUEUE");
        EXPECT_EQ(r->str("source"), "process");
        EXPECT_EQ(r->unum("pid"), static_cast<uint64_t>(getpid()));
    }

    auto invalid = signals_to(records, child, 999);
    ASSERT_EQ(invalid.size(), 1u) << p->out();
    EXPECT_EQ(invalid[0]->str("result"), "failed");
    EXPECT_EQ(invalid[0]->num("error_raw"), EINVAL);
    EXPECT_EQ(invalid[0]->str("error"), "EINVAL");
    EXPECT_EQ(invalid[0]->str("syscall"), "kill");
    EXPECT_EQ(invalid[0]->str("signal_name"), "SIG999");

    auto no_thread = where(signals_to(records, getpid(), SIGUSR1),
                           [&](const JsonRecord& r) { return r.str("result") == "failed"; });
    ASSERT_EQ(no_thread.size(), 1u) << p->out();
    EXPECT_EQ(no_thread[0]->num("error_raw"), ESRCH);
    EXPECT_EQ(no_thread[0]->str("syscall"), "tgkill");
}

// ---- exit ----

std::vector<const JsonRecord*> exits_of(const std::vector<JsonRecord>& records, pid_t pid) {
    return of(records, "exit", pid);
}

TEST(ExitE2E, ExitCodeAndPlausibleLifetime) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exit", "-o", "json", "--poll-ms", "20"});
    auto before = SteadyClock::now();
    pid_t child = spawn({"/bin/sh", "-c", "sleep 0.2; exit 3"});
    EXPECT_EQ(wait_exit(child), 3);
    auto span = SteadyClock::now() - before;
    auto records = stop_and_parse(*p);

    auto mine = exits_of(records, child);
    ASSERT_EQ(mine.size(), 1u) << p->out();
    const JsonRecord& r = *mine[0];
    EXPECT_EQ(r.unum("tid"), static_cast<uint64_t>(child));
    EXPECT_EQ(r.unum("ppid"), static_cast<uint64_t>(getpid()));
    EXPECT_EQ(r.str("comm"), "sh");
    EXPECT_EQ(r.num("exit_code"), 3);
    EXPECT_EQ(r.num("signal"), 0);
    EXPECT_FALSE(r.has("signal_name"));
    EXPECT_FALSE(r.boolean("core_dumped"));
    EXPECT_EQ(r.str("status"), "0x300");
    // The child slept 200 ms and cannot have lived longer than the test watched it.
    EXPECT_GE(r.unum("lifetime_ns"), 200'000'000u);
    EXPECT_LE(r.unum("lifetime_ns"), static_cast<uint64_t>(std::chrono::nanoseconds(span).count()));
}

TEST(ExitE2E, DeathBySigkillAndBySigsegv) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exit", "-o", "json", "--poll-ms", "20"});
    pid_t killed = start_target("pl-exit-kill", [] {});
    ASSERT_EQ(kill(killed, SIGKILL), 0);
    EXPECT_EQ(WTERMSIG(reap(killed)), SIGKILL);
    pid_t faulted = fork();
    if (faulted == 0) {
        die_of_segv();
    }
    EXPECT_EQ(WTERMSIG(reap(faulted)), SIGSEGV);
    auto records = stop_and_parse(*p);

    auto k = exits_of(records, killed);
    ASSERT_EQ(k.size(), 1u) << p->out();
    EXPECT_EQ(k[0]->str("comm"), "pl-exit-kill");
    EXPECT_EQ(k[0]->num("signal"), SIGKILL);
    EXPECT_EQ(k[0]->str("signal_name"), "SIGKILL");
    EXPECT_EQ(k[0]->num("exit_code"), 0);
    EXPECT_FALSE(k[0]->boolean("core_dumped"));
    EXPECT_EQ(k[0]->str("status"), "0x9");

    auto s = exits_of(records, faulted);
    ASSERT_EQ(s.size(), 1u) << p->out();
    EXPECT_EQ(s[0]->num("signal"), SIGSEGV);
    EXPECT_EQ(s[0]->str("signal_name"), "SIGSEGV");
    EXPECT_FALSE(s[0]->boolean("core_dumped"));  // RLIMIT_CORE 0
}

// The leader leaves first (its thread only); a worker ends the process later
// with exit(5): one record, from the last worker to go, named after the process.
TEST(ExitE2E, OneRecordPerProcessNotPerThread) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exit", "-o", "json", "--poll-ms", "20"});
    int tids[2];
    ASSERT_EQ(pipe(tids), 0);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "pl-exit-leader");
        static int out_fd;
        out_fd = tids[1];
        pthread_t workers[3];
        for (int i = 0; i < 3; ++i) {
            pthread_create(
                &workers[i], nullptr,
                +[](void* arg) -> void* {
                    prctl(PR_SET_NAME, "pl-exit-worker");
                    if (arg != nullptr) {
                        pid_t me = gettid();
                        (void)!write(out_fd, &me, sizeof(me));
                        usleep(100'000);
                        // exit_group: takes the other workers with it. _exit, not
                        // exit: a forked copy of the test runs no atexit handlers
                        // (LeakSanitizer's would report the parent's heap as leaked).
                        _exit(5);
                    }
                    for (;;)
                        pause();
                },
                i == 0 ? &out_fd : nullptr);
        }
        syscall(SYS_exit, 0);  // the leader thread alone
    }
    close(tids[1]);
    pid_t worker = 0;
    ASSERT_EQ(read(tids[0], &worker, sizeof(worker)), static_cast<ssize_t>(sizeof(worker)));
    close(tids[0]);
    int status = reap(child);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 5);
    auto records = stop_and_parse(*p);

    auto mine = exits_of(records, child);
    ASSERT_EQ(mine.size(), 1u) << p->out();
    // The last thread to go: one of the workers (which one is the scheduler's call).
    EXPECT_NE(mine[0]->unum("tid"), static_cast<uint64_t>(child));
    EXPECT_NE(mine[0]->unum("tid"), 0u);
    EXPECT_EQ(mine[0]->str("comm"), "pl-exit-leader");
    EXPECT_EQ(mine[0]->num("exit_code"), 5);
    EXPECT_EQ(mine[0]->num("signal"), 0);
    EXPECT_GE(mine[0]->unum("lifetime_ns"), 100'000'000u);
}

}  // namespace
}  // namespace probelog::test
