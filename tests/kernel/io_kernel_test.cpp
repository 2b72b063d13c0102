// The io trace's correlation map, loaded in-process: entries exist only for calls
// in progress on files the trace keeps, and never outlive their thread.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "bpf/map.hpp"
#include "support/kernel_harness.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "traces/io_trace.hpp"

#include "io.skel.h"

namespace probelog {
namespace {

bool contains(const std::vector<uint32_t>& v, uint32_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// The io record's fields as one line of text ("pread64 32 32 1000 - regular /tmp/x").
std::string io_line(const test::SeenRecord& r) {
    return r.text("operation") + " " + r.text("count") + " " + r.text("ret") + " " +
           r.text("offset") + " " + r.text("iovcnt") + " " + r.text("file_type") + " " +
           r.text("path");
}

// Both BPF objects (direct loads and probe reads) see the same calls the same way.
TEST(IoKernel, BothObjectVariantsRecordTheSameCalls) {
    PROBELOG_REQUIRE_ROOT();
    for (const char* object : {"io", "io_compat"}) {
        SCOPED_TRACE(object);
        test::KernelHarness h;
        ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("io_ops"))));
        IoTrace trace(object);
        h.settings().get<IoSettings>().all_files = true;
        ASSERT_TRUE(test::succeeded(h.start_trace(trace)));
        EXPECT_EQ(trace.object_name(), object);
        ASSERT_TRUE(test::succeeded(h.collect()));

        std::string path = "/tmp/" + test::unique_token("variant");
        test::Finished f = test::run({test::testprog("io_ops"), "files", path});
        ASSERT_EQ(f.exit_code, 0) << f.err;
        unlink(path.c_str());
        h.drain();
        std::vector<std::string> mine;
        for (const test::SeenRecord& r : h.records()) {
            if (r.event_type() != "io") continue;
            std::string l = io_line(r);
            if (l.ends_with(" " + path) || l.find(" socket:[") != std::string::npos ||
                l.find(" pipe:[") != std::string::npos) {
                mine.push_back(l.substr(0, l.rfind(' ')));  // without the path
            }
        }
        std::vector<std::string> want = {
            "write 100 100 0 - regular",    "pwrite64 50 50 1000 - regular",
            "writev 60 60 100 3 regular",   "pwritev 15 15 2000 2 regular",
            "pwritev2 5 5 3000 1 regular",  "fsync - 0 - - regular",
            "fdatasync - 0 - - regular",    "read 64 64 0 - regular",
            "pread64 32 32 1000 - regular", "readv 32 32 64 2 regular",
            "preadv 8 8 2000 2 regular",    "preadv2 5 5 96 1 regular",
            "pread64 100 0 5000 - regular", "read 7 -9 0 - regular",
            "write 11 11 - - socket",       "read 11 11 - - socket",
            "write 13 13 - - pipe",         "read 13 13 - - pipe"};
        EXPECT_EQ(mine, want);
    }
}

TEST(IoKernel, ThreadKilledInsideReadLeavesNoEntry) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("io_reader"))));
    // Two traces side by side: the default (regular files only) and --io-all-files.
    IoTrace regular;
    IoTrace all;
    ASSERT_TRUE(test::succeeded(h.start_trace(regular)));
    h.settings().get<IoSettings>().all_files = true;
    ASSERT_TRUE(test::succeeded(h.start_trace(all)));

    // A thread named io_reader blocks in read() on a pipe; it says its tid once it is.
    test::Process blocked({test::testprog("io_ops"), "block"});
    ASSERT_TRUE(blocked.wait_for_stderr("\n")) << blocked.err();
    ASSERT_EQ(blocked.err().rfind("blocked ", 0), 0u) << blocked.err();
    uint32_t tid = static_cast<uint32_t>(std::stoul(blocked.err().substr(8)));

    EXPECT_TRUE(contains(all.inflight_tids(), tid)) << "the read in progress has an entry";
    EXPECT_FALSE(contains(regular.inflight_tids(), tid)) << "a pipe never gets an entry";

    blocked.signal(SIGKILL);
    test::Finished f = blocked.wait();
    EXPECT_EQ(f.exit_code, 128 + SIGKILL);
    EXPECT_TRUE(test::eventually([&] { return !contains(all.inflight_tids(), tid); }))
        << "the killed thread's entry is still in the map";
    EXPECT_FALSE(contains(regular.inflight_tids(), tid));
}

// Only the verifier's rejection of "io" (kernels without bpf_rdonly_cast)
// selects io_compat: any other failure is reported as what it is.
TEST(IoKernel, AFailureThatIsNotARejectionIsReportedNotWorkedAround) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("io_ops"))));
    IoTrace trace;
    h.settings().get<IoSettings>().map_size = 0;  // the kernel refuses a map of 0 entries
    Status st = h.start_trace(trace);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().kind, ErrorKind::Rejected) << st.error().message;
    EXPECT_EQ(st.error().message.find("io_compat"), std::string::npos) << st.error().message;
    EXPECT_EQ(trace.hook_count(), 0u);
}

TEST(IoKernel, ReaperDropsTheEntryOfAThreadThatNeverReturned) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("io_reaper_test"))));
    // Only the read entry hook and the exit-of-thread reaper: every read leaves an
    // entry behind, as a call that never returns would, until its thread dies.
    auto skel = h.runtime().open<pl_io>("io", PL_TRACE_IO);
    ASSERT_TRUE(skel.ok()) << skel.error().message;
    bpf::Object& obj = skel->object();
    Status st = obj.load(false);
    ASSERT_TRUE(st.ok()) << st.error().message;
    Status enter = obj.attach((*skel)->progs.pl_io_enter_read);
    ASSERT_TRUE(enter.ok()) << enter.error().message;
    Status reap = obj.attach((*skel)->progs.pl_io_reap);
    ASSERT_TRUE(reap.ok()) << reap.error().message;
    bpf::KeySet<uint32_t> inflight((*skel)->maps.io_inflight);

    std::string path = "/tmp/" + test::unique_token("reap");
    { std::ofstream(path) << "some bytes"; }
    std::mutex m;
    std::condition_variable cv;
    std::atomic<uint32_t> tid{0};
    bool may_exit = false;
    std::thread t([&] {
        prctl(PR_SET_NAME, "io_reaper_test");
        int fd = open(path.c_str(), O_RDONLY);
        char buf[16];
        (void)!read(fd, buf, sizeof(buf));
        close(fd);
        tid = static_cast<uint32_t>(syscall(SYS_gettid));
        std::unique_lock lock(m);
        cv.notify_all();
        cv.wait(lock, [&] { return may_exit; });
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return tid != 0; });
    }
    EXPECT_TRUE(contains(inflight.keys(), tid.load()))
        << "without an exit hook the read's entry stays while the thread lives";
    {
        std::lock_guard lock(m);
        may_exit = true;
    }
    cv.notify_all();
    t.join();
    EXPECT_TRUE(test::eventually([&] { return !contains(inflight.keys(), tid.load()); }))
        << "the dead thread's entry is still in the map";
    unlink(path.c_str());
}

TEST(IoKernel, CompletedCallsLeaveTheMapEmpty) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("io_ops"))));
    IoTrace trace;
    h.settings().get<IoSettings>().all_files = true;
    ASSERT_TRUE(test::succeeded(h.start_trace(trace)));
    utsname u{};
    uname(&u);
    int major = 0, minor = 0;
    std::sscanf(u.release, "%d.%d", &major, &minor);
    EXPECT_EQ(trace.object_name(), major * 100 + minor >= 602 ? "io" : "io_compat") << u.release;
    std::string path = "/tmp/" + test::unique_token("empty");
    test::Finished f = test::run({test::testprog("io_ops"), "files", path});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    unlink(path.c_str());
    auto counters = h.runtime().read_counters();
    EXPECT_GE(counters[PL_TRACE_IO].generated, 18u);  // 14 file calls + 4 socket/pipe
    EXPECT_EQ(counters[PL_TRACE_IO].map_full, 0u);
    // Other io_ops processes (a concurrent test run) could be mid-call: none is ours.
    EXPECT_TRUE(test::eventually([&] { return trace.inflight_tids().empty(); }));
}

}  // namespace
}  // namespace probelog
