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
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "bpf/map.hpp"
#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "support/trace_context.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "pipeline/pipeline.hpp"
#include "traces/io_trace.hpp"

#include "io.skel.h"

namespace probelog {
namespace {

using namespace std::chrono_literals;

bool contains(const std::vector<uint32_t>& v, uint32_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Polls `pred` for up to 10 s (the kernel runs exit hooks asynchronously to our waits).
template <typename Pred>
bool eventually(Pred pred) {
    for (int i = 0; i < 1000; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return pred();
}

Result<bpf::Runtime> comm_runtime(const char* comm) {
    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 16;
    rc.filter.self_tgid = 0;  // the test process's own threads are traced
    rc.filter.flags = PL_FILTER_COMM;
    std::strncpy(rc.filter.comm, comm, sizeof(rc.filter.comm) - 1);
    return bpf::Runtime::create(rc);
}

// Keeps the io records' fields as one line of text each ("pread64 32 32 1000 /tmp/x").
class IoLines final : public Sink {
  public:
    explicit IoLines(std::vector<std::string>& out) : out_(out) {}
    void write(const Record& r) override {
        if (r.event_type() != "io") return;
        auto text = [&](const char* name) -> std::string {
            const Field* f = r.find(name);
            if (f == nullptr) return "-";
            switch (f->value.kind) {
                case ValueKind::Str:
                    return std::string(f->value.str);
                case ValueKind::Int:
                    return std::to_string(f->value.i);
                case ValueKind::Uint:
                    return std::to_string(f->value.u);
                default:
                    return "?";
            }
        };
        out_.push_back(text("operation") + " " + text("count") + " " + text("ret") + " " +
                       text("offset") + " " + text("iovcnt") + " " + text("file_type") + " " +
                       text("path"));
    }
    Status flush() override { return {}; }

  private:
    std::vector<std::string>& out_;
};

// Both BPF objects (direct loads and probe reads) see the same calls the same way.
TEST(IoKernel, BothObjectVariantsRecordTheSameCalls) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    for (const char* object : {"io", "io_compat"}) {
        SCOPED_TRACE(object);
        auto rt = comm_runtime("io_ops");
        ASSERT_TRUE(rt.ok()) << rt.error().message;
        IoTrace trace(object);
        test::TraceStart start;
        start.settings.get<IoSettings>().all_files = true;
        Status st = trace.start(start.context(*rt));
        ASSERT_TRUE(st.ok()) << st.error().message;
        EXPECT_EQ(trace.object_name(), object);
        BootClock clock;
        Pipeline pipeline(clock);
        register_decoders(pipeline.decoder());
        std::vector<std::string> lines;
        pipeline.add_sink(std::make_unique<IoLines>(lines));
        auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
        ASSERT_TRUE(ring.ok());

        std::string path = "/tmp/" + test::unique_token("variant");
        test::Finished f = test::run({test::testprog("io_ops"), "files", path});
        ASSERT_EQ(f.exit_code, 0) << f.err;
        unlink(path.c_str());
        ring->consume();
        std::vector<std::string> mine;
        for (const std::string& l : lines) {
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
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::configure_libbpf_logging(false);
    auto rt = comm_runtime("io_reader");
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    // Two traces side by side: the default (regular files only) and --io-all-files.
    IoTrace regular;
    IoTrace all;
    test::TraceStart start;
    Status st = regular.start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;
    start.settings.get<IoSettings>().all_files = true;
    st = all.start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;

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
    EXPECT_TRUE(eventually([&] { return !contains(all.inflight_tids(), tid); }))
        << "the killed thread's entry is still in the map";
    EXPECT_FALSE(contains(regular.inflight_tids(), tid));
}

TEST(IoKernel, ReaperDropsTheEntryOfAThreadThatNeverReturned) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    auto rt = comm_runtime("io_reaper_test");
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    // Only the read entry hook and the exit-of-thread reaper: every read leaves an
    // entry behind, as a call that never returns would, until its thread dies.
    auto skel = rt->open<pl_io>("io");
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
    EXPECT_TRUE(eventually([&] { return !contains(inflight.keys(), tid.load()); }))
        << "the dead thread's entry is still in the map";
    unlink(path.c_str());
}

TEST(IoKernel, CompletedCallsLeaveTheMapEmpty) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    auto rt = comm_runtime("io_ops");
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    IoTrace trace;
    test::TraceStart start;
    start.settings.get<IoSettings>().all_files = true;
    Status st = trace.start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;
    utsname u{};
    uname(&u);
    int major = 0, minor = 0;
    std::sscanf(u.release, "%d.%d", &major, &minor);
    EXPECT_EQ(trace.object_name(), major * 100 + minor >= 602 ? "io" : "io_compat") << u.release;
    std::string path = "/tmp/" + test::unique_token("empty");
    test::Finished f = test::run({test::testprog("io_ops"), "files", path});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    unlink(path.c_str());
    auto counters = rt->read_counters();
    EXPECT_GE(counters[PL_TRACE_IO].generated, 18u);  // 14 file calls + 4 socket/pipe
    EXPECT_EQ(counters[PL_TRACE_IO].map_full, 0u);
    // Other io_ops processes (a concurrent test run) could be mid-call: none is ours.
    EXPECT_TRUE(eventually([&] { return trace.inflight_tids().empty(); }));
}

}  // namespace
}  // namespace probelog
