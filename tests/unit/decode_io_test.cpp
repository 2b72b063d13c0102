// The io decoder on hand-built event bytes (every field, path shapes, and every
// way the bytes can lie), and the aggregate records built from map values.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/decoder.hpp"
#include "event_bytes.hpp"
#include "decode/io.hpp"

extern "C" {
#include "io.h"
}

namespace probelog {
namespace {

// Components leaf first, as the BPF side packs them.
std::string pack(const std::vector<std::string>& leaf_first) {
    std::string out;
    for (const auto& c : leaf_first) {
        out += c;
        out.push_back('\0');
    }
    return out;
}

struct IoBytes {
    uint8_t op = PL_IO_OP_PREAD64;
    uint8_t file_type = PL_IO_FILE_REGULAR;
    uint8_t flags = PL_IO_F_HAS_OFFSET;
    int64_t ret = 512;
    uint64_t count = 4096;
    int64_t offset = 8192;
    uint64_t latency = 12345;
    uint64_t ino = 777;
    uint32_t dev = (8u << 20) | 1u;
    int32_t fd = 5;
    uint32_t iovcnt = 0;
    std::string packed = pack({"data.bin", "db", "var"});
    uint8_t depth = 3;
    // Overrides for malformed events.
    int path_len = -1;
    int size_delta = 0;

    std::vector<std::byte> build() const {
        pl_io_event e{};
        e.hdr.type = PL_EVENT_IO;
        e.hdr.trace = PL_TRACE_IO;
        e.hdr.seq = 3;
        e.hdr.boot_ns = 5'000'000'000;
        e.hdr.pid = 200;
        e.hdr.tid = 201;
        e.hdr.ppid = 1;
        e.hdr.cgroup_id = 9;
        std::memcpy(e.hdr.comm, "postgres", 8);
        e.ret = ret;
        e.count = count;
        e.offset = offset;
        e.latency_ns = latency;
        e.ino = ino;
        e.dev = dev;
        e.fd = fd;
        e.iovcnt = iovcnt;
        e.op = op;
        e.file_type = file_type;
        e.flags = flags;
        e.path_depth = depth;
        std::memcpy(e.path, packed.data(), std::min(packed.size(), sizeof(e.path)));
        e.path_len = static_cast<uint16_t>(path_len >= 0 ? path_len : packed.size());
        size_t size = offsetof(pl_io_event, path) + packed.size();
        size = static_cast<size_t>(static_cast<long>(size) + size_delta);
        e.hdr.size = static_cast<uint32_t>(size);
        std::vector<std::byte> bytes(size);
        std::memcpy(bytes.data(), &e, std::min(size, sizeof(e)));
        return bytes;
    }
};

using test::decode_bytes;
using test::decode_error;

std::string str_field(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr ? std::string(f->value.str) : "<missing>";
}

std::vector<std::string> names_of(const Record& r) {
    std::vector<std::string> out;
    for (const Field& f : r.fields())
        out.emplace_back(f.name);
    return out;
}

TEST(DecodeIo, EveryFieldOfAPread) {
    Record r;
    auto event = IoBytes{}.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "io");
    EXPECT_EQ(r.trace(), PL_TRACE_IO);
    EXPECT_EQ(str_field(r, "comm"), "postgres");
    EXPECT_EQ(r.find("pid")->value.u, 200u);
    EXPECT_EQ(r.find("tid")->value.u, 201u);
    EXPECT_EQ(str_field(r, "operation"), "pread64");
    EXPECT_EQ(r.find("fd")->value.i, 5);
    EXPECT_EQ(str_field(r, "path"), "/var/db/data.bin");
    EXPECT_EQ(str_field(r, "file_type"), "regular");
    EXPECT_EQ(r.find("count")->value.u, 4096u);
    EXPECT_EQ(r.find("ret")->value.i, 512);
    EXPECT_EQ(r.find("latency_ns")->value.u, 12345u);
    EXPECT_EQ(r.find("offset")->value.i, 8192);
    EXPECT_EQ(r.find("ino")->value.u, 777u);
    EXPECT_EQ(str_field(r, "dev"), "8:1");
    EXPECT_EQ(r.find("error"), nullptr);
    EXPECT_EQ(r.find("iovcnt"), nullptr);  // not a vectored call
    EXPECT_EQ(r.find("offset_is_position"), nullptr);
    EXPECT_EQ(r.find("path_truncated"), nullptr);
    std::vector<std::string> want = {
        "time",      "event_type", "pid", "tid",        "ppid",      "uid", "gid",
        "cgroup_id", "comm",       "cpu", "seq",        "operation", "fd",  "path",
        "file_type", "count",      "ret", "latency_ns", "offset",    "ino", "dev"};
    EXPECT_EQ(names_of(r), want);
}

TEST(DecodeIo, EveryOperationHasAName) {
    const char* names[] = {"read",   "write",   "pread64", "pwrite64", "readv", "writev",
                           "preadv", "pwritev", "preadv2", "pwritev2", "fsync", "fdatasync"};
    static_assert(std::size(names) == PL_IO_OP_COUNT);
    for (uint8_t op = 0; op < PL_IO_OP_COUNT; ++op)
        EXPECT_EQ(decode::io_op_name(op), names[op]);
    EXPECT_EQ(decode::io_op_name(PL_IO_OP_COUNT), "");
}

TEST(DecodeIo, ReadAtThePositionOfAVectoredCall) {
    IoBytes b;
    b.op = PL_IO_OP_READV;
    b.flags = PL_IO_F_HAS_OFFSET | PL_IO_F_OFFSET_IS_POS | PL_IO_F_COUNT_PARTIAL;
    b.iovcnt = 100;
    Record r;
    auto event = b.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "operation"), "readv");
    EXPECT_EQ(r.find("iovcnt")->value.u, 100u);
    EXPECT_TRUE(r.find("offset_is_position")->value.b);
    EXPECT_TRUE(r.find("count_partial")->value.b);
}

TEST(DecodeIo, FsyncHasNoCountAndNoOffset) {
    IoBytes b;
    b.op = PL_IO_OP_FSYNC;
    b.flags = 0;
    b.ret = 0;
    Record r;
    auto event = b.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "operation"), "fsync");
    EXPECT_EQ(r.find("count"), nullptr);
    EXPECT_EQ(r.find("offset"), nullptr);
}

TEST(DecodeIo, FailedCallHasNegativeErrnoAndItsName) {
    IoBytes b;
    b.ret = -9;
    Record r;
    auto event = b.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("ret")->value.i, -9);
    EXPECT_EQ(str_field(r, "error"), "EBADF");
}

TEST(DecodeIo, PathShapes) {
    struct Case {
        std::vector<std::string> parts;
        uint8_t file_type;
        uint8_t flags;
        std::string want;
    };
    std::vector<Case> cases = {
        {{"f"}, PL_IO_FILE_REGULAR, 0, "/f"},
        {{}, PL_IO_FILE_DIR, 0, "/"},
        {{"c", "b"}, PL_IO_FILE_REGULAR, PL_IO_F_PATH_TRUNCATED, ".../b/c"},
        {{""}, PL_IO_FILE_FIFO, PL_IO_F_PATH_PSEUDO, "pipe:[777]"},
        {{"fifo", "tmp"}, PL_IO_FILE_FIFO, 0, "/tmp/fifo"},
        {{"UNIX-STREAM"}, PL_IO_FILE_SOCKET, PL_IO_F_PATH_PSEUDO, "socket:[777]"},
        {{"[eventfd]"}, PL_IO_FILE_ANON, PL_IO_F_PATH_PSEUDO, "anon_inode:[eventfd]"},
        {{"memfd:x"}, PL_IO_FILE_REGULAR, PL_IO_F_PATH_PSEUDO, "memfd:x"},
        {{}, PL_IO_FILE_REGULAR, PL_IO_F_PATH_UNAVAILABLE, ""},
    };
    for (const Case& c : cases) {
        IoBytes b;
        b.packed = pack(c.parts);
        b.depth = static_cast<uint8_t>(c.parts.size());
        b.file_type = c.file_type;
        b.flags = c.flags;
        Record r;
        auto event = b.build();
        ASSERT_EQ(decode_bytes(event, r), nullptr) << c.want;
        EXPECT_EQ(str_field(r, "path"), c.want);
        EXPECT_EQ(r.find("path_truncated") != nullptr, (c.flags & PL_IO_F_PATH_TRUNCATED) != 0);
    }
}

TEST(DecodeIo, DeepestLongestPathFitsTheRecord) {
    std::vector<std::string> parts;
    for (int i = 0; i < PL_IO_PATH_DEPTH_MAX - 1; ++i)
        parts.push_back(std::string(15, static_cast<char>('a' + i % 26)));
    parts.push_back(std::string(255, 'z'));
    IoBytes b;
    b.packed = pack(parts);
    ASSERT_LE(b.packed.size(), size_t{PL_IO_PATH_MAX});
    b.depth = static_cast<uint8_t>(parts.size());
    Record r;
    auto event = b.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "path").size(), b.packed.size());  // each NUL became a '/'
    EXPECT_EQ(str_field(r, "path").substr(0, 257), "/" + std::string(255, 'z') + "/");
}

TEST(DecodeIo, MalformedEventsAreRejected) {
    auto reject = [](const IoBytes& b) { return decode_error(b.build()); };
    IoBytes shorter;
    shorter.packed.clear();
    shorter.depth = 0;
    shorter.size_delta = -1;  // one byte short of the fixed part
    EXPECT_STREQ(reject(shorter), "io event shorter than its fixed part");

    IoBytes op;
    op.op = PL_IO_OP_COUNT;
    EXPECT_STREQ(reject(op), "io event with an unknown operation");

    IoBytes type;
    type.file_type = PL_IO_FILE_TYPE_COUNT;
    EXPECT_STREQ(reject(type), "io event with an unknown file type");

    IoBytes long_path;
    long_path.path_len = static_cast<int>(long_path.packed.size()) + 1;  // past the event
    EXPECT_STREQ(reject(long_path), "io event path length exceeds its size");

    IoBytes deeper;
    deeper.depth = 4;  // three components present
    EXPECT_STREQ(reject(deeper), "io event path does not match its depth");

    IoBytes unterminated;
    unterminated.packed.pop_back();  // last component without its NUL
    unterminated.depth = 2;          // two NULs left
    EXPECT_STREQ(reject(unterminated), "io event path does not match its depth");

    IoBytes too_deep;
    too_deep.packed = pack(std::vector<std::string>(PL_IO_PATH_DEPTH_MAX + 1, "a"));
    too_deep.depth = PL_IO_PATH_DEPTH_MAX + 1;
    EXPECT_STREQ(reject(too_deep), "io event path does not match its depth");
}

TEST(DecodeIo, TruncationAtEveryLengthNeverReadsPastTheBytes) {
    auto full = IoBytes{}.build();
    for (size_t n = 0; n < full.size(); ++n) {
        std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<long>(n));
        EXPECT_NE(decode_error(cut), nullptr) << n;
    }
}

pl_io_agg_value agg_value() {
    pl_io_agg_value v{};
    v.reads = 3;
    v.writes = 2;
    v.syncs = 1;
    v.errors = 1;
    v.bytes_read = 300;
    v.bytes_written = 200;
    v.latency_sum_ns = 6000;
    v.latency_max_ns = 3000;
    v.hist[0] = 1;   // [0, 2) ns
    v.hist[9] = 3;   // [512, 1024)
    v.hist[11] = 2;  // [2048, 4096)
    std::memcpy(v.comm, "dd", 2);
    v.file_type = PL_IO_FILE_REGULAR;
    std::string p = pack({"out", "tmp"});
    std::memcpy(v.path, p.data(), p.size());
    v.path_len = static_cast<uint16_t>(p.size());
    v.path_depth = 2;
    return v;
}

TEST(DecodeIoAggregate, EveryField) {
    pl_io_agg_key key{.pid = 42, .dev = (254u << 20) | 3u, .ino = 99};
    pl_io_agg_value v = agg_value();
    Record r;
    ASSERT_EQ(decode::io_aggregate_record(key, v, 1'000'000'000, 5'000'000'000, r), nullptr);
    EXPECT_EQ(r.event_type(), "io_aggregate");
    EXPECT_EQ(r.trace(), PL_TRACE_IO);
    EXPECT_EQ(r.time_ns(), 1'000'000'000);
    EXPECT_EQ(r.find("pid")->value.u, 42u);
    EXPECT_EQ(str_field(r, "comm"), "dd");
    EXPECT_EQ(str_field(r, "path"), "/tmp/out");
    EXPECT_EQ(str_field(r, "file_type"), "regular");
    EXPECT_EQ(r.find("interval_ms")->value.u, 5000u);
    EXPECT_EQ(r.find("calls")->value.u, 6u);
    EXPECT_EQ(r.find("reads")->value.u, 3u);
    EXPECT_EQ(r.find("writes")->value.u, 2u);
    EXPECT_EQ(r.find("syncs")->value.u, 1u);
    EXPECT_EQ(r.find("errors")->value.u, 1u);
    EXPECT_EQ(r.find("bytes_read")->value.u, 300u);
    EXPECT_EQ(r.find("bytes_written")->value.u, 200u);
    EXPECT_EQ(r.find("latency_avg_ns")->value.u, 1000u);
    // 6 calls: p50 is the 3rd, in [512, 1024); p99 the 6th, in [2048, 4096) capped at max.
    EXPECT_EQ(r.find("latency_p50_ns")->value.u, 1023u);
    EXPECT_EQ(r.find("latency_p99_ns")->value.u, 3000u);
    EXPECT_EQ(r.find("latency_max_ns")->value.u, 3000u);
    const Field* hist = r.find("latency_hist");
    ASSERT_NE(hist, nullptr);
    ASSERT_EQ(hist->value.kind, ValueKind::StrList);
    std::vector<std::string> buckets;
    StrListView(hist->value.str, hist->value.count).for_each([&](std::string_view s) {
        buckets.emplace_back(s);
    });
    EXPECT_EQ(buckets, (std::vector<std::string>{"0:1", "512:3", "2048:2"}));
    EXPECT_EQ(r.find("ino")->value.u, 99u);
    EXPECT_EQ(str_field(r, "dev"), "254:3");
}

TEST(DecodeIoAggregate, EveryBucketFullAndTheLongestPathFitTheArena) {
    pl_io_agg_key key{.pid = 1, .dev = 0xffffffffu, .ino = ~0ull};
    pl_io_agg_value v = agg_value();
    for (auto& h : v.hist)
        h = ~0ull / PL_IO_HIST_BUCKETS;
    std::vector<std::string> parts(PL_IO_PATH_DEPTH_MAX - 1, std::string(15, 'd'));
    parts.push_back(std::string(255, 'f'));
    std::string p = pack(parts);
    std::memcpy(v.path, p.data(), p.size());
    v.path_len = static_cast<uint16_t>(p.size());
    v.path_depth = static_cast<uint8_t>(parts.size());
    v.flags = PL_IO_F_PATH_TRUNCATED;
    Record r;
    ASSERT_EQ(decode::io_aggregate_record(key, v, 0, 0, r), nullptr);
    EXPECT_EQ(str_field(r, "path").size(), p.size() + 3);
    EXPECT_EQ(r.find("latency_hist")->value.count, uint32_t{PL_IO_HIST_BUCKETS});
    EXPECT_EQ(str_field(r, "dev"), "4095:1048575");
}

TEST(DecodeIoAggregate, MalformedValuesAreRejected) {
    pl_io_agg_key key{};
    pl_io_agg_value v = agg_value();
    Record r;
    v.path_len = PL_IO_PATH_MAX + 1;
    EXPECT_STREQ(decode::io_aggregate_record(key, v, 0, 0, r),
                 "io aggregate path length out of range");
    v = agg_value();
    v.path_depth = 1;
    EXPECT_STREQ(decode::io_aggregate_record(key, v, 0, 0, r),
                 "io aggregate path does not match its depth");
    v = agg_value();
    v.file_type = 200;
    EXPECT_STREQ(decode::io_aggregate_record(key, v, 0, 0, r),
                 "io aggregate with an unknown file type");
}

}  // namespace
}  // namespace probelog
