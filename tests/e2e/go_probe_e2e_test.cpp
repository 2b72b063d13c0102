// Go programs end to end (issue 6): probelog --probe on the Go test programs
// of tests/testprogs/go, built by the build with the system's Go toolchain.
// Arguments by Go's register ABI, returns and latency read at the RET
// instructions (never a uretprobe: checked in the kernel's own list of BPF
// links), entry and return paired by goroutine across stack copies and
// thread migrations, stripped builds found through .gopclntab.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "e2e/go_run.hpp"
#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"

namespace probelog::test {
namespace {

std::string hex_of(std::string_view bytes) {
    std::string out;
    for (unsigned char b : bytes)
        out += fmt::format("{:02x}", b);
    return out;
}

// The values go_recurse's depth(n) returns: len("go-recurse") + sum of k%48, k in 1..n.
std::vector<int64_t> depth_values(int n) {
    std::vector<int64_t> f{10};
    for (int k = 1; k <= n; ++k)
        f.push_back(f.back() + k % 48);
    return f;
}

TEST(GoProbeE2E, HttpHandlerArgumentsReturnsAndLatency) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_http");
    Process server({bin});
    ASSERT_TRUE(server.wait_for_stderr("listening on 127.0.0.1:")) << server.err();
    std::string err = server.err();
    int port = std::atoi(err.substr(err.find("127.0.0.1:") + 10).c_str());
    ASSERT_GT(port, 0) << err;

    // Names and types from the program's DWARF.
    Process tracer({probelog_bin(), "-o", "json", "--poll-ms", "20", "--pid",
                    std::to_string(server.pid()), "--probe", bin + ":main.work"});
    ASSERT_TRUE(tracer.wait_for_stderr("Ctrl-C to stop")) << tracer.err();

    struct Sent {
        int n;
        std::string name;
        std::string body;
        int64_t ret;
    };
    std::vector<Sent> sent;
    httplib::Client client("127.0.0.1", port);
    std::string token = unique_token("go");
    for (int i = 0; i < 12; ++i) {
        Sent s;
        s.n = 100 + i;
        s.name = token + "-" + std::string(static_cast<size_t>(i), 'x');
        for (int k = 0; k < i * 5; ++k)
            s.body += static_cast<char>((k * 37 + i) & 0xff);
        int sum = 0;
        for (unsigned char c : s.body)
            sum += c;
        s.ret = int64_t{s.n} * 1000000 + static_cast<int64_t>(s.name.size()) * 1000 + sum % 1000;
        auto res = client.Post(fmt::format("/work?n={}&name={}", s.n, s.name), s.body,
                               "application/octet-stream");
        ASSERT_TRUE(res) << httplib::to_string(res.error());
        EXPECT_EQ(res->body, fmt::format("{}\n", s.ret));
        sent.push_back(std::move(s));
    }
    // A name longer than the default cap (128): cut, flagged, its length kept.
    std::string long_name = token + std::string(300, 'L');
    ASSERT_TRUE(client.Post(fmt::format("/work?n=7&name={}", long_name), "", "text/plain"));
    ASSERT_TRUE(client.Get("/quit"));
    EXPECT_EQ(server.wait().exit_code, 0);
    usleep(100000);
    std::vector<JsonRecord> all = stop_and_parse(tracer);
    auto records = where(of(all, "probe", server.pid()),
                         [](const JsonRecord& r) { return r.str("probe") == "go_http:main.work"; });
    ASSERT_EQ(records.size(), sent.size() + 1) << tracer.err();
    for (size_t i = 0; i < sent.size(); ++i) {
        const JsonRecord& r = *records[i];
        const Sent& s = sent[i];
        EXPECT_EQ(r.str("stage"), "call");
        EXPECT_EQ(r.num("n"), s.n);
        EXPECT_EQ(r.str("name"), s.name);
        EXPECT_EQ(r.unum("name_len"), s.name.size());
        EXPECT_FALSE(r.boolean("name_truncated"));
        EXPECT_EQ(r.str("body"), hex_of(s.body)) << i;
        EXPECT_EQ(r.unum("body_len"), s.body.size());
        EXPECT_FALSE(r.boolean("body_truncated"));
        EXPECT_FALSE(r.has("body_error")) << r.line();  // an empty body: a nil slice, length 0
        EXPECT_EQ(r.num("ret"), s.ret);
        // work sleeps n%3 ms: the latency covers it (and is not garbage).
        EXPECT_GE(r.unum("latency_ns"), uint64_t(s.n % 3) * 1000000) << r.line();
        EXPECT_LT(r.unum("latency_ns"), uint64_t{10} * 1000000000);
    }
    const JsonRecord& cut = *records.back();
    EXPECT_EQ(cut.str("name"), long_name.substr(0, 128));
    EXPECT_TRUE(cut.boolean("name_truncated"));
    EXPECT_EQ(cut.unum("name_len"), long_name.size());
    EXPECT_EQ(cut.num("ret"), 7000000 + static_cast<int64_t>(long_name.size()) * 1000);
}

TEST(GoProbeE2E, DeepRecursionMovesTheStackAndEveryCallPairsWithItsReturn) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_recurse");
    const int depth = 4000;
    const int rounds = 3;
    Finished untraced = run({bin, std::to_string(depth), std::to_string(rounds)});
    ASSERT_EQ(untraced.exit_code, 0);
    ASSERT_NE(untraced.out.find("stack moved: true"), std::string::npos) << untraced.out;

    GoRun traced = run_go({"--probe", bin + ":main.depth"},
                          {bin, std::to_string(depth), std::to_string(rounds)});
    EXPECT_EQ(traced.finished.out, untraced.out);  // the program is none the wiser
    auto records = traced.of("go_recurse:main.depth");
    ASSERT_EQ(records.size(), static_cast<size_t>(rounds * (depth + 1))) << traced.finished.err;
    std::vector<int64_t> f = depth_values(depth);
    // A record is written at the return: innermost first, n = 0, 1, ... depth,
    // each with its own return value, each enclosing the previous one.
    for (int round = 0; round < rounds; ++round) {
        for (int n = 0; n <= depth; ++n) {
            const JsonRecord& r = *records[static_cast<size_t>(round * (depth + 1) + n)];
            ASSERT_EQ(r.num("n"), n) << r.line();
            ASSERT_EQ(r.num("ret"), f[static_cast<size_t>(n)]) << r.line();
            ASSERT_EQ(r.str("tag"), "go-recurse");
            if (n > 0) {
                const JsonRecord& inner =
                    *records[static_cast<size_t>(round * (depth + 1) + n - 1)];
                ASSERT_GT(r.unum("latency_ns"), inner.unum("latency_ns")) << r.line();
            }
        }
    }
    EXPECT_EQ(traced.finished.err.find("map full"), std::string::npos) << traced.finished.err;
}

TEST(GoProbeE2E, SplitModeOneEntryPerCallAcrossStackGrowth) {
    PROBELOG_REQUIRE_ROOT();
    // When the stack must grow, a Go function's entry runs twice (morestack
    // copies the stack and restarts it): the entry probe sits past the
    // stack check, so each call has exactly one entry record.
    std::string bin = testprog("go_recurse");
    const int depth = 12000;
    GoRun traced = run_go({"--probe-mode", "split", "--probe", bin + ":main.depth(int n) ret:int"},
                          {bin, std::to_string(depth), "1"});
    auto records = traced.of("go_recurse:main.depth");
    ASSERT_EQ(records.size(), static_cast<size_t>(2 * (depth + 1))) << traced.finished.err;
    std::vector<int64_t> f = depth_values(depth);
    for (int k = 0; k <= depth; ++k) {
        const JsonRecord& entry = *records[static_cast<size_t>(k)];
        ASSERT_EQ(entry.str("stage"), "entry");
        ASSERT_EQ(entry.num("n"), depth - k);
        const JsonRecord& ret = *records[static_cast<size_t>(depth + 1 + k)];
        ASSERT_EQ(ret.str("stage"), "return");
        ASSERT_EQ(ret.num("ret"), f[static_cast<size_t>(k)]) << ret.line();
        if (k > 0) {
            ASSERT_GT(ret.unum("latency_ns"),
                      records[static_cast<size_t>(depth + k)]->unum("latency_ns"));
        }
    }
    EXPECT_NE(traced.finished.out.find("stack moved: true"), std::string::npos);
}

TEST(GoProbeE2E, ConcurrentGoroutinesEachCallPairsWithItsOwnReturn) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_concurrent");
    const int workers = 32;
    const int calls = 100;
    Finished untraced = run({bin, std::to_string(workers), std::to_string(calls)});
    GoRun traced = run_go({"--probe", bin + ":main.mix"},
                          {bin, std::to_string(workers), std::to_string(calls)});
    // "calls=N sum=S migrated=M": the same calls and sum as untraced.
    auto head = [](const std::string& out) { return out.substr(0, out.find(" migrated=")); };
    EXPECT_EQ(head(traced.finished.out), head(untraced.out));
    auto records = traced.of("go_concurrent:main.mix");
    ASSERT_EQ(records.size(), static_cast<size_t>(workers * calls)) << traced.finished.err;
    std::set<std::pair<int64_t, int64_t>> seen;
    std::set<uint64_t> threads;
    for (const JsonRecord* r : records) {
        int64_t w = r->num("worker");
        int64_t i = r->num("i");
        std::string tag = r->str("tag");
        EXPECT_EQ(tag, fmt::format("worker-{}", w));
        EXPECT_EQ(r->num("ret"), w * 1000003 + i * 7 + static_cast<int64_t>(tag.size()))
            << r->line();
        EXPECT_TRUE(seen.emplace(w, i).second) << "twice: " << r->line();
        threads.insert(r->unum("tid"));
    }
    // How many calls returned on another thread than they started on (the
    // program counts them): pairing by thread would have lost those.
    std::cout << "[ info ] " << traced.finished.out << "[ info ] entry threads: " << threads.size()
              << "\n";
}

TEST(GoProbeE2E, StrippedBuildFoundThroughPclntab) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_concurrent_stripped");
    GoRun run = run_go({"--probe", bin + ":main.mix(int worker, int i, string tag) ret:int"},
                       {bin, "8", "20"});
    auto records = run.of("go_concurrent_stripped:main.mix");
    ASSERT_EQ(records.size(), 160u) << run.finished.err;
    for (const JsonRecord* r : records) {
        int64_t w = r->num("worker");
        EXPECT_EQ(r->str("tag"), fmt::format("worker-{}", w));
        EXPECT_EQ(r->num("ret"), w * 1000003 + r->num("i") * 7 + 8);
    }
    // No list and no DWARF: Go's nine integer argument registers.
    GoRun raw = run_go({"--probe", bin + ":main.mix"}, {bin, "2", "3"});
    auto r = raw.of("go_concurrent_stripped:main.mix");
    ASSERT_EQ(r.size(), 6u) << raw.finished.err;
    EXPECT_LT(r[0]->unum("arg0"), 2u);  // worker
    EXPECT_LT(r[0]->unum("arg1"), 3u);  // i
    EXPECT_EQ(r[0]->unum("arg3"), 8u);  // len(tag)
    EXPECT_TRUE(r[0]->has("arg8"));
    EXPECT_FALSE(r[0]->has("ret"));
    EXPECT_TRUE(r[0]->has("latency_ns"));
}

TEST(GoProbeE2E, TypesFromDwarf) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_types");
    std::vector<std::string> args;
    for (const char* fn :
         {"main.scalars", "main.rectArea", "main.bigSum", "main.mixed", "main.pick",
          "main.describe", "main.(*Point).Move", "main.fill", "main.computeE"}) {
        args.push_back("--probe");
        args.push_back(bin + ":" + fn);
    }
    GoRun run = run_go(args, {bin});
    const std::string& err = run.finished.err;

    auto s = run.of("go_types:main.scalars");
    ASSERT_EQ(s.size(), 1u) << err;
    EXPECT_EQ(s[0]->num("a"), -8);
    EXPECT_EQ(s[0]->num("b"), -1600);
    EXPECT_EQ(s[0]->num("c"), -320000);
    EXPECT_EQ(s[0]->num("d"), -6400000000);
    EXPECT_EQ(s[0]->unum("e"), 200u);
    EXPECT_EQ(s[0]->unum("f"), 60000u);
    EXPECT_EQ(s[0]->unum("g"), 4000000000u);
    EXPECT_EQ(s[0]->unum("h"), 18000000000000000000u);
    EXPECT_TRUE(s[0]->boolean("ok"));
    EXPECT_EQ(s[0]->unum("p"), 0x1234u);  // the tenth word: on the stack
    EXPECT_EQ(s[0]->num("ret"), -446744076109808363);

    auto rect = run.of("go_types:main.rectArea");
    ASSERT_EQ(rect.size(), 2u);
    EXPECT_EQ(rect[0]->num("r.Min.X"), 1);
    EXPECT_EQ(rect[0]->num("r.Min.Y"), 2);
    EXPECT_EQ(rect[0]->num("r.Max.X"), 11);
    EXPECT_EQ(rect[0]->num("r.Max.Y"), 7);
    EXPECT_EQ(rect[0]->str("r.Name"), "box");
    EXPECT_EQ(rect[0]->num("scale"), 3);
    EXPECT_EQ(rect[0]->num("ret"), 150);
    EXPECT_EQ(rect[0]->str("ret1.type"), "0x0");  // a nil error
    EXPECT_EQ(rect[1]->str("r.Name"), "bad");
    EXPECT_EQ(rect[1]->num("ret"), 0);
    EXPECT_NE(rect[1]->str("ret1.type"), "0x0");  // an error

    auto big = run.of("go_types:main.bigSum");
    ASSERT_EQ(big.size(), 1u);
    EXPECT_EQ(big[0]->num("b.A[0]"), 100);  // a struct with an array: on the stack
    EXPECT_EQ(big[0]->num("b.A[1]"), 200);
    EXPECT_EQ(big[0]->num("b.A[2]"), 300);
    EXPECT_EQ(big[0]->str("b.Tag"), "four");
    EXPECT_EQ(big[0]->num("extra"), 5);  // after it, in RAX
    EXPECT_EQ(big[0]->num("ret"), 609);

    auto mixed = run.of("go_types:main.mixed");
    ASSERT_EQ(mixed.size(), 1u);
    EXPECT_EQ(mixed[0]->unum("m.ID"), 40u);
    EXPECT_TRUE(mixed[0]->boolean("m.Ok"));
    EXPECT_FALSE(mixed[0]->has("m.Ratio"));
    EXPECT_FALSE(mixed[0]->has("x"));
    EXPECT_EQ(mixed[0]->num("n"), 2);  // the floats took X registers, not RCX
    EXPECT_EQ(mixed[0]->unum("ret"), 42u);
    EXPECT_TRUE(mixed[0]->boolean("ret1"));
    EXPECT_NE(err.find("note: parameter m.Ratio (float64) is in an X (SSE) register"),
              std::string::npos)
        << err;

    auto pick = run.of("go_types:main.pick");
    ASSERT_EQ(pick.size(), 1u);
    EXPECT_EQ(pick[0]->unum("list_len"), 3u);
    EXPECT_EQ(pick[0]->num("i"), 2);
    EXPECT_EQ(pick[0]->str("ret"), "two");

    auto describe = run.of("go_types:main.describe");
    ASSERT_EQ(describe.size(), 1u);
    EXPECT_NE(describe[0]->str("v.type"), "0x0");
    EXPECT_NE(describe[0]->str("err.data"), "0x0");
    EXPECT_EQ(describe[0]->str("ret"), "42: boom");

    auto move = run.of("go_types:main.(*Point).Move");
    ASSERT_EQ(move.size(), 1u);
    EXPECT_EQ(move[0]->num("dx"), 10);
    EXPECT_EQ(move[0]->num("ret"), 13);

    auto fill = run.of("go_types:main.fill");
    ASSERT_EQ(fill.size(), 1u);
    EXPECT_EQ(fill[0]->str("buf"), "000000000000");  // at the entry: not filled yet
    EXPECT_EQ(fill[0]->unum("buf_len"), 6u);
    EXPECT_EQ(fill[0]->unum("b"), static_cast<uint64_t>('z'));
    EXPECT_EQ(fill[0]->num("ret"), 6);

    auto e = run.of("go_types:main.computeE");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]->num("iterations"), 20);
    EXPECT_FALSE(e[0]->has("ret"));
    EXPECT_TRUE(e[0]->has("latency_ns"));
    EXPECT_NE(err.find("note: result ret (float64) is in an X (SSE) register"), std::string::npos);
}

TEST(GoProbeE2E, FloatReturnIsOneClearErrorLine) {
    PROBELOG_REQUIRE_ROOT();
    std::string spec = testprog("go_types") + ":main.computeE(int64 iterations) ret:float64";
    Finished f = run({probelog_bin(), "--probe", spec, "--", testprog("go_types")});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_EQ(f.err, fmt::format("probelog: --probe '{}': column {}: float64 values travel in SSE "
                                 "registers (Go: X0-X14, C: xmm0-xmm7), which a uprobe cannot "
                                 "read; drop ret:float64 (the latency is still recorded)\n",
                                 spec, spec.size() - 6));
    EXPECT_EQ(f.out, "");
}

// The kernel's BPF links that are uprobes or uretprobes on `path`: (kind, file offset).
struct UprobeLink {
    bool retprobe = false;
    uint64_t offset = 0;
};

std::vector<UprobeLink> kernel_uprobe_links(const std::string& path) {
    // struct bpf_link_info of kernels 6.6+ (BPF_LINK_TYPE_PERF_EVENT), which
    // the build machine's uapi headers may predate.
    struct PerfLinkInfo {
        uint32_t type;
        uint32_t id;
        uint32_t prog_id;
        uint32_t pad;
        uint32_t perf_type;  // enum bpf_perf_event_type: 1 uprobe, 2 uretprobe
        uint32_t pad2;
        uint64_t file_name;
        uint32_t name_len;
        uint32_t offset;
        uint64_t cookie;
        uint8_t rest[64];
    };
    constexpr uint32_t kLinkPerfEvent = 7;
    constexpr uint32_t kPerfUprobe = 1;
    constexpr uint32_t kPerfUretprobe = 2;
    std::vector<UprobeLink> out;
    uint32_t id = 0;
    while (true) {
        union bpf_attr attr {};
        attr.start_id = id;
        if (syscall(__NR_bpf, BPF_LINK_GET_NEXT_ID, &attr, sizeof(attr)) != 0) break;
        id = attr.next_id;
        union bpf_attr get {};
        get.link_id = id;
        int fd = static_cast<int>(syscall(__NR_bpf, BPF_LINK_GET_FD_BY_ID, &get, sizeof(get)));
        if (fd < 0) continue;
        PerfLinkInfo info{};
        char name[PATH_MAX] = {};
        info.file_name = reinterpret_cast<uint64_t>(name);
        info.name_len = sizeof(name);
        union bpf_attr q {};
        q.info.bpf_fd = static_cast<uint32_t>(fd);
        q.info.info_len = sizeof(info);
        q.info.info = reinterpret_cast<uint64_t>(&info);
        long rc = syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &q, sizeof(q));
        close(fd);
        if (rc != 0 || info.type != kLinkPerfEvent) continue;
        if (info.perf_type != kPerfUprobe && info.perf_type != kPerfUretprobe) continue;
        if (std::string(name) != path) continue;
        out.push_back(UprobeLink{info.perf_type == kPerfUretprobe, info.offset});
    }
    return out;
}

TEST(GoProbeE2E, RetOnAGoFunctionAttachesUprobesAtItsRetsNeverAUretprobe) {
    PROBELOG_REQUIRE_ROOT();
    std::string go = std::filesystem::canonical(testprog("go_recurse")).string();
    std::string c = std::filesystem::canonical(testprog("probe_target")).string();
    // The RET instructions of depth(), found independently.
    auto file = symbols::ElfFile::open(go);
    ASSERT_TRUE(file.ok());
    const symbols::ElfSymbol* fn = symbols::find_functions(*file, "main.depth").at(0);
    auto insns = *symbols::decode_instructions(*file->read_at(fn->address, fn->size), fn->address);
    std::set<uint64_t> rets;
    for (const symbols::Instruction& i : insns) {
        if (i.is_ret) rets.insert(*file->file_offset(i.address));
    }
    ASSERT_FALSE(rets.empty());

    // A Go probe with ret:, next to a C one (whose uretprobe shows that the
    // check below sees uretprobes).
    std::string go_spec = go + ":main.depth(int n, string tag) ret:int";
    Process p({probelog_bin(), "-o", "json", "--probe", go_spec, "--probe",
               c + ":pt_add_ints(int a, int b) ret:int"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    std::vector<UprobeLink> go_links = kernel_uprobe_links(go);
    std::vector<UprobeLink> c_links = kernel_uprobe_links(c);
    p.signal(SIGINT);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;

    EXPECT_EQ(std::count_if(c_links.begin(), c_links.end(), [](auto& l) { return l.retprobe; }), 1)
        << "the C probe's uretprobe is visible";
    EXPECT_EQ(std::count_if(go_links.begin(), go_links.end(), [](auto& l) { return l.retprobe; }),
              0)
        << "no uretprobe on the Go program";
    std::set<uint64_t> offsets;
    for (const UprobeLink& l : go_links)
        offsets.insert(l.offset);
    std::set<uint64_t> expected = rets;
    expected.insert(*file->file_offset(insns[3].address));  // the entry, past the stack check
    EXPECT_EQ(offsets, expected);
    EXPECT_EQ(go_links.size(), rets.size() + 1);
    EXPECT_NE(f.err.find(fmt::format("probelog: --probe '{}': note: main.depth is a Go function: "
                                     "its return is read by uprobes on its {} RET instructions, "
                                     "not by a uretprobe",
                                     go_spec, rets.size())),
              std::string::npos)
        << f.err;
    EXPECT_NE(f.err.find(fmt::format("tracing probe ({} hooks", rets.size() + 1 + 2)),
              std::string::npos)
        << f.err;
}

TEST(GoProbeE2E, ProbeListShowsGoSignatures) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--probe-list", testprog("go_http"), "main.work"});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.out.find("Go program (go1."), std::string::npos) << f.out;
    EXPECT_NE(f.out.find("main.work(int n, string name, []byte body) ret:int\n"), std::string::npos)
        << f.out;
    Finished s =
        run({probelog_bin(), "--probe-list", testprog("go_concurrent_stripped"), "main.mix"});
    EXPECT_NE(s.out.find("; stripped: "), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("  main.mix\n"), std::string::npos) << s.out;
}

}  // namespace
}  // namespace probelog::test
