// USDT probes end to end (issue 17): probelog --probe 'usdt:...' as a user
// runs it, against usdt_target (tests/testprogs/probes: every argument form,
// a probe with two sites, a semaphore, a probe in a shared library) and
// Debian's python3.11 (its `line` and `audit` probes, both guarded by
// semaphores).
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/usdt_notes.hpp"
#include "testprogs/probes/usdt_values.h"

namespace probelog::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

struct UsdtRun {
    Finished finished;
    std::vector<JsonRecord> records;
    std::vector<const JsonRecord*> of(std::string_view probe) const {
        return select(records, [&](const JsonRecord& r) { return r.str("probe") == probe; });
    }
};

// probelog -o json ARGS -- /bin/sh -c SCRIPT
UsdtRun run_usdt(std::vector<std::string> args, const std::string& script) {
    args.insert(args.begin(), {probelog_bin(), "-o", "json", "--poll-ms", "20"});
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    UsdtRun out;
    out.finished = run(args);
    EXPECT_EQ(out.finished.exit_code, 0) << out.finished.err;
    out.records = parse_json_lines(out.finished.out);
    return out;
}

std::string hex_of(std::string_view bytes) {
    std::string out;
    for (char c : bytes)
        out += fmt::format("{:02x}", static_cast<unsigned char>(c));
    return out;
}

TEST(UsdtE2E, EveryArgumentFormSizeAndSign) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("usdt_target");
    UsdtRun run = run_usdt({"--probe", "usdt:" + bin + ":usdt_test:forms", "--probe",
                            "usdt:" + bin + ":usdt_test:strs(str text, buf bytes[len], u64 len)"},
                           "printf '3\\n4\\n' | " + bin);
    auto forms = run.of("usdt_target:usdt_test:forms");
    ASSERT_EQ(forms.size(), 2u) << run.finished.out << run.finished.err;
    for (size_t k = 0; k < forms.size(); ++k) {
        const JsonRecord& f = *forms[k];
        int64_t r = static_cast<int64_t>(3 + k);
        EXPECT_EQ(f.str("usdt_provider"), "usdt_test");
        EXPECT_EQ(f.str("usdt_name"), "forms");
        EXPECT_EQ(f.str("stage"), "entry");
        EXPECT_EQ(f.str("comm"), "usdt_target");
        EXPECT_EQ(f.num("arg0"), UT_CONST) << f.line();       // -4@$-5
        EXPECT_EQ(f.num("arg1"), UT_LONG(r)) << f.line();     // -8@%rdi
        EXPECT_EQ(f.num("arg2"), UT_INT(r)) << f.line();      // -4@%r8d
        EXPECT_EQ(f.num("arg3"), UT_SHORT(r)) << f.line();    // -2@%r9w
        EXPECT_EQ(f.num("arg4"), UT_CHAR(r)) << f.line();     // -1@%r10b
        EXPECT_EQ(f.num("arg5"), UT_MEM(r)) << f.line();      // -4@-4(%rsp)
        EXPECT_EQ(f.num("arg6"), UT_INDEXED(r)) << f.line();  // -8@(%r11,%rsi,8)
        EXPECT_EQ(f.unum("arg7"), UT_UCHAR(r)) << f.line();   // 1@%cl
        EXPECT_FALSE(f.has("ret"));
        EXPECT_FALSE(f.has("latency_ns"));
    }
    auto strs = run.of("usdt_target:usdt_test:strs");
    ASSERT_EQ(strs.size(), 2u);
    for (size_t k = 0; k < strs.size(); ++k) {
        long r = static_cast<long>(3 + k);
        EXPECT_EQ(strs[k]->str("text"), fmt::format(UT_STR_PREFIX "{}", r));
        std::string bytes;
        for (int i = 0; i < UT_BUF_LEN; ++i)
            bytes += static_cast<char>('a' + (r + i) % 20);
        EXPECT_EQ(strs[k]->str("bytes"), hex_of(bytes)) << strs[k]->line();
        EXPECT_EQ(strs[k]->unum("len"), static_cast<uint64_t>(UT_BUF_LEN));
    }
}

TEST(UsdtE2E, EverySiteAWildcardAndASharedLibrary) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("usdt_target");
    std::string lib = testprog("libusdtlib.so");
    UsdtRun run = run_usdt(
        {"--probe", "usdt:" + bin + ":usdt_test:*", "--probe",
         "usdt:" + lib + ":usdt_lib:lib_fire(long value) if value > " + std::to_string(UT_LIB(5))},
        "printf '5\\n6\\n' | " + bin);
    // Both sites of multi, each read with its own recipe (a register, memory).
    std::multiset<int64_t> multi;
    for (const JsonRecord* r : run.of("usdt_target:usdt_test:multi"))
        multi.insert(r->num("arg0"));
    EXPECT_EQ(multi,
              (std::multiset<int64_t>{UT_MULTI_A(5), UT_MULTI_B(5), UT_MULTI_A(6), UT_MULTI_B(6)}))
        << run.finished.err;
    // The wildcard took every probe of the provider, named in each record.
    std::set<std::string> names;
    for (const JsonRecord& r : run.records) {
        if (r.str("usdt_provider") == "usdt_test") names.insert(r.str("usdt_name"));
    }
    EXPECT_EQ(names, (std::set<std::string>{"forms", "strs", "multi", "guarded"}));
    // The guarded probe fires: its semaphore reads enabled while probelog runs.
    auto guarded = run.of("usdt_target:usdt_test:guarded");
    ASSERT_EQ(guarded.size(), 2u);
    EXPECT_EQ(guarded[0]->num("arg0"), UT_GUARDED(5));
    // The library's probe, with a condition on its named argument.
    auto in_lib = run.of("libusdtlib.so:usdt_lib:lib_fire");
    ASSERT_EQ(in_lib.size(), 1u) << run.finished.err;
    EXPECT_EQ(in_lib[0]->num("value"), UT_LIB(6));
    EXPECT_EQ(in_lib[0]->str("usdt_provider"), "usdt_lib");
}

// A process whose stdin is a FIFO the test writes rounds into.
class Rounds {
  public:
    explicit Rounds(const std::string& bin) : fifo_("/tmp/" + unique_token("usdt-fifo")) {
        EXPECT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
        proc_ = std::make_unique<Process>(std::vector<std::string>{bin}, fifo_);
        fd_ = open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);  // waits for the child to open it
        EXPECT_GE(fd_, 0);
    }
    ~Rounds() {
        if (fd_ >= 0) close(fd_);
        proc_->wait();
        unlink(fifo_.c_str());
    }
    // Runs round r; the semaphore's value as the program read it after.
    bool round(int r, int sema) {
        std::string line = fmt::format("{}\n", r);
        EXPECT_EQ(write(fd_, line.data(), line.size()), static_cast<ssize_t>(line.size()));
        return proc_->wait_for_stderr(fmt::format("round={} sema={}\n", r, sema));
    }
    pid_t pid() const { return proc_->pid(); }
    const std::string& err() const { return proc_->err(); }

  private:
    std::string fifo_;
    std::unique_ptr<Process> proc_;
    int fd_ = -1;
};

TEST(UsdtE2E, SemaphoreEnabledOnlyWhileProbelogRuns) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("usdt_target");
    Rounds before(bin);  // started before probelog
    EXPECT_TRUE(before.round(1, 0)) << before.err();
    auto probelog = start_probelog(
        {"-o", "json", "--poll-ms", "20", "--probe", "usdt:" + bin + ":usdt_test:guarded(long v)"});
    EXPECT_TRUE(before.round(2, 1)) << before.err();
    std::vector<JsonRecord> records;
    {
        Rounds after(bin);  // started while probelog runs
        EXPECT_TRUE(after.round(7, 1)) << after.err();
        records = stop_and_parse(*probelog);
        EXPECT_TRUE(after.round(8, 0)) << after.err();
        auto of_after = of(records, "probe", after.pid());
        ASSERT_EQ(of_after.size(), 1u);
        EXPECT_EQ(of_after[0]->num("v"), UT_GUARDED(7));
    }
    // Once probelog has exited the guard reads disabled again.
    EXPECT_TRUE(before.round(3, 0)) << before.err();
    auto of_before = of(records, "probe", before.pid());
    ASSERT_EQ(of_before.size(), 1u);
    EXPECT_EQ(of_before[0]->num("v"), UT_GUARDED(2));
}

// The semaphore of python's probe `name`, read from the process's memory
// (python3.11 is a fixed-address executable: the link-time address is the
// address in memory).
int python_semaphore(pid_t pid, const std::string& name) {
    auto file = symbols::ElfFile::open(kPython);
    if (!file) return -1;
    auto notes = symbols::read_usdt_notes(*file);
    if (!notes || file->position_independent()) return -1;
    for (const symbols::UsdtNote& n : *notes) {
        if (n.provider != "python" || n.name != name) continue;
        int fd = open(fmt::format("/proc/{}/mem", pid).c_str(), O_RDONLY | O_CLOEXEC);
        uint16_t v = 0;
        ssize_t got = pread(fd, &v, sizeof(v), static_cast<off_t>(n.semaphore));
        close(fd);
        return got == sizeof(v) ? v : -1;
    }
    return -1;
}

TEST(UsdtE2E, PythonLineAndAuditProbes) {
    PROBELOG_REQUIRE_ROOT();
    std::string token = unique_token("usdt");
    for (char& c : token) {
        if (c == '-') c = '_';
    }
    std::string script = "/tmp/" + token + ".py";
    std::string fn = "greet_" + token;
    {
        std::ofstream out(script);
        out << "import sys\n"                                   // 1
            << "def " << fn << "(n):\n"                         // 2
            << "    x = n + 1\n"                                // 3
            << "    return x\n"                                 // 4
            << "for i in range(3):\n"                           // 5
            << "    " << fn << "(i)\n"                          // 6
            << "sys.audit('" << token << ".event', 1)\n"        // 7
            << "print('ready', file=sys.stderr, flush=True)\n"  // 8
            << "sys.stdin.readline()\n"  // 9: the test reads the semaphores, stops probelog
            << "sys.audit('" << token << ".after', 1)\n";  // 10: not seen
    }
    std::string fifo = "/tmp/" + token + ".fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    auto probelog = start_probelog(
        {"-o", "json", "--poll-ms", "20", "--probe",
         std::string("usdt:") + kPython + ":python:line(str file, str function, int line)",
         "--probe", std::string("usdt:") + kPython + ":audit(str event)"});
    // -S: no site module, so no .pth file of whatever packages are installed
    // runs thousands of lines before the script (a burst the test does not need).
    auto python = std::make_unique<Process>(std::vector<std::string>{kPython, "-S", script}, fifo);
    int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(python->wait_for_stderr("ready")) << python->err();
    // Python's guards read enabled while probelog runs...
    EXPECT_EQ(python_semaphore(python->pid(), "line"), 1);
    EXPECT_EQ(python_semaphore(python->pid(), "audit"), 1);
    auto records = stop_and_parse(*probelog);
    // ... and disabled once it has exited.
    EXPECT_EQ(python_semaphore(python->pid(), "line"), 0);
    EXPECT_EQ(python_semaphore(python->pid(), "audit"), 0);
    EXPECT_EQ(write(fd, "\n", 1), 1);
    close(fd);
    EXPECT_EQ(python->wait().exit_code, 0);
    unlink(fifo.c_str());
    unlink(script.c_str());

    auto mine = of(records, "probe", python->pid());
    std::multiset<std::pair<std::string, int64_t>> lines;  // (function, line) in the script
    std::vector<std::string> events;
    for (const JsonRecord* r : mine) {
        if (r->str("usdt_name") == "line" && r->str("file") == script) {
            lines.emplace(r->str("function"), r->num("line"));
        }
        if (r->str("usdt_name") == "audit" && r->str("event").starts_with(token))
            events.push_back(r->str("event"));
    }
    EXPECT_EQ(lines.count({fn, 3}), 3u) << probelog->err();
    EXPECT_EQ(lines.count({fn, 4}), 3u);
    EXPECT_EQ(lines.count({"<module>", 6}), 3u);
    EXPECT_EQ(lines.count({"<module>", 7}), 1u);
    // Only the event raised while probelog ran: not the one after.
    EXPECT_EQ(events, std::vector<std::string>{token + ".event"});
}

TEST(UsdtE2E, ErrorsAreOneClearLine) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("usdt_target");
    Finished f = run({probelog_bin(), "--probe", "usdt:" + bin + ":usdt_test:multy"});
    EXPECT_NE(f.exit_code, 0);
    EXPECT_NE(f.err.find("has no USDT probe 'usdt_test:multy' (did you mean usdt_test:multi"),
              std::string::npos)
        << f.err;
    f = run({probelog_bin(), "--probe", "usdt:" + testprog("probe_target") + ":p:n"});
    EXPECT_NE(f.exit_code, 0);
    EXPECT_NE(f.err.find("has no USDT probes"), std::string::npos) << f.err;
}

TEST(UsdtE2E, ProbeListShowsUsdtProbes) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--probe-list", kPython, "python:"});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.out.find(std::string("usdt:") + kPython +
                         ":python:line(u64 arg0, u64 arg1, s32 arg2)  # 1 site, semaphore at 0x"),
              std::string::npos)
        << f.out;
}

}  // namespace
}  // namespace probelog::test
