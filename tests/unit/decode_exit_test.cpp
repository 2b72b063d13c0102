// The exit decoder on hand-built events: exit codes, signals, core dumps,
// lifetime, and malformed bytes.
#include <gtest/gtest.h>

#include "event_bytes.hpp"

extern "C" {
#include "exit.h"
}

namespace probelog::test {
namespace {

std::vector<std::byte> exit_bytes(uint32_t status, uint64_t lifetime_ns) {
    pl_exit_event e{};
    e.status = status;
    e.lifetime_ns = lifetime_ns;
    return event_bytes(e, PL_EVENT_EXIT, PL_TRACE_EXIT);
}

TEST(DecodeExit, ExitCodeAndLifetime) {
    Record r;
    auto event = exit_bytes(3 << 8, 1'500'000'000);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "exit");
    EXPECT_EQ(int_of(r, "exit_code"), 3);
    EXPECT_EQ(int_of(r, "signal"), 0);
    EXPECT_EQ(r.find("signal_name"), nullptr);
    EXPECT_FALSE(bool_of(r, "core_dumped"));
    EXPECT_EQ(uint_of(r, "lifetime_ns"), 1'500'000'000u);
    EXPECT_EQ(uint_of(r, "status"), 0x300u);
    const Field* start = r.find("start_time");
    ASSERT_NE(start, nullptr);
    EXPECT_EQ(start->value.kind, ValueKind::Time);
    EXPECT_EQ(start->value.i, r.time_ns() - 1'500'000'000);
    EXPECT_EQ(own_keys(r), (std::vector<std::string>{"exit_code", "signal", "core_dumped",
                                                     "lifetime_ns", "start_time", "status"}));
    // In the table: the exit code, not the zero signal.
    EXPECT_EQ(r.find("exit_code")->flags & kHideInTable, 0);
    EXPECT_NE(r.find("signal")->flags & kHideInTable, 0);
}

TEST(DecodeExit, DeathBySignal) {
    Record r;
    auto event = exit_bytes(9, 10);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "exit_code"), 0);
    EXPECT_EQ(int_of(r, "signal"), 9);
    EXPECT_EQ(str_of(r, "signal_name"), "SIGKILL");
    EXPECT_FALSE(bool_of(r, "core_dumped"));
    EXPECT_NE(r.find("exit_code")->flags & kHideInTable, 0);
    EXPECT_EQ(r.find("signal")->flags & kHideInTable, 0);
}

TEST(DecodeExit, CoreDump) {
    Record r;
    auto event = exit_bytes(0x80 | 11, 10);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "signal"), 11);
    EXPECT_EQ(str_of(r, "signal_name"), "SIGSEGV");
    EXPECT_TRUE(bool_of(r, "core_dumped"));
}

TEST(DecodeExit, ExitCode255) {
    Record r;
    auto event = exit_bytes(0xff00, 0);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "exit_code"), 255);
    EXPECT_EQ(uint_of(r, "lifetime_ns"), 0u);
}

TEST(DecodeExit, RejectsAStatusWaitCannotReport) {
    EXPECT_STREQ(decode_error(exit_bytes(0x10000, 0)), "exit event status out of range");
}

TEST(DecodeExit, RejectsEveryWrongSize) {
    expect_every_wrong_size_rejected(exit_bytes(0, 1));
}

}  // namespace
}  // namespace probelog::test
