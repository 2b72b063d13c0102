// Dynamic probes end to end: probelog --probe ... -- <test program>, as a user
// runs it, against the test programs of tests/testprogs/probes whose
// functions are called with the known values of probe_values.h.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"
#include "testprogs/probes/probe_values.h"

namespace probelog::test {
namespace {

// probelog -o json ARGS -- PROGRAM: the probe records, in order.
struct ProbeRun {
    Finished finished;
    std::vector<JsonRecord> records;
    std::vector<const JsonRecord*> of(std::string_view probe) const {
        return select(records, [&](const JsonRecord& r) { return r.str("probe") == probe; });
    }
};

ProbeRun run_probes(std::vector<std::string> args, const std::vector<std::string>& command) {
    args.insert(args.begin(), {probelog_bin(), "-o", "json", "--poll-ms", "20"});
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    ProbeRun out;
    out.finished = run(args);
    EXPECT_EQ(out.finished.exit_code, 0) << out.finished.err;
    out.records = parse_json_lines(out.finished.out);
    for (const JsonRecord& r : out.records)
        EXPECT_EQ(r.str("event_type"), "probe") << r.line();
    return out;
}

std::string hex_of(const std::vector<int>& bytes) {
    std::string out;
    for (int b : bytes)
        out += fmt::format("{:02x}", b);
    return out;
}

TEST(ProbeE2E, IntegerTypesArriveExactly) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun run = run_probes(
        {"--probe", bin + ":pt_signed(s8 a, s16 b, s32 c, s64 d, long e, int f) ret:s64", "--probe",
         bin + ":pt_unsigned(u8 a, u16 b, u32 c, u64 d, bool e, char f) ret:u64", "--probe",
         bin + ":pt_ptr(ptr p) ret:ptr", "--probe", bin + ":pt_add_ints(int a, int b) ret:int"},
        {bin});
    auto s = run.of("probe_target:pt_signed");
    ASSERT_EQ(s.size(), 1u) << run.finished.out << run.finished.err;
    EXPECT_EQ(s[0]->num("a"), PT_S8);
    EXPECT_EQ(s[0]->num("b"), PT_S16);
    EXPECT_EQ(s[0]->num("c"), PT_S32);
    EXPECT_EQ(s[0]->num("d"), PT_S64);
    EXPECT_EQ(s[0]->num("e"), PT_SLONG);
    EXPECT_EQ(s[0]->num("f"), PT_SINT);
    uint64_t sum = 0;
    for (int64_t v : {int64_t{PT_S8}, int64_t{PT_S16}, int64_t{PT_S32}, int64_t{PT_S64},
                      int64_t{PT_SLONG}, int64_t{PT_SINT}})
        sum += static_cast<uint64_t>(v);
    EXPECT_EQ(s[0]->num("ret"), static_cast<int64_t>(sum));
    EXPECT_EQ(s[0]->str("stage"), "call");
    EXPECT_GT(s[0]->unum("latency_ns"), 0u);

    auto u = run.of("probe_target:pt_unsigned");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0]->unum("a"), PT_U8);
    EXPECT_EQ(u[0]->unum("b"), PT_U16);
    EXPECT_EQ(u[0]->unum("c"), PT_U32);
    EXPECT_EQ(u[0]->unum("d"), PT_U64);
    EXPECT_TRUE(u[0]->boolean("e"));
    EXPECT_EQ(u[0]->str("f"), std::string(1, PT_CHAR));
    EXPECT_EQ(u[0]->unum("ret"),
              PT_U8 + PT_U16 + PT_U32 + PT_U64 + PT_BOOL + static_cast<unsigned char>(PT_CHAR));

    auto p = run.of("probe_target:pt_ptr");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0]->str("p"), fmt::format("0x{:x}", PT_PTR));
    EXPECT_EQ(p[0]->str("ret"), fmt::format("0x{:x}", PT_PTR));

    auto add = run.of("probe_target:pt_add_ints");
    ASSERT_EQ(add.size(), 1u);
    EXPECT_EQ(add[0]->num("a"), PT_ADD_A);
    EXPECT_EQ(add[0]->num("b"), PT_ADD_B);
    EXPECT_EQ(add[0]->num("ret"), PT_ADD_A + PT_ADD_B);
    // Every record is the command's, with the common fields and then the probe's, in order.
    EXPECT_EQ(add[0]->str("comm"), "probe_target");
    std::vector<std::string> keys = add[0]->keys();
    std::vector<std::string> tail(keys.end() - 6, keys.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"probe", "stage", "a", "b", "ret", "latency_ns"}));
}

TEST(ProbeE2E, DwarfGivesNamesAndTypesInPieAndFixedAddressBuilds) {
    PROBELOG_REQUIRE_ROOT();
    for (const char* name : {"probe_target", "probe_target_nopie"}) {
        std::string bin = testprog(name);
        ProbeRun run =
            run_probes({"--probe", bin + ":pt_signed", "--probe", bin + ":pt_str"}, {bin});
        auto s = run.of(std::string(name) + ":pt_signed");
        ASSERT_EQ(s.size(), 1u) << name << run.finished.err;
        EXPECT_EQ(s[0]->num("a"), PT_S8) << name;
        EXPECT_EQ(s[0]->num("d"), PT_S64) << name;
        EXPECT_EQ(s[0]->num("f"), PT_SINT) << name;
        EXPECT_TRUE(s[0]->has("ret"));
        auto str = run.of(std::string(name) + ":pt_str");
        ASSERT_EQ(str.size(), 3u) << name;
        EXPECT_EQ(str[0]->str("s"), PT_SHORT_STR) << name;  // char* is a str from DWARF
        EXPECT_EQ(str[0]->unum("ret"), sizeof(PT_SHORT_STR) - 1);
    }
}

TEST(ProbeE2E, WithoutDwarfOrListRawRegisters) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target_nodwarf");
    ProbeRun run =
        run_probes({"--probe", bin + ":pt_add_ints", "--probe",
                    bin + ":pt_signed(s8 a, s16 b, s32 c, s64 d, long e, int f) ret:long"},
                   {bin});
    auto add = run.of("probe_target_nodwarf:pt_add_ints");
    ASSERT_EQ(add.size(), 1u) << run.finished.err;
    EXPECT_EQ(add[0]->unum("arg0"), static_cast<uint64_t>(PT_ADD_A));
    EXPECT_EQ(add[0]->unum("arg1"), static_cast<uint64_t>(PT_ADD_B));
    EXPECT_TRUE(add[0]->has("arg5"));
    EXPECT_FALSE(add[0]->has("ret"));
    EXPECT_TRUE(add[0]->has("latency_ns"));
    auto s = run.of("probe_target_nodwarf:pt_signed");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]->num("b"), PT_S16);
}

TEST(ProbeE2E, StringsAndBuffersExactOrFlaggedTruncated) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun run = run_probes({"--probe", bin + ":pt_str(str s) ret:u64", "--probe",
                               bin + ":pt_buf(buf data[len], u64 len) ret:long"},
                              {bin});
    auto s = run.of("probe_target:pt_str");
    ASSERT_EQ(s.size(), 3u) << run.finished.err;
    EXPECT_EQ(s[0]->str("s"), PT_SHORT_STR);
    EXPECT_FALSE(s[0]->boolean("s_truncated"));
    EXPECT_FALSE(s[0]->has("s_error"));
    std::string alphabet;
    for (int i = 0; i < 128; ++i)
        alphabet += static_cast<char>('a' + i % 26);
    EXPECT_EQ(s[1]->str("s"), alphabet);  // the default cap: 128 characters
    EXPECT_TRUE(s[1]->boolean("s_truncated"));
    EXPECT_EQ(s[1]->unum("ret"), static_cast<uint64_t>(PT_LONG_STR_LEN));
    EXPECT_EQ(s[2]->str("s"), "");
    EXPECT_EQ(s[2]->str("s_error"), "null");

    auto b = run.of("probe_target:pt_buf");
    ASSERT_EQ(b.size(), 2u);
    std::vector<int> small;
    long small_sum = 0;
    for (int i = 0; i < PT_SMALL_BUF_LEN; ++i) {
        small.push_back(i * 3 + 1);
        small_sum += i * 3 + 1;
    }
    EXPECT_EQ(b[0]->str("data"), hex_of(small));
    EXPECT_EQ(b[0]->unum("data_len"), static_cast<uint64_t>(PT_SMALL_BUF_LEN));
    EXPECT_FALSE(b[0]->boolean("data_truncated"));
    EXPECT_EQ(b[0]->num("ret"), small_sum);
    std::vector<int> first256;
    for (int i = 0; i < 256; ++i)
        first256.push_back(i);
    EXPECT_EQ(b[1]->str("data"), hex_of(first256));  // the default cap: 256 bytes
    EXPECT_EQ(b[1]->unum("data_len"), static_cast<uint64_t>(PT_BIG_BUF_LEN));
    EXPECT_TRUE(b[1]->boolean("data_truncated"));
}

// ':FORMAT' (issue 15): a record buffer shown as the nested value it holds, a
// tag as escaped text, and a cut record as hex with the reason.
TEST(ProbeE2E, BuffersAsMsgpackTextAndBase64) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun run = run_probes(
        {"--probe",
         bin + ":pt_log_append(str tag:text, u64 tag_len, buf data[size]:msgpack, u64 size)",
         "--probe", bin + ":pt_log_append(str tag:base64, u64 n, buf data[16]:base64)"},
        {bin});
    auto calls = run.of("probe_target:pt_log_append");
    ASSERT_EQ(calls.size(), 4u) << run.finished.err;
    std::vector<const JsonRecord*> msgpack;
    std::vector<const JsonRecord*> base64;
    for (const JsonRecord* r : calls)
        (r->has("size") ? msgpack : base64).push_back(r);
    ASSERT_EQ(msgpack.size(), 2u);
    EXPECT_EQ(msgpack[0]->str("tag"), "app\\x09log");
    EXPECT_NE(msgpack[0]->line().find(std::string("\"data\":") + PT_LOG_RECORD_JSON),
              std::string::npos)
        << msgpack[0]->line();
    EXPECT_FALSE(msgpack[0]->has("data_error"));
    std::string record(PT_LOG_RECORD, sizeof(PT_LOG_RECORD) - 1);  // it holds a NUL
    std::string cut_hex;
    for (size_t i = 0; i + 3 < record.size(); ++i)
        cut_hex += fmt::format("{:02x}", static_cast<unsigned char>(record[i]));
    EXPECT_EQ(msgpack[1]->str("data"), cut_hex);
    EXPECT_EQ(msgpack[1]->str("data_error"),
              "truncated msgpack (the capture ends inside an object)");
    ASSERT_EQ(base64.size(), 2u);
    EXPECT_EQ(base64[0]->str("tag"), "YXBwCWxvZw==");               // base64 of "app\tlog"
    EXPECT_EQ(base64[0]->str("data"), "kpLOZVPxAICCp21lc3NhZw==");  // its first 16 bytes
}

TEST(ProbeE2E, CapsCutAtTheExactByte) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    size_t len = sizeof(PT_SHORT_STR) - 1;
    for (size_t cap : {len, len - 1}) {
        ProbeRun run = run_probes(
            {"--probe", bin + ":pt_str(str s)", "--probe", bin + ":pt_buf(buf data[len], u64 len)",
             "--probe-str-max", std::to_string(cap), "--probe-buf-max",
             std::to_string(cap == len ? PT_SMALL_BUF_LEN : PT_SMALL_BUF_LEN - 1)},
            {bin});
        auto s = run.of("probe_target:pt_str");
        ASSERT_EQ(s.size(), 3u) << run.finished.err;
        EXPECT_EQ(s[0]->str("s"), std::string(PT_SHORT_STR).substr(0, cap));
        EXPECT_EQ(s[0]->boolean("s_truncated"), cap < len);
        auto b = run.of("probe_target:pt_buf");
        ASSERT_EQ(b.size(), 2u);
        EXPECT_EQ(b[0]->str("data").size(),
                  2 * (cap == len ? PT_SMALL_BUF_LEN : PT_SMALL_BUF_LEN - 1));
        EXPECT_EQ(b[0]->boolean("data_truncated"), cap < len);
        EXPECT_EQ(b[0]->unum("data_len"), static_cast<uint64_t>(PT_SMALL_BUF_LEN));
    }
}

TEST(ProbeE2E, StackArgumentsBeyondTheSixthRegister) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    std::string list;
    for (int i = 0; i < 10; ++i)
        list += fmt::format("{}long a{}", i ? ", " : "", i);
    ProbeRun spec = run_probes({"--probe", bin + ":pt_many(" + list + ") ret:long"}, {bin});
    ProbeRun dwarf = run_probes({"--probe", bin + ":pt_many"}, {bin});
    for (const ProbeRun* run : {&spec, &dwarf}) {
        auto m = run->of("probe_target:pt_many");
        ASSERT_EQ(m.size(), 1u) << run->finished.err;
        long sum = 0;
        for (int i = 0; i < 10; ++i) {
            std::string key = fmt::format("a{}", i);
            EXPECT_EQ(m[0]->num(key.c_str()), PT_MANY_ARG(i)) << key;
            sum += PT_MANY_ARG(i);
        }
        EXPECT_EQ(m[0]->num("ret"), sum);
    }
}

TEST(ProbeE2E, ReturnValuesAndLatency) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun run = run_probes({"--probe", bin + ":pt_sleep_ms(int ms) ret:int", "--probe",
                               bin + ":pt_greeting(int n) ret:str"},
                              {bin});
    auto sleep = run.of("probe_target:pt_sleep_ms");
    ASSERT_EQ(sleep.size(), 1u) << run.finished.err;
    EXPECT_EQ(sleep[0]->num("ms"), PT_SLEEP_MS);
    EXPECT_EQ(sleep[0]->num("ret"), PT_SLEEP_MS);
    EXPECT_GE(sleep[0]->unum("latency_ns"), uint64_t{PT_SLEEP_MS} * 1000000);
    EXPECT_LT(sleep[0]->unum("latency_ns"), uint64_t{60} * 1000000000);  // sane, not garbage
    auto g = run.of("probe_target:pt_greeting");
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0]->str("ret"), PT_GREETING);
    EXPECT_FALSE(g[0]->boolean("ret_truncated"));
}

TEST(ProbeE2E, RecursiveCallsPairWithTheirOwnReturns) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun run = run_probes({"--probe", bin + ":pt_recurse(int n) ret:int"}, {bin});
    auto r = run.of("probe_target:pt_recurse");
    ASSERT_EQ(r.size(), static_cast<size_t>(PT_RECURSE_DEPTH + 1)) << run.finished.err;
    // Innermost first: n = 0, 1, ...; each call returns its own n, and encloses the previous.
    for (size_t i = 0; i < r.size(); ++i) {
        EXPECT_EQ(r[i]->num("n"), static_cast<int64_t>(i));
        EXPECT_EQ(r[i]->num("ret"), static_cast<int64_t>(i));
        if (i > 0) {
            EXPECT_GT(r[i]->unum("latency_ns"), r[i - 1]->unum("latency_ns"));
        }
    }
}

TEST(ProbeE2E, SplitAndEntryModes) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    ProbeRun split = run_probes(
        {"--probe", bin + ":pt_sleep_ms(int ms) ret:int", "--probe-mode", "split"}, {bin});
    auto s = split.of("probe_target:pt_sleep_ms");
    ASSERT_EQ(s.size(), 2u) << split.finished.err;
    EXPECT_EQ(s[0]->str("stage"), "entry");
    EXPECT_EQ(s[0]->num("ms"), PT_SLEEP_MS);
    EXPECT_FALSE(s[0]->has("ret"));
    EXPECT_FALSE(s[0]->has("latency_ns"));
    EXPECT_EQ(s[1]->str("stage"), "return");
    EXPECT_FALSE(s[1]->has("ms"));
    EXPECT_EQ(s[1]->num("ret"), PT_SLEEP_MS);
    EXPECT_GE(s[1]->unum("latency_ns"), uint64_t{PT_SLEEP_MS} * 1000000);
    EXPECT_EQ(s[0]->unum("tid"), s[1]->unum("tid"));

    ProbeRun entry = run_probes({"--probe", bin + ":pt_sleep_ms", "--probe-mode", "entry"}, {bin});
    auto e = entry.of("probe_target:pt_sleep_ms");
    ASSERT_EQ(e.size(), 1u) << entry.finished.err;
    EXPECT_EQ(e[0]->str("stage"), "entry");
    EXPECT_EQ(e[0]->num("ms"), PT_SLEEP_MS);
    EXPECT_FALSE(e[0]->has("ret"));
    EXPECT_NE(entry.finished.err.find("(1 hooks,"), std::string::npos) << entry.finished.err;
}

TEST(ProbeE2E, AddressesAndSymbolOffsets) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    auto file = symbols::ElfFile::open(bin);
    ASSERT_TRUE(file.ok());
    const symbols::ElfSymbol* add = symbols::find_functions(*file, "pt_add_ints").at(0);
    const symbols::ElfSymbol* sleep = symbols::find_functions(*file, "pt_sleep_ms").at(0);
    auto insns = symbols::decode_instructions(*file->read_at(sleep->address, 16), sleep->address);
    uint64_t second = (*insns)[1].address - sleep->address;
    ProbeRun run =
        run_probes({"--probe", fmt::format("{}:0x{:x}(int a, int b) ret:int", bin, add->address),
                    "--probe", fmt::format("{}:pt_sleep_ms+0x{:x}(int ms@rdi)", bin, second)},
                   {bin});
    auto a = run.of(fmt::format("probe_target:0x{:x}", add->address));
    ASSERT_EQ(a.size(), 1u) << run.finished.err;
    EXPECT_EQ(a[0]->num("a"), PT_ADD_A);
    EXPECT_EQ(a[0]->num("ret"), PT_ADD_A + PT_ADD_B);
    auto mid = run.of(fmt::format("probe_target:pt_sleep_ms+0x{:x}", second));
    ASSERT_EQ(mid.size(), 1u);
    EXPECT_EQ(mid[0]->str("stage"), "entry");   // past the entry: no return probe
    EXPECT_EQ(mid[0]->num("ms"), PT_SLEEP_MS);  // rdi is untouched by the first instruction
}

TEST(ProbeE2E, CppMethodsByDemangledName) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target_cpp");
    ProbeRun run = run_probes(
        {"--probe", bin + ":'ns::Counter::add(int)'(ptr this, int v) ret:long", "--probe",
         bin + ":'ns::Counter::add(int, int)'", "--probe", bin + ":ns::Counter::twice", "--probe",
         bin + ":_ZN2ns5scaleEi(int x) ret:int", "--probe", bin + ":ns::biggest<int>", "--probe",
         bin + ":ns::make_name", "--probe", bin + ":ns::name_length"},
        {bin});
    auto add1 = run.of("probe_target_cpp:ns::Counter::add");
    ASSERT_EQ(add1.size(), 2u) << run.finished.err;
    EXPECT_EQ(add1[0]->num("v"), 5);
    EXPECT_EQ(add1[0]->num("ret"), 5);
    EXPECT_NE(add1[0]->str("this"), "0x0");
    EXPECT_EQ(add1[1]->num("v"), 6);  // the overload, from DWARF: this, v, w
    EXPECT_EQ(add1[1]->num("w"), 7);
    EXPECT_EQ(add1[1]->num("ret"), 5 + 6 * 7);
    EXPECT_EQ(add1[1]->str("this"), add1[0]->str("this"));
    auto twice = run.of("probe_target_cpp:ns::Counter::twice");
    ASSERT_EQ(twice.size(), 1u);
    EXPECT_EQ(twice[0]->num("x"), 21);
    EXPECT_EQ(twice[0]->num("ret"), 42);
    auto scale = run.of("probe_target_cpp:ns::scale");
    ASSERT_EQ(scale.size(), 1u);
    EXPECT_EQ(scale[0]->num("x"), 14);
    EXPECT_EQ(scale[0]->num("ret"), 42);
    auto big = run.of("probe_target_cpp:ns::biggest<int>");
    ASSERT_EQ(big.size(), 1u);
    EXPECT_EQ(big[0]->num("a"), 3);
    EXPECT_EQ(big[0]->num("b"), 9);
    EXPECT_EQ(big[0]->num("ret"), 9);
    // std::string by value: n is in rsi (rdi is the hidden result pointer).
    auto make = run.of("probe_target_cpp:ns::make_name");
    ASSERT_EQ(make.size(), 1u);
    EXPECT_EQ(make[0]->num("n"), 8);
    EXPECT_FALSE(make[0]->has("ret"));
    EXPECT_NE(run.finished.err.find("note: returns"), std::string::npos) << run.finished.err;
    auto len = run.of("probe_target_cpp:ns::name_length");
    ASSERT_EQ(len.size(), 1u);
    EXPECT_EQ(len[0]->unum("ret"), std::string("name-8-long-enough-to-live-on-the-heap").size());

    std::string bare = testprog("probe_target_cpp_nodwarf");
    ProbeRun nodwarf = run_probes(
        {"--probe", bare + ":'ns::Counter::add(int)'(ptr this, int v) ret:long"}, {bare});
    auto a = nodwarf.of("probe_target_cpp_nodwarf:ns::Counter::add");
    ASSERT_EQ(a.size(), 1u) << nodwarf.finished.err;
    EXPECT_EQ(a[0]->num("v"), 5);
}

// A child that waits for a line on stdin before calling the library.
struct GatedChild {
    pid_t pid = -1;
    int gate = -1;
    explicit GatedChild(const std::vector<std::string>& argv) {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        if (pid == 0) {
            dup2(fds[0], STDIN_FILENO);
            std::vector<char*> args;
            for (const std::string& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
        close(fds[0]);
        gate = fds[1];
    }
    // Waits until the library is mapped (the dynamic loader is done).
    bool wait_mapped(const std::string& lib) const {
        for (int i = 0; i < 200; ++i) {
            std::ifstream maps(fmt::format("/proc/{}/maps", pid));
            std::string text((std::istreambuf_iterator<char>(maps)),
                             std::istreambuf_iterator<char>());
            if (text.find(lib) != std::string::npos) return true;
            usleep(10000);
        }
        return false;
    }
    int release_and_wait() {
        EXPECT_EQ(write(gate, "\n", 1), 1);
        close(gate);
        return wait_exit(pid);
    }
};

TEST(ProbeE2E, LibraryProbeFiresForTheGivenPidOnly) {
    PROBELOG_REQUIRE_ROOT();
    std::string user = testprog("probe_lib_user");
    GatedChild mine({user, "11"});
    GatedChild other({user, "13"});
    ASSERT_TRUE(mine.wait_mapped("libprobelib.so"));
    ASSERT_TRUE(other.wait_mapped("libprobelib.so"));
    // The short name is found in the process's maps.
    Process p({probelog_bin(), "-o", "json", "--poll-ms", "20", "--pid", std::to_string(mine.pid),
               "--probe", "libprobelib:pl_lib_mul(int a, int b) ret:int", "-v"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    EXPECT_EQ(mine.release_and_wait(), 0);
    EXPECT_EQ(other.release_and_wait(), 0);
    usleep(100000);
    p.signal(SIGINT);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    ASSERT_EQ(records.size(), 1u) << f.out << f.err;
    EXPECT_EQ(records[0].unum("pid"), static_cast<uint64_t>(mine.pid));
    EXPECT_EQ(records[0].str("probe"), "libprobelib:pl_lib_mul");
    EXPECT_EQ(records[0].num("a"), 11);
    EXPECT_EQ(records[0].num("b"), PT_LIB_B);
    EXPECT_EQ(records[0].num("ret"), 11 * PT_LIB_B);
    EXPECT_NE(f.err.find(testprog("libprobelib.so")), std::string::npos) << f.err;

    // Without --pid, every process that calls it (the path names the library).
    GatedChild a({user, "3"});
    GatedChild b({user, "5"});
    ASSERT_TRUE(a.wait_mapped("libprobelib.so"));
    ASSERT_TRUE(b.wait_mapped("libprobelib.so"));
    Process all({probelog_bin(), "-o", "json", "--poll-ms", "20", "--probe",
                 testprog("libprobelib.so") + ":pl_lib_mul(int a, int b) ret:int"});
    ASSERT_TRUE(all.wait_for_stderr("Ctrl-C to stop")) << all.err();
    EXPECT_EQ(a.release_and_wait(), 0);
    EXPECT_EQ(b.release_and_wait(), 0);
    usleep(100000);
    all.signal(SIGINT);
    Finished g = all.wait();
    auto both = parse_json_lines(g.out);
    std::map<uint64_t, int64_t> by_pid;
    for (const JsonRecord& r : both)
        by_pid[r.unum("pid")] = r.num("a");
    EXPECT_EQ(by_pid, (std::map<uint64_t, int64_t>{{a.pid, 3}, {b.pid, 5}})) << g.out;
}

TEST(ProbeE2E, BadSpecsOneErrorLineAndNothingAttached) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    std::string cpp = testprog("probe_target_cpp");
    std::string good = bin + ":pt_add_ints(int a, int b)";
    struct Case {
        std::string spec;
        int exit_code;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"/nonexistent/app:main", 1, "cannot open /nonexistent/app: No such file or directory"},
        {std::string(PROBELOG_SOURCE_DIR) + "/README.md:main", 1,
         std::string(PROBELOG_SOURCE_DIR) + "/README.md is not an ELF file"},
        {bin + ":pt_add_intz", 1,
         "function 'pt_add_intz' not found in " + bin + " (did you mean pt_add_ints?)"},
        {cpp + ":ns::Counter::add", 1,
         "'ns::Counter::add' is ambiguous in " + cpp + ": 2 functions match"},
        {bin + ":pt_sleep_ms+0x1000", 1, "offset 0x1000 is outside pt_sleep_ms"},
        {bin + ":pt_add_ints(int a, flaot b)", 2, "column "},
        {bin + ":pt_add_ints(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long "
               "a7, long a8, long a9, long a10, long a11, long a12)",
         2, "too many parameters: a probe captures at most 12"},
        {bin + ":pt_add_ints(int a,, int b)", 2, "expected a type"},
    };
    for (const Case& c : cases) {
        // A good probe first: it must not be attached either.
        Finished f =
            run({probelog_bin(), "-o", "json", "--probe", good, "--probe", c.spec, "--", bin});
        EXPECT_EQ(f.exit_code, c.exit_code) << c.spec << "\n" << f.err;
        std::string prefix = "probelog: --probe '" + c.spec + "': ";
        EXPECT_TRUE(f.err.starts_with(prefix)) << f.err;
        EXPECT_NE(f.err.find(c.message), std::string::npos) << c.message << "\n" << f.err;
        EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
        EXPECT_EQ(f.out, "") << c.spec;
    }
    // Two specific messages in full.
    Finished typo = run({probelog_bin(), "--probe", bin + ":pt_add_ints(int a, flaot b)"});
    EXPECT_EQ(typo.err,
              "probelog: --probe '" + bin + ":pt_add_ints(int a, flaot b)': column " +
                  std::to_string(bin.size() + 21) +
                  ": unknown type 'flaot' (types: s8..s64, u8..u64, int, long, ptr, bool, "
                  "char, str, buf; in Go programs also Go's: int8..int64, uint8..uint64, "
                  "uintptr, string, []byte, *T, error)\n");
}

TEST(ProbeE2E, ProbeListShowsSignatures) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--probe-list", testprog("probe_target"), "pt_a*"});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.out.find("pt_add_ints(s32 a, s32 b) ret:s32\n"), std::string::npos) << f.out;
    EXPECT_EQ(f.out.find("pt_signed"), std::string::npos) << f.out;
    Finished bad = run({probelog_bin(), "--probe-list", "/nonexistent"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.err,
              "probelog: --probe-list /nonexistent: cannot open /nonexistent: No such file or "
              "directory\n");
}

}  // namespace
}  // namespace probelog::test
