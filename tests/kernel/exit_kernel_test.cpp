// Both ways the exit trace recognises a process's last thread, loaded
// in-process: multithreaded processes ending with exit_group (all their threads
// in do_exit together) are one record each with the right code. (The race the
// LiveCount claim map guards against, two threads both seeing the count at 0,
// needs more cpus than CI has to show up; this checks the variant works at all.)
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "support/kernel_harness.hpp"
#include "support/root.hpp"
#include "traces/exit_trace.hpp"

namespace probelog {
namespace {

constexpr char kComm[] = "pl-exit-race";

// A process of 1 + `threads` threads that ends them all with exit_group(code).
pid_t spawn_threaded_exit(int threads, int code) {
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, kComm);
        for (int i = 0; i < threads; ++i) {
            pthread_t t;
            pthread_create(
                &t, nullptr,
                +[](void*) -> void* {
                    for (;;)
                        pause();
                },
                nullptr);
        }
        _exit(code);
    }
    return pid;
}

void one_record_per_process(ExitTrace::Variant variant) {
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter(kComm, 1 << 20))));
    ExitTrace trace(variant);
    ASSERT_TRUE(test::succeeded(h.start_trace(trace)));
    ASSERT_TRUE(test::succeeded(h.collect()));

    std::map<uint64_t, std::vector<int64_t>> expected;
    for (int i = 0; i < 30; ++i) {
        pid_t pid = spawn_threaded_exit(8, i % 7 + 1);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        expected[static_cast<uint64_t>(pid)] = {i % 7 + 1};
    }
    h.drain();
    std::map<uint64_t, std::vector<int64_t>> seen;
    for (const test::SeenRecord& r : h.records()) {
        if (r.event_type() != "exit") continue;
        ASSERT_NE(r.find("exit_code"), nullptr);
        seen[r.u("pid")].push_back(r.i("exit_code"));
    }
    EXPECT_EQ(seen, expected);
}

TEST(ExitKernel, GroupDeadVariantOneRecordPerProcess) {
    PROBELOG_REQUIRE_ROOT();
    one_record_per_process(ExitTrace::Variant::GroupDead);
}

TEST(ExitKernel, LiveCountVariantOneRecordPerProcess) {
    PROBELOG_REQUIRE_ROOT();
    one_record_per_process(ExitTrace::Variant::LiveCount);
}

}  // namespace
}  // namespace probelog
