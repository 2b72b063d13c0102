// The sched trace end to end: tests/testprogs/runq_delay makes a normal task
// wait behind a real-time hog on one cpu and reports how long each of its
// sleeps overran; the waits probelog reports must match those overruns.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

constexpr int kWakeups = 40;
constexpr uint64_t kMinNs = 3'000'000;

// The sleeper's overruns, from its stderr lines "oversleep_ns N".
std::vector<uint64_t> oversleeps(const std::string& err) {
    std::vector<uint64_t> out;
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("oversleep_ns ")) out.push_back(std::stoull(line.substr(13)));
    }
    return out;
}

size_t count_at_least(const std::vector<uint64_t>& v, uint64_t min) {
    return static_cast<size_t>(
        std::count_if(v.begin(), v.end(), [&](uint64_t x) { return x >= min; }));
}

TEST(SchedE2E, WaitsBehindARealTimeHogAreRecordedAboveTheThreshold) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "-o", "json", "--trace", "sched", "--sched-min-latency",
                      "3ms", "--", testprog("runq_delay"), std::to_string(kWakeups)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<uint64_t> over = oversleeps(f.err);
    ASSERT_EQ(over.size(), static_cast<size_t>(kWakeups)) << f.err;
    auto records = parse_json_lines(f.out);
    auto waits = select(records, [](const JsonRecord& r) {
        return r.str("event_type") == "sched" && r.str("comm") == "rq_sleeper";
    });
    // A wait is at most the sleep's overrun (timer slack and the return to
    // user space add to it, a few µs): every overrun of 4 ms or more holds a
    // recorded wait of 3 ms or more, and no overrun under 3 ms can.
    size_t surely = count_at_least(over, kMinNs + 1'000'000);
    size_t at_most = count_at_least(over, kMinNs);
    ASSERT_GT(surely, 3u) << f.err;  // the hog delayed the sleeper
    EXPECT_GE(waits.size(), surely) << f.out;
    EXPECT_LE(waits.size(), at_most) << f.out;
    size_t woken_by_hog = 0;
    for (const JsonRecord* r : waits) {
        EXPECT_GE(r->unum("runq_latency_ns"), kMinNs) << r->line();  // the kernel's threshold
        EXPECT_TRUE(r->boolean("wakeup_tracked")) << r->line();
        EXPECT_EQ(r->unum("next_pid"), r->unum("pid")) << r->line();
        EXPECT_EQ(r->unum("tid"), r->unum("pid")) << r->line();  // single-threaded
        EXPECT_EQ(r->num("next_prio"), 120) << r->line();        // nice 0
        if (r->str("prev_comm") == "rq_hog") {
            EXPECT_EQ(r->str("prev_state_name"), "S") << r->line();  // the hog went to sleep
            EXPECT_EQ(r->num("prev_prio"), 89) << r->line();         // SCHED_FIFO 10: 99 - 10
        }
        // The timer fires while the hog spins: the hog is the task it interrupts.
        if (r->str("waker_comm") == "rq_hog") ++woken_by_hog;
    }
    // Another task on that cpu may also have delayed a wakeup; most waited for the hog.
    EXPECT_GE(woken_by_hog * 2, waits.size()) << f.out;
    EXPECT_NE(f.err.find("sched: "), std::string::npos) << f.err;  // in the summary
}

TEST(SchedE2E, AggregatesCountEveryWaitOfAProcess) {
    PROBELOG_REQUIRE_ROOT();
    Finished f =
        run({probelog_bin(), "-o", "json", "--trace", "sched", "--sched-min-latency", "3ms",
             "--sched-aggregate", "200ms", "--", testprog("runq_delay"), std::to_string(kWakeups)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<uint64_t> over = oversleeps(f.err);
    ASSERT_EQ(over.size(), static_cast<size_t>(kWakeups)) << f.err;
    auto records = parse_json_lines(f.out);
    EXPECT_TRUE(
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "sched"; }).empty())
        << "aggregate mode makes no per-switch records";
    // A total is named after the first thread that waited in its interval:
    // the sleeper's process is found by its comm, and summed by its pid (its
    // first interval may hold it under the name it had before its exec).
    auto named = select(records, [](const JsonRecord& r) {
        return r.str("event_type") == "sched_aggregate" && r.str("comm") == "rq_sleeper";
    });
    ASSERT_FALSE(named.empty()) << f.out;
    uint64_t pid = named.front()->unum("pid");
    auto totals = select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "sched_aggregate" && r.unum("pid") == pid;
    });
    uint64_t wakeups = 0, over_min = 0, max = 0, hist_total = 0;
    for (const JsonRecord* r : totals) {
        wakeups += r->unum("wakeups");
        over_min += r->unum("over_min_latency");
        max = std::max(max, r->unum("latency_max_ns"));
        EXPECT_GE(r->unum("latency_p99_ns"), r->unum("latency_p50_ns")) << r->line();
        for (const std::string& bucket : r->strings("latency_hist"))
            hist_total += std::stoull(bucket.substr(bucket.find(':') + 1));
    }
    // Each sleep is one wakeup; a few more come before the exec (probelog's
    // start gate) and from the hog's start-up pipe.
    EXPECT_GE(wakeups, static_cast<uint64_t>(kWakeups)) << f.out;
    uint64_t extra = wakeups - kWakeups;
    EXPECT_LE(extra, 8u) << f.out;
    EXPECT_EQ(hist_total, wakeups);
    EXPECT_GE(over_min, count_at_least(over, kMinNs + 1'000'000)) << f.out;
    EXPECT_LE(over_min, count_at_least(over, kMinNs) + extra) << f.out;
    EXPECT_GE(max, kMinNs);
}

// --sched-min-latency 0 from a Fluent Bit config (Trace trace_sched): every
// switch to a traced task is a record, as Fluent Bit's trace_sched makes them,
// including those that no wakeup preceded (the sleeper preempted by the hog).
TEST(SchedE2E, EverySwitchWithoutAThresholdFromAFluentBitConfig) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-sched-e2e"};
    std::string conf = dir.write("sched.conf",
                                 "[INPUT]\n"
                                 "    Name               ebpf\n"
                                 "    Trace              trace_sched\n"
                                 "    sched_min_latency  0\n"
                                 "[OUTPUT]\n"
                                 "    Name   stdout\n"
                                 "    Match  *\n"
                                 "    Format json_lines\n");
    Finished f = run({probelog_bin(), "-c", conf, "--", testprog("runq_delay"), "20"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto sleeper = select(records, [](const JsonRecord& r) {
        return r.str("event_type") == "sched" && r.str("comm") == "rq_sleeper";
    });
    // At least one switch in per sleep, every one of its tracked wakeups reported.
    EXPECT_GE(sleeper.size(), 20u) << f.out;
    size_t tracked = 0, short_waits = 0;
    for (const JsonRecord* r : sleeper) {
        if (r->boolean("wakeup_tracked")) ++tracked;
        if (r->unum("runq_latency_ns") < kMinNs) ++short_waits;
    }
    EXPECT_GE(tracked, 20u) << f.out;
    EXPECT_GT(short_waits, 0u) << "no threshold: short waits too";
    for (const char* key : {"cpu", "prev_pid", "prev_prio", "prev_state", "next_pid", "next_prio",
                            "runq_latency_ns", "wakeup_tracked"}) {
        EXPECT_TRUE(sleeper.front()->has(key)) << key << ": " << sleeper.front()->line();
    }
}

TEST(SchedE2E, BadOptionsAreOneErrorLine) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--trace", "sched", "--sched-aggregate", "10ms"});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_NE(f.err.find("'10ms' is too short an interval (at least 100ms)"), std::string::npos)
        << f.err;
    f = run({probelog_bin(), "--trace", "sched", "--sched-min-latency", "soon"});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
}

}  // namespace
}  // namespace probelog::test
