// The exec decoder on hand-built event bytes: the happy path and every way the
// bytes can lie about their lengths.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/decoder.hpp"
#include "event_bytes.hpp"

extern "C" {
#include "exec.h"
}

namespace probelog {
namespace {

struct ExecBytes {
    std::string filename = "/bin/echo";
    std::vector<std::string> args = {"/bin/echo", "hello world", "x"};
    std::string argv_last = "x";
    uint32_t argc = 3;
    int32_t error = 0;
    uint8_t flags = 0;

    std::vector<std::byte> build() const {
        pl_exec_event e{};
        e.hdr.type = PL_EVENT_EXEC;
        e.hdr.trace = PL_TRACE_EXEC;
        e.hdr.seq = 7;
        e.hdr.boot_ns = 1'000'000'000;
        e.hdr.cpu = 1;
        e.hdr.pid = 100;
        e.hdr.tid = 101;
        e.hdr.ppid = 1;
        e.hdr.uid = 1000;
        e.hdr.gid = 1001;
        e.hdr.cgroup_id = 42;
        std::memcpy(e.hdr.comm, "echo", 4);
        e.error_raw = error;
        e.argc = argc;
        e.args_count = static_cast<uint32_t>(args.size());
        e.flags = flags;
        size_t off = 0;
        std::memcpy(e.data + off, filename.c_str(), filename.size() + 1);
        e.filename_len = static_cast<uint16_t>(filename.size());
        off += filename.size() + 1;
        size_t args_start = off;
        for (const auto& a : args) {
            std::memcpy(e.data + off, a.c_str(), a.size() + 1);
            off += a.size() + 1;
        }
        e.args_len = static_cast<uint16_t>(off - args_start);
        std::memcpy(e.data + off, argv_last.c_str(), argv_last.size() + 1);
        e.argv_last_len = static_cast<uint16_t>(argv_last.size());
        off += argv_last.size() + 1;
        size_t size = offsetof(pl_exec_event, data) + off;
        e.hdr.size = static_cast<uint32_t>(size);
        std::vector<std::byte> bytes(size);
        std::memcpy(bytes.data(), &e, size);
        return bytes;
    }
};

using test::decode_bytes;
using test::decode_error;

std::string str_field(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr ? std::string(f->value.str) : "<missing>";
}

TEST(DecodeExec, AllFieldsOfAWellFormedEvent) {
    Record r;
    auto event = ExecBytes{}.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "exec");
    EXPECT_EQ(str_field(r, "comm"), "echo");  // no trailing NULs
    EXPECT_EQ(r.find("pid")->value.u, 100u);
    EXPECT_EQ(r.find("tid")->value.u, 101u);
    EXPECT_EQ(r.find("ppid")->value.u, 1u);
    EXPECT_EQ(r.find("uid")->value.u, 1000u);
    EXPECT_EQ(r.find("gid")->value.u, 1001u);
    EXPECT_EQ(r.find("cgroup_id")->value.u, 42u);
    EXPECT_EQ(r.find("seq")->value.u, 7u);
    EXPECT_EQ(str_field(r, "stage"), "exit");
    EXPECT_EQ(str_field(r, "filename"), "/bin/echo");
    EXPECT_EQ(str_field(r, "argv"), "/bin/echo");
    EXPECT_EQ(str_field(r, "argv1"), "hello world");
    EXPECT_EQ(str_field(r, "argv2"), "x");
    EXPECT_EQ(str_field(r, "argv_last"), "x");
    EXPECT_EQ(r.find("argc")->value.u, 3u);
    EXPECT_EQ(r.find("error_raw")->value.i, 0);
    EXPECT_EQ(r.find("error"), nullptr);
    EXPECT_FALSE(r.find("args_truncated")->value.b);
    const Field* args = r.find("args");
    ASSERT_NE(args, nullptr);
    ASSERT_EQ(args->value.kind, ValueKind::StrList);
    std::vector<std::string> got;
    StrListView(args->value.str, args->value.count).for_each([&](std::string_view s) {
        got.emplace_back(s);
    });
    EXPECT_EQ(got, (std::vector<std::string>{"/bin/echo", "hello world", "x"}));
}

TEST(DecodeExec, TimeIsWallClockOfTheKernelEvent) {
    Record r;
    BootClock clock;
    decode::Decoder decoder = test::builtin_decoder();
    auto bytes = ExecBytes{}.build();
    ASSERT_EQ(decoder.decode(bytes, clock, r), nullptr);
    EXPECT_EQ(r.time_ns(), clock.offset_ns() + 1'000'000'000);
    EXPECT_EQ(r.find("time")->value.i, r.time_ns());
}

TEST(DecodeExec, FailedExecCarriesItsErrno) {
    ExecBytes e;
    e.error = 2;
    Record r;
    auto event = e.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("error_raw")->value.i, 2);
    EXPECT_EQ(str_field(r, "error"), "ENOENT");
}

TEST(DecodeExec, MissingArgvSlotsAreEmptyAndTruncationIsFlagged) {
    ExecBytes e;
    e.args = {"sh"};
    e.argc = 5;  // more passed than captured
    e.argv_last = "last";
    e.flags = PL_EXEC_F_ARGS_TRUNCATED;
    Record r;
    auto event = e.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "argv"), "sh");
    EXPECT_EQ(str_field(r, "argv1"), "");
    EXPECT_EQ(str_field(r, "argv_last"), "last");
    EXPECT_TRUE(r.find("args_truncated")->value.b);
}

TEST(DecodeExec, ArgvLastCanBeTheLastCapturedArg) {
    ExecBytes e;
    e.argv_last = "";
    e.flags = PL_EXEC_F_ARGV_LAST_IS_LAST_ARG;
    Record r;
    auto event = e.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "argv_last"), "x");
}

TEST(DecodeExec, ArgvLastFromAWindowOfTheArgumentBlock) {
    ExecBytes e;
    e.args = {"a", "b"};
    e.argc = 9;
    e.argv_last = std::string("lo\0seventh\0eighth-and-last", 26);
    e.flags = PL_EXEC_F_ARGV_LAST_WINDOW | PL_EXEC_F_ARGS_TRUNCATED;
    Record r;
    auto event = e.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "argv_last"), "eighth-and-last");
}

TEST(DecodeExec, RejectsEventsShorterThanTheHeader) {
    auto bytes = ExecBytes{}.build();
    bytes.resize(40);
    EXPECT_STREQ(decode_error(bytes), "event shorter than its header");
}

TEST(DecodeExec, RejectsSizeFieldBeyondTheSample) {
    auto bytes = ExecBytes{}.build();
    bytes.resize(bytes.size() - 1);  // the header still claims the full size
    EXPECT_STREQ(decode_error(bytes), "event size field out of range");
}

TEST(DecodeExec, RejectsSizeSmallerThanTheFixedPart) {
    auto bytes = ExecBytes{}.build();
    uint32_t small = 80;
    std::memcpy(bytes.data() + offsetof(pl_event_header, size), &small, sizeof(small));
    EXPECT_STREQ(decode_error(bytes), "exec event shorter than its fixed part");
}

TEST(DecodeExec, RejectsOversizedLengths) {
    auto bytes = ExecBytes{}.build();
    uint16_t huge = 60000;
    std::memcpy(bytes.data() + offsetof(pl_exec_event, args_len), &huge, sizeof(huge));
    EXPECT_STREQ(decode_error(bytes), "exec event lengths exceed its size");
}

TEST(DecodeExec, RejectsArgsThatDoNotMatchTheirCount) {
    auto bytes = ExecBytes{}.build();
    uint32_t count = 2;  // three strings are there
    std::memcpy(bytes.data() + offsetof(pl_exec_event, args_count), &count, sizeof(count));
    EXPECT_STREQ(decode_error(bytes), "exec args do not match their count");
}

TEST(DecodeExec, RejectsUnterminatedFilename) {
    auto bytes = ExecBytes{}.build();
    auto* data = bytes.data() + offsetof(pl_exec_event, data);
    data[9] = std::byte{'X'};  // the NUL after "/bin/echo"
    EXPECT_STREQ(decode_error(bytes), "exec filename not terminated");
}

TEST(DecodeExec, RejectsUnknownEventTypes) {
    auto bytes = ExecBytes{}.build();
    uint16_t type = 63;
    std::memcpy(bytes.data(), &type, sizeof(type));
    EXPECT_STREQ(decode_error(bytes), "unknown event type");
}

TEST(DecodeExec, EveryTruncationOfAValidEventIsRejectedCleanly) {
    auto bytes = ExecBytes{}.build();
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
        EXPECT_NE(decode_error(cut), nullptr)
            << "accepted " << n << " of " << bytes.size() << " bytes";
    }
}

}  // namespace
}  // namespace probelog
