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

#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "pipeline/pipeline.hpp"
#include "support/trace_context.hpp"
#include "support/root.hpp"
#include "traces/exit_trace.hpp"

namespace probelog {
namespace {

constexpr char kComm[] = "pl-exit-race";

class ExitSink final : public Sink {
  public:
    explicit ExitSink(std::map<uint64_t, std::vector<int64_t>>& out) : out_(out) {}
    void write(const Record& r) override {
        if (r.event_type() != "exit") return;
        out_[r.find("pid")->value.u].push_back(r.find("exit_code")->value.i);
    }
    Status flush() override { return {}; }

  private:
    std::map<uint64_t, std::vector<int64_t>>& out_;
};

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
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::configure_libbpf_logging(false);
    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 20;
    rc.filter.self_tgid = static_cast<uint32_t>(getpid());
    rc.filter.flags = PL_FILTER_COMM;
    std::memcpy(rc.filter.comm, kComm, sizeof(kComm));
    auto rt = bpf::Runtime::create(rc);
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    ExitTrace trace(variant);
    test::TraceStart start;
    Status st = trace.start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;

    BootClock clock;
    Pipeline pipeline(clock);
    register_decoders(pipeline.decoder());
    std::map<uint64_t, std::vector<int64_t>> seen;
    pipeline.add_sink(std::make_unique<ExitSink>(seen));
    auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
    ASSERT_TRUE(ring.ok());

    std::map<uint64_t, std::vector<int64_t>> expected;
    for (int i = 0; i < 30; ++i) {
        pid_t pid = spawn_threaded_exit(8, i % 7 + 1);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        expected[static_cast<uint64_t>(pid)] = {i % 7 + 1};
    }
    ring->consume();
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
