// The signal decoder on hand-built events: a kill, a kernel-made fault, a
// failed call, signal names, and malformed bytes.
#include <gtest/gtest.h>

#include "event_bytes.hpp"

extern "C" {
#include "signal_event.h"
}

namespace probelog::test {
namespace {

pl_signal_event kill_event() {
    pl_signal_event e{};
    e.sig = 15;
    e.tpid = 200;
    e.ttid = 200;
    e.code = 0;  // SI_USER
    e.result = PL_SIGNAL_DELIVERED;
    e.syscall = PL_SIGNAL_SYSCALL_KILL;
    e.group = 1;
    std::memcpy(e.tcomm, "sleep", 5);
    return e;
}

std::vector<std::byte> bytes_of(const pl_signal_event& e) {
    return event_bytes(e, PL_EVENT_SIGNAL, PL_TRACE_SIGNAL);
}

TEST(DecodeSignal, AKillWithEveryField) {
    Record r;
    auto event = bytes_of(kill_event());
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "signal");
    EXPECT_EQ(uint_of(r, "pid"), 100u);
    EXPECT_EQ(str_of(r, "comm"), "sender");
    EXPECT_EQ(int_of(r, "signal"), 15);
    EXPECT_EQ(int_of(r, "tpid"), 200);
    EXPECT_EQ(str_of(r, "signal_name"), "SIGTERM");
    EXPECT_EQ(int_of(r, "ttid"), 200);
    EXPECT_EQ(str_of(r, "tcomm"), "sleep");
    EXPECT_EQ(int_of(r, "code"), 0);
    EXPECT_EQ(str_of(r, "code_name"), "SI_USER");
    EXPECT_EQ(str_of(r, "source"), "process");
    EXPECT_TRUE(bool_of(r, "group"));
    EXPECT_EQ(str_of(r, "result"), "delivered");
    EXPECT_EQ(int_of(r, "result_raw"), 0);
    EXPECT_EQ(int_of(r, "error_raw"), 0);
    EXPECT_EQ(r.find("error"), nullptr);
    EXPECT_EQ(str_of(r, "syscall"), "kill");
    EXPECT_EQ(own_keys(r),
              (std::vector<std::string>{"signal", "tpid", "signal_name", "ttid", "tcomm", "code",
                                        "code_name", "source", "group", "result", "result_raw",
                                        "error_raw", "syscall"}));
}

TEST(DecodeSignal, AKernelMadeFaultHasNoSyscall) {
    pl_signal_event e = kill_event();
    e.sig = 11;
    e.code = 1;  // SEGV_MAPERR
    e.tpid = 100;
    e.syscall = PL_SIGNAL_SYSCALL_NONE;
    e.group = 0;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "signal_name"), "SIGSEGV");
    EXPECT_EQ(str_of(r, "code_name"), "SEGV_MAPERR");
    EXPECT_EQ(str_of(r, "source"), "kernel");
    EXPECT_FALSE(bool_of(r, "group"));
    EXPECT_EQ(r.find("syscall"), nullptr);
}

TEST(DecodeSignal, CodeNamesDependOnTheSignal) {
    pl_signal_event e = kill_event();
    e.sig = 17;
    e.code = 1;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "code_name"), "CLD_EXITED");
    e.code = -6;
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "code_name"), "SI_TKILL");
    EXPECT_EQ(str_of(r, "source"), "process");
    e.code = 0x80;
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "code_name"), "SI_KERNEL");
    EXPECT_EQ(str_of(r, "source"), "kernel");
    e.code = 77;  // no name: empty, not invented
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "code_name"), "");
}

TEST(DecodeSignal, AFailedCallHasItsErrnoAndNoTarget) {
    pl_signal_event e = kill_event();
    e.result = PL_SIGNAL_SYSCALL_FAILED;
    e.error_raw = 1;
    e.ttid = 0;
    std::memset(e.tcomm, 0, sizeof(e.tcomm));
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "result"), "failed");
    EXPECT_EQ(int_of(r, "result_raw"), 100);
    EXPECT_EQ(int_of(r, "error_raw"), 1);
    EXPECT_EQ(str_of(r, "error"), "EPERM");
    EXPECT_EQ(int_of(r, "tpid"), 200);
    EXPECT_EQ(r.find("tcomm"), nullptr);
    EXPECT_EQ(r.find("code"), nullptr);
}

TEST(DecodeSignal, NegativeTargetOfAProcessGroupKill) {
    pl_signal_event e = kill_event();
    e.result = PL_SIGNAL_SYSCALL_FAILED;
    e.error_raw = 3;
    e.tpid = -4242;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "tpid"), -4242);
    EXPECT_EQ(str_of(r, "error"), "ESRCH");
}

TEST(DecodeSignal, RealtimeAndUnknownSignalNames) {
    const std::vector<std::pair<int, std::string>> cases = {
        {1, "SIGHUP"},      {9, "SIGKILL"},     {31, "SIGSYS"},      {32, "SIG32"},
        {34, "SIGRTMIN"},   {36, "SIGRTMIN+2"}, {49, "SIGRTMIN+15"}, {50, "SIGRTMAX-14"},
        {60, "SIGRTMAX-4"}, {64, "SIGRTMAX"},   {65, "SIG65"},       {-3, "SIG-3"},
    };
    for (const auto& [sig, name] : cases) {
        pl_signal_event e = kill_event();
        e.sig = sig;
        Record r;
        auto event = bytes_of(e);
        ASSERT_EQ(decode_bytes(event, r), nullptr);
        EXPECT_EQ(str_of(r, "signal_name"), name) << sig;
    }
}

TEST(DecodeSignal, TargetCommWithoutNulIsCutAtSixteen) {
    pl_signal_event e = kill_event();
    std::memset(e.tcomm, 'x', sizeof(e.tcomm));
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "tcomm"), std::string(16, 'x'));
}

TEST(DecodeSignal, RejectsOutOfRangeEnums) {
    pl_signal_event e = kill_event();
    e.result = 7;
    EXPECT_STREQ(decode_error(bytes_of(e)), "signal event result out of range");
    e = kill_event();
    e.syscall = 99;
    EXPECT_STREQ(decode_error(bytes_of(e)), "signal event syscall out of range");
}

TEST(DecodeSignal, RejectsEveryWrongSize) {
    expect_every_wrong_size_rejected(bytes_of(kill_event()));
}

}  // namespace
}  // namespace probelog::test
