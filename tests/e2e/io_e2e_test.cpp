// The io trace run as a user runs it, against file I/O the test program
// (tests/testprogs/io_ops.c) performs with known sizes, offsets and results.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

// One expected record of `io_ops files`.
struct Call {
    std::string operation;
    int64_t count;  // -1: no count field (fsync)
    int64_t ret;
    int64_t offset;  // -1: no offset field
    int64_t iovcnt;  // -1: not a vectored call
    bool position;   // the offset is the file position at entry
};

// What `io_ops files PATH` does to PATH, in order (see the test program).
const std::vector<Call> kFileCalls = {
    {"write", 100, 100, 0, -1, true},     {"pwrite64", 50, 50, 1000, -1, false},
    {"writev", 60, 60, 100, 3, true},     {"pwritev", 15, 15, 2000, 2, false},
    {"pwritev2", 5, 5, 3000, 1, false},   {"fsync", -1, 0, -1, -1, false},
    {"fdatasync", -1, 0, -1, -1, false},  {"read", 64, 64, 0, -1, true},
    {"pread64", 32, 32, 1000, -1, false}, {"readv", 32, 32, 64, 2, true},
    {"preadv", 8, 8, 2000, 2, false},     {"preadv2", 5, 5, 96, 1, true},
    {"pread64", 100, 0, 5000, -1, false}, {"read", 7, -9, 0, -1, true},  // EBADF: write-only fd
};

std::string temp_path(std::string_view prefix, std::string_view suffix) {
    return "/tmp/" + unique_token(prefix) + std::string(suffix);
}

Finished run_io(std::vector<std::string> args) {
    args.insert(args.begin(), {probelog_bin(), "--trace", "io", "-o", "json"});
    return run(args);
}

void expect_file_calls(const std::vector<const JsonRecord*>& got, const std::string& path) {
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    ASSERT_EQ(got.size(), kFileCalls.size());
    std::string dev = fmt::format("{}:{}", major(st.st_dev), minor(st.st_dev));
    int64_t main_fd = got[0]->num("fd");
    for (size_t i = 0; i < got.size(); ++i) {
        const JsonRecord& r = *got[i];
        const Call& c = kFileCalls[i];
        SCOPED_TRACE(fmt::format("call {} ({}): {}", i, c.operation, r.line()));
        EXPECT_EQ(r.str("event_type"), "io");
        EXPECT_EQ(r.str("comm"), "io_ops");
        EXPECT_EQ(r.unum("tid"), r.unum("pid"));
        EXPECT_EQ(r.str("operation"), c.operation);
        EXPECT_EQ(r.str("path"), path);
        EXPECT_EQ(r.str("file_type"), "regular");
        EXPECT_EQ(r.unum("ino"), st.st_ino);
        EXPECT_EQ(r.str("dev"), dev);
        EXPECT_EQ(r.num("ret"), c.ret);
        EXPECT_EQ(r.has("count"), c.count >= 0);
        if (c.count >= 0) {
            EXPECT_EQ(r.num("count"), c.count);
        }
        EXPECT_EQ(r.has("offset"), c.offset >= 0);
        if (c.offset >= 0) {
            EXPECT_EQ(r.num("offset"), c.offset);
        }
        EXPECT_EQ(r.has("offset_is_position"), c.position);
        EXPECT_EQ(r.has("iovcnt"), c.iovcnt >= 0);
        if (c.iovcnt >= 0) {
            EXPECT_EQ(r.num("iovcnt"), c.iovcnt);
        }
        EXPECT_GT(r.unum("latency_ns"), 0u);
        if (c.ret < 0) {
            EXPECT_EQ(r.str("error"), "EBADF");
            EXPECT_NE(r.num("fd"), main_fd);
        } else {
            EXPECT_FALSE(r.has("error"));
            EXPECT_EQ(r.num("fd"), main_fd);
        }
    }
}

// The io records of process `pid` that also satisfy `keep`.
std::vector<const JsonRecord*> io_of_pid(const std::vector<JsonRecord>& records, uint64_t pid,
                                         const std::function<bool(const JsonRecord&)>& keep) {
    return select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "io" && r.unum("pid") == pid && keep(r);
    });
}

TEST(IoE2E, FileCallsHaveExactArgumentsAndSocketsAndPipesAreSkipped) {
    PROBELOG_REQUIRE_ROOT();
    std::string path = temp_path("io", ".dat");
    Finished f = run_io({"--", testprog("io_ops"), "files", path});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto mine = select(records, [&](const JsonRecord& r) { return r.str("path") == path; });
    expect_file_calls(mine, path);
    ASSERT_FALSE(mine.empty());

    // The program's socket and pipe I/O never left the kernel: nothing but regular files.
    auto others = io_of_pid(records, mine[0]->unum("pid"),
                            [](const JsonRecord& r) { return r.str("file_type") != "regular"; });
    EXPECT_TRUE(others.empty()) << others.front()->line();
    unlink(path.c_str());
}

TEST(IoE2E, AllFilesAddsSocketsAndPipesWithTheirType) {
    PROBELOG_REQUIRE_ROOT();
    std::string path = temp_path("io", ".dat");
    Finished f = run_io({"--io-all-files", "--", testprog("io_ops"), "files", path});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto mine = select(records, [&](const JsonRecord& r) { return r.str("path") == path; });
    expect_file_calls(mine, path);
    ASSERT_FALSE(mine.empty());

    // 11 bytes through a socket pair, then 13 through a pipe (the gate pipe that
    // probelog starts the command with moves 1 byte at most).
    auto others = io_of_pid(records, mine[0]->unum("pid"), [](const JsonRecord& r) {
        return r.str("file_type") != "regular" && r.num("count") > 1;
    });
    ASSERT_EQ(others.size(), 4u) << f.out;
    const char* ops[] = {"write", "read", "write", "read"};
    const char* types[] = {"socket", "socket", "pipe", "pipe"};
    int64_t sizes[] = {11, 11, 13, 13};
    for (size_t i = 0; i < 4; ++i) {
        const JsonRecord& r = *others[i];
        SCOPED_TRACE(r.line());
        EXPECT_EQ(r.str("operation"), ops[i]);
        EXPECT_EQ(r.str("file_type"), types[i]);
        EXPECT_EQ(r.num("count"), sizes[i]);
        EXPECT_EQ(r.num("ret"), sizes[i]);
        EXPECT_EQ(r.str("path"), fmt::format("{}:[{}]", types[i], r.unum("ino")));
        EXPECT_FALSE(r.has("offset"));
    }
    EXPECT_NE(others[0]->unum("ino"), others[1]->unum("ino"));  // two sockets
    EXPECT_EQ(others[2]->unum("ino"), others[3]->unum("ino"));  // one pipe
    unlink(path.c_str());
}

TEST(IoE2E, MinLatencyKeepsTheSlowReadOnly) {
    PROBELOG_REQUIRE_ROOT();
    // A FIFO (a named pipe: --io-all-files) read twice: 2 bytes that the writer
    // sends 600 ms after opening it, then 4 bytes that are already there.
    for (bool filtered : {false, true}) {
        SCOPED_TRACE(filtered ? "--io-min-latency 100ms" : "no latency filter");
        std::string fifo = temp_path("io", ".fifo");
        ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
        std::vector<std::string> args = {"--io-all-files"};
        if (filtered) args.insert(args.end(), {"--io-min-latency", "100ms"});
        args.insert(args.end(), {"--", testprog("io_ops"), "slow", fifo, "600"});
        Finished f = run_io(args);
        unlink(fifo.c_str());
        ASSERT_EQ(f.exit_code, 0) << f.err;
        auto records = parse_json_lines(f.out);
        auto mine = select(records, [&](const JsonRecord& r) { return r.str("path") == fifo; });
        std::map<std::string, const JsonRecord*> by_call;
        for (const JsonRecord* r : mine)
            by_call[r->str("operation") + std::to_string(r->num("count"))] = r;
        ASSERT_EQ(mine.size(), filtered ? 1u : 3u) << f.out;
        ASSERT_EQ(by_call.count("read2"), 1u) << f.out;
        const JsonRecord& slow = *by_call["read2"];
        EXPECT_EQ(slow.num("ret"), 2);
        EXPECT_EQ(slow.str("file_type"), "pipe");
        EXPECT_GE(slow.unum("latency_ns"), 100'000'000u);
        EXPECT_EQ(by_call.count("read4"), filtered ? 0u : 1u);   // the fast read
        EXPECT_EQ(by_call.count("write6"), filtered ? 0u : 1u);  // the writer's write
    }
}

TEST(IoE2E, FullCorrelationMapCountsEveryCallItCouldNotTrack) {
    PROBELOG_REQUIRE_ROOT();
    // 16 threads named io_reader block in read() on one pipe while the map has room
    // for 4: 4 calls are tracked, 12 are counted as map_full, none is lost silently.
    Finished f = run_io({"--io-all-files", "--io-map-size", "4", "--comm", "io_reader", "--",
                         testprog("io_ops"), "threads", "16"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto reads = select(records, [](const JsonRecord& r) { return r.str("event_type") == "io"; });
    uint64_t map_full = 0;
    for (const auto& r : records) {
        if (r.str("event_type") == "lost" && r.str("trace") == "io") {
            map_full += r.unum("map_full");
            EXPECT_EQ(r.unum("lost"), 0u);
            EXPECT_EQ(r.str("stage"), "map_full") << r.line();
            EXPECT_LT(r.unum("cpu"), static_cast<uint64_t>(sysconf(_SC_NPROCESSORS_CONF)));
            EXPECT_EQ(r.str("reason").rfind("correlation map full", 0), 0u) << r.line();
        }
    }
    ASSERT_EQ(reads.size(), 4u) << f.out;
    for (const JsonRecord* r : reads) {
        EXPECT_EQ(r->str("comm"), "io_reader");
        EXPECT_EQ(r->str("operation"), "read");
        EXPECT_EQ(r->num("ret"), 1);
        EXPECT_EQ(r->str("file_type"), "pipe");
    }
    EXPECT_EQ(map_full, 12u) << f.out;
    EXPECT_NE(f.err.find("io: 4 delivered, 0 lost, 12 map full"), std::string::npos) << f.err;
}

TEST(IoE2E, AggregateModeSumsCallsPerProcessAndFile) {
    PROBELOG_REQUIRE_ROOT();
    std::string path = temp_path("io", ".dat");
    Finished f = run_io({"--io-aggregate", "200ms", "--", testprog("io_ops"), "files", path});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    EXPECT_TRUE(
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "io"; }).empty())
        << "aggregate mode emits no per-call records";
    // The calls may straddle an interval boundary: sum the records of the file.
    auto mine = select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "io_aggregate" && r.str("path") == path;
    });
    ASSERT_FALSE(mine.empty()) << f.out;
    std::map<std::string, uint64_t> sum;
    uint64_t in_buckets = 0;
    for (const JsonRecord* r : mine) {
        for (const char* k :
             {"calls", "reads", "writes", "syncs", "errors", "bytes_read", "bytes_written"})
            sum[k] += r->unum(k);
        for (const std::string& b : r->strings("latency_hist"))
            in_buckets += std::stoull(b.substr(b.find(':') + 1));
        EXPECT_EQ(r->str("comm"), "io_ops");
        EXPECT_EQ(r->str("file_type"), "regular");
        EXPECT_GE(r->unum("latency_max_ns"), r->unum("latency_p99_ns"));
        EXPECT_GE(r->unum("latency_p99_ns"), r->unum("latency_p50_ns"));
        EXPECT_GT(r->unum("latency_p50_ns"), 0u);
    }
    // 7 reads (one of them EBADF), 5 writes, fsync + fdatasync (see io_ops.c).
    EXPECT_EQ(sum["calls"], 14u);
    EXPECT_EQ(sum["reads"], 7u);
    EXPECT_EQ(sum["writes"], 5u);
    EXPECT_EQ(sum["syncs"], 2u);
    EXPECT_EQ(sum["errors"], 1u);
    EXPECT_EQ(sum["bytes_read"], 64u + 32 + 32 + 8 + 5);
    EXPECT_EQ(sum["bytes_written"], 100u + 50 + 60 + 15 + 5);
    EXPECT_EQ(in_buckets, 14u);
    unlink(path.c_str());
}

TEST(IoE2E, NotInTheDefaultTraces) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--list-traces"});
    ASSERT_EQ(f.exit_code, 0);
    EXPECT_NE(f.out.find("io         no "), std::string::npos) << f.out;
}

}  // namespace
}  // namespace probelog::test
