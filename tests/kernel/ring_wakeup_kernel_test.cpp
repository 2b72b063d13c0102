// The ring buffer's wakeup claim (pl_ring_ctl.wake_pending, pl_wakeup_flags()):
// producers force at most one wakeup per drain, and the reader must re-arm it
// whenever it could go to sleep. A claim made while the reader drains (here:
// the sample handler itself causes events past the mark) is absorbed by that
// drain; left set, it would keep every producer from waking the reader again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bpf/ring_reader.hpp"
#include "support/kernel_harness.hpp"
#include "support/root.hpp"
#include "traces/io_trace.hpp"

namespace probelog {
namespace {

constexpr uint32_t kRingBytes = 1 << 16;
constexpr uint32_t kWakeBytes = kRingBytes / 4;

struct Reads {
    int fd = -1;
    int samples = 0;
    // The first sample makes ~3x the wakeup mark in new events, during the drain.
    static void on_sample(void* self, std::span<const std::byte> /*sample*/) {
        auto* r = static_cast<Reads*>(self);
        if (r->samples++ != 0) return;
        char buf[8];
        for (int i = 0; i < 300; ++i)
            ASSERT_EQ(read(r->fd, buf, sizeof(buf)), 8);
    }
};

TEST(RingWakeupKernel, AWakeupClaimedDuringADrainIsReArmedWhenItEnds) {
    PROBELOG_REQUIRE_ROOT();
    char old_name[16] = {};
    prctl(PR_GET_NAME, old_name);
    prctl(PR_SET_NAME, "pl_wakeup");
    // This thread is the traced one.
    bpf::RuntimeConfig rc = test::comm_filter("pl_wakeup", kRingBytes);
    rc.filter.wakeup_bytes = kWakeBytes;
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(rc)));
    bpf::Runtime& rt = h.runtime();
    ASSERT_NE(rt.wake_pending(PL_TRACE_IO), nullptr);
    IoTrace trace;
    h.settings().get<IoSettings>().all_files = true;
    ASSERT_TRUE(test::succeeded(h.start_trace(trace)));

    Reads reads;
    reads.fd = open("/dev/zero", O_RDONLY);
    ASSERT_GE(reads.fd, 0);
    const bpf::RingReader::Ring rings[] = {{rt.ring_fd(PL_TRACE_IO), rt.wake_pending(PL_TRACE_IO)}};
    auto ring = bpf::RingReader::create(rings, &Reads::on_sample, &reads, kWakeBytes);
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    char buf[8];
    ASSERT_EQ(read(reads.fd, buf, sizeof(buf)), 8);  // the event that starts the drain
    uint64_t wakeups_before = rt.forced_wakeups();
    size_t n = ring->consume();
    prctl(PR_SET_NAME, old_name);
    close(reads.fd);

    EXPECT_GE(n, 301u);
    // The scenario happened: a producer claimed the wakeup during the drain...
    EXPECT_GE(rt.forced_wakeups(), wakeups_before + 1);
    // ...and the reader re-armed it before returning.
    EXPECT_EQ(__atomic_load_n(rt.wake_pending(PL_TRACE_IO), __ATOMIC_SEQ_CST), 0u);
}

}  // namespace
}  // namespace probelog
