// The malloc trace run as a user runs it, against tests/testprogs/malloc_sizes.c:
// every call with its exact size, the right pid, addresses that match between
// allocation, realloc and free, and none of probelog's own allocations.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/libc_copy.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

// The pointers malloc_sizes printed: a b c d e.
struct Pointers {
    uint64_t a = 0, b = 0, c = 0, d = 0, e = 0;
};

Pointers parse_pointers(const std::string& out) {
    Pointers p;
    std::istringstream in(out);
    in >> std::hex >> p.a >> p.b >> p.c >> p.d >> p.e;
    EXPECT_FALSE(in.fail()) << "malloc_sizes printed: " << out;
    return p;
}

// malloc_sizes waiting at a FIFO until the test says go; on `libc`, a copy of
// the C library, if given.
class GatedAllocator {
  public:
    explicit GatedAllocator(const LibcCopy* libc = nullptr)
        : fifo_("/tmp/" + unique_token("malloc-fifo")) {
        EXPECT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
        std::vector<std::string> argv{testprog("malloc_sizes"), fifo_};
        process_ = std::make_unique<Process>(libc != nullptr ? libc->command(argv) : argv);
    }
    ~GatedAllocator() { unlink(fifo_.c_str()); }
    pid_t pid() const { return process_->pid(); }
    // Lets it run to the end; returns what it printed.
    Pointers go() {
        { std::ofstream(fifo_) << "g"; }
        Finished f = process_->wait();
        EXPECT_EQ(f.exit_code, 0) << f.err;
        return parse_pointers(f.out);
    }

  private:
    std::string fifo_;
    std::unique_ptr<Process> process_;
};

// The malloc/calloc/realloc/free records of the program (`pid`), in the order they happened.
std::vector<const JsonRecord*> allocation_calls(const std::vector<JsonRecord>& records, pid_t pid) {
    return select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "malloc" && r.unum("pid") == static_cast<uint64_t>(pid) &&
               r.str("comm") == "malloc_sizes" && r.num("operation") <= 3;
    });
}

// Exactly the program's seven calls, each with its size and addresses.
void expect_exact_calls(const std::vector<JsonRecord>& records, pid_t pid, const Pointers& p,
                        const std::string& all) {
    auto calls = allocation_calls(records, pid);
    ASSERT_EQ(calls.size(), 7u) << all;
    for (const JsonRecord* r : calls) {
        EXPECT_EQ(r->unum("tid"), static_cast<uint64_t>(pid));
        EXPECT_EQ(r->str("comm"), "malloc_sizes");
    }
    struct Want {
        const char* name;
        int operation;
        uint64_t address;
        uint64_t size;
    };
    const Want wants[] = {
        {"malloc", 0, p.a, 54321}, {"calloc", 2, p.b, 7 * 1237}, {"realloc", 3, p.c, 98765},
        {"realloc", 3, p.d, 4321}, {"realloc", 3, 0, 0},         {"free", 1, p.b, 0},
        {"free", 1, p.c, 0},
    };
    for (size_t i = 0; i < 7; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(calls[i]->str("operation_name"), wants[i].name);
        EXPECT_EQ(calls[i]->num("operation"), wants[i].operation);
        EXPECT_EQ(calls[i]->unum("address"), wants[i].address);
        EXPECT_EQ(calls[i]->unum("size"), wants[i].size);
    }
    EXPECT_NE(p.a, 0u);
    EXPECT_EQ(p.e, 0u);  // realloc(d, 0) frees d
    EXPECT_EQ(calls[1]->unum("nmemb"), 7u);
    EXPECT_EQ(calls[2]->unum("old_address"), p.a);  // realloc(a, ...)
    EXPECT_EQ(calls[3]->unum("old_address"), 0u);   // realloc(NULL, ...): no malloc record
    EXPECT_EQ(calls[4]->unum("old_address"), p.d);  // realloc(d, 0): no free record
}

TEST(MallocE2E, EveryCallOfTheProgramWithExactSizesAndAddresses) {
    PROBELOG_REQUIRE_ROOT();
    GatedAllocator program;
    // The uprobes are on the whole machine's libc; --comm keeps the output to the program.
    auto p = start_probelog(
        {"--trace", "malloc", "-o", "json", "--comm", "malloc_sizes", "--poll-ms", "20"});
    Pointers ptrs = program.go();
    auto records = stop_and_parse(*p);
    expect_exact_calls(records, program.pid(), ptrs, p->out());
}

TEST(MallocE2E, PidAttachesTheUprobesToThatProcess) {
    PROBELOG_REQUIRE_ROOT();
    GatedAllocator program;
    auto p = start_probelog({"--trace", "malloc", "-o", "json", "--pid",
                             std::to_string(program.pid()), "--poll-ms", "20"});
    // 3 uprobe+uretprobe pairs and free's uprobe in that process, plus the 4 mmap/munmap
    // tracepoints.
    EXPECT_NE(p->err().find("tracing malloc (11 hooks"), std::string::npos) << p->err();
    Pointers ptrs = program.go();
    auto records = stop_and_parse(*p);
    expect_exact_calls(records, program.pid(), ptrs, p->out());
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "malloc") {
            EXPECT_EQ(r.unum("pid"), static_cast<uint64_t>(program.pid())) << r.line();
        }
    }
}

// A process whose libc was deleted after it mapped it, as after a libc upgrade:
// the malloc trace and --probe 'libc:malloc' with its pid both reach the
// deleted file (through /proc/PID/map_files) and both see its calls.
TEST(MallocE2E, DeletedLibcIsReachedLikeTheProbesReachIt) {
    PROBELOG_REQUIRE_ROOT();
    LibcCopy libc;
    ASSERT_TRUE(libc.ok());
    GatedAllocator program(&libc);
    ASSERT_TRUE(libc.delete_once_mapped(program.pid()));
    auto p =
        start_probelog({"--trace", "malloc", "--probe", "libc:malloc(u64 size) ret:ptr", "-o",
                        "json", "--pid", std::to_string(program.pid()), "--poll-ms", "20", "-v"});
    std::string map_files = fmt::format("/proc/{}/map_files/", program.pid());
    EXPECT_NE(p->err().find(map_files), std::string::npos) << p->err();
    Pointers ptrs = program.go();
    auto records = stop_and_parse(*p);
    expect_exact_calls(records, program.pid(), ptrs, p->out());
    auto probed = select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "probe" && r.str("probe") == "libc:malloc" &&
               r.unum("size") == 54321;
    });
    ASSERT_EQ(probed.size(), 1u) << p->out();
    EXPECT_EQ(probed[0]->unum("pid"), static_cast<uint64_t>(program.pid()));
    EXPECT_EQ(probed[0]->str("ret"), fmt::format("0x{:x}", ptrs.a));
}

TEST(MallocE2E, ProbelogsOwnAllocationsAreNeverRecorded) {
    PROBELOG_REQUIRE_ROOT();
    // Every process named probelog passes the comm filter, and the hooks are in
    // the libc probelog itself uses: another probelog's allocations show up,
    // this one's (it allocates after attaching: its start-up line, its records,
    // its summary) must not.
    auto p = start_probelog(
        {"--trace", "malloc", "-o", "json", "--comm", "probelog", "--poll-ms", "20"});
    Finished other = run({probelog_bin(), "--list-traces"});
    ASSERT_EQ(other.exit_code, 0);
    auto records = stop_and_parse(*p);
    size_t from_others = 0;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") != "malloc") continue;
        EXPECT_NE(r.unum("pid"), static_cast<uint64_t>(p->pid())) << r.line();
        ++from_others;
    }
    EXPECT_GT(from_others, 0u) << "the other probelog's allocations should have been recorded";
}

TEST(MallocE2E, CommandModeTracesTheCommand) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--trace", "malloc", "-o", "json", "--", "/bin/sh", "-c",
                      "exec " + testprog("malloc_sizes") + " - >&2"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    // The program's line is on stderr, after probelog's own lines.
    std::string line;
    std::istringstream err(f.err);
    while (std::getline(err, line)) {
        if (!line.starts_with("probelog:")) break;
    }
    Pointers ptrs = parse_pointers(line);
    auto sized = select(records, [](const JsonRecord& r) {
        return r.str("operation_name") == "malloc" && r.unum("size") == 54321;
    });
    ASSERT_EQ(sized.size(), 1u) << f.out;
    pid_t pid = static_cast<pid_t>(sized[0]->unum("pid"));
    expect_exact_calls(records, pid, ptrs, f.out);
}

}  // namespace
}  // namespace probelog::test
