// The sched decoder on hand-built events (a tracked wait, an untracked
// switch, malformed bytes), task state letters, and the aggregate records.
#include <gtest/gtest.h>

#include "decode/sched.hpp"
#include "event_bytes.hpp"

namespace probelog::test {
namespace {

pl_sched_event wait_event() {
    pl_sched_event e{};
    e.runq_latency_ns = 18'000'000;
    e.prev_state = 1;  // TASK_INTERRUPTIBLE
    e.prev_pid = 300;
    e.prev_tgid = 299;
    e.prev_prio = 89;
    e.next_prio = 120;
    e.waker_pid = 299;
    e.wakeup_tracked = 1;
    std::memcpy(e.prev_comm, "rq_hog", 6);
    std::memcpy(e.waker_comm, "rq_hog", 6);
    return e;
}

std::vector<std::byte> bytes_of(const pl_sched_event& e) {
    return event_bytes(e, PL_EVENT_SCHED, PL_TRACE_SCHED);
}

TEST(DecodeSched, ATrackedWaitWithEveryField) {
    Record r;
    auto event = bytes_of(wait_event());
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "sched");
    EXPECT_EQ(uint_of(r, "pid"), 100u);
    EXPECT_EQ(uint_of(r, "cpu"), 1u);
    EXPECT_EQ(uint_of(r, "runq_latency_ns"), 18'000'000u);
    EXPECT_TRUE(bool_of(r, "wakeup_tracked"));
    EXPECT_EQ(uint_of(r, "prev_pid"), 300u);
    EXPECT_EQ(str_of(r, "prev_comm"), "rq_hog");
    EXPECT_EQ(int_of(r, "prev_prio"), 89);
    EXPECT_EQ(int_of(r, "prev_state"), 1);
    EXPECT_EQ(str_of(r, "prev_state_name"), "S");
    EXPECT_EQ(uint_of(r, "prev_tgid"), 299u);
    EXPECT_FALSE(bool_of(r, "preempt"));
    EXPECT_EQ(uint_of(r, "next_pid"), 100u);  // the header's process: the task that ran
    EXPECT_EQ(int_of(r, "next_prio"), 120);
    EXPECT_EQ(uint_of(r, "waker_pid"), 299u);
    EXPECT_EQ(str_of(r, "waker_comm"), "rq_hog");
    EXPECT_EQ(own_keys(r), (std::vector<std::string>{
                               "runq_latency_ns", "wakeup_tracked", "prev_pid", "prev_comm",
                               "prev_prio", "prev_state", "prev_state_name", "prev_tgid", "preempt",
                               "next_pid", "next_prio", "waker_pid", "waker_comm"}));
}

TEST(DecodeSched, AnUntrackedSwitchHasNoWaker) {
    pl_sched_event e = wait_event();
    e.wakeup_tracked = 0;
    e.runq_latency_ns = 0;
    e.waker_pid = 0;
    e.preempt = 1;
    e.prev_state = 0;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_FALSE(bool_of(r, "wakeup_tracked"));
    EXPECT_EQ(str_of(r, "prev_state_name"), "R");
    EXPECT_EQ(r.find("waker_pid"), nullptr);
    EXPECT_EQ(r.find("waker_comm"), nullptr);
    EXPECT_EQ(r.find("wakeup_new"), nullptr);
}

TEST(DecodeSched, MalformedEventsAreRefused) {
    Record r;
    auto event = resized(bytes_of(wait_event()), sizeof(pl_sched_event) - 1);
    EXPECT_STREQ(decode_bytes(event, r), "sched event size is not sizeof(pl_sched_event)");
    pl_sched_event e = wait_event();
    e.preempt = 7;
    event = bytes_of(e);
    EXPECT_STREQ(decode_bytes(event, r), "sched event flag out of range");
    e = wait_event();
    e.wakeup_tracked = 0;
    event = bytes_of(e);
    EXPECT_STREQ(decode_bytes(event, r), "sched event has a latency without a wakeup");
}

TEST(DecodeSched, TaskStateLettersAsPsShowsThem) {
    EXPECT_EQ(decode::task_state_letter(0, false), "R");
    EXPECT_EQ(decode::task_state_letter(1, true), "R");  // preempted: still runnable
    EXPECT_EQ(decode::task_state_letter(1, false), "S");
    EXPECT_EQ(decode::task_state_letter(0x2001, false), "S");  // TASK_FREEZABLE | INTERRUPTIBLE
    EXPECT_EQ(decode::task_state_letter(2, false), "D");
    EXPECT_EQ(decode::task_state_letter(0x102, false), "D");  // TASK_KILLABLE
    EXPECT_EQ(decode::task_state_letter(0x402, false), "I");  // TASK_IDLE
    EXPECT_EQ(decode::task_state_letter(4, false), "T");
    EXPECT_EQ(decode::task_state_letter(8, false), "t");
    EXPECT_EQ(decode::task_state_letter(0x20, false), "Z");
    EXPECT_EQ(decode::task_state_letter(0x10, false), "X");
    EXPECT_EQ(decode::task_state_letter(0x40, false), "P");
    EXPECT_EQ(decode::task_state_letter(0x800, false), "?");
}

TEST(DecodeSchedAggregate, TotalsQuantilesAndBuckets) {
    pl_sched_agg_key key{.pid = 42, .pad = 0};
    pl_sched_agg_value v{};
    v.wakeups = 4;
    v.over_min = 1;
    v.latency_sum_ns = 4000 + 3 * 1000;
    v.latency_max_ns = 4000;
    v.hist[9] = 3;   // [512, 1024)
    v.hist[11] = 1;  // [2048, 4096)
    std::memcpy(v.comm, "worker", 6);
    Record r;
    decode::sched_aggregate_record(key, v, 1'000'000'000, 2'000'000'000, r);
    EXPECT_EQ(r.event_type(), "sched_aggregate");
    EXPECT_EQ(uint_of(r, "pid"), 42u);
    EXPECT_EQ(str_of(r, "comm"), "worker");
    EXPECT_EQ(uint_of(r, "interval_ms"), 2000u);
    EXPECT_EQ(uint_of(r, "wakeups"), 4u);
    EXPECT_EQ(uint_of(r, "over_min_latency"), 1u);
    EXPECT_EQ(uint_of(r, "latency_avg_ns"), 1750u);
    EXPECT_EQ(uint_of(r, "latency_p50_ns"), 1023u);
    EXPECT_EQ(uint_of(r, "latency_p99_ns"), 4000u);  // its bucket's bound, capped at the max
    EXPECT_EQ(uint_of(r, "latency_max_ns"), 4000u);
    const Field* hist = r.find("latency_hist");
    ASSERT_NE(hist, nullptr);
    std::vector<std::string> buckets;
    StrListView(hist->value.str, hist->value.count).for_each([&](std::string_view s) {
        buckets.emplace_back(s);
    });
    EXPECT_EQ(buckets, (std::vector<std::string>{"512:3", "2048:1"}));
}

}  // namespace
}  // namespace probelog::test
