// Go programs as they ship (issue 14), end to end: stripped builds
// (-ldflags=-s -w) with and without cgo, position independent or not, and
// Debian's own /usr/bin/prometheus (stripped, cgo), whose functions come from
// .gopclntab only. Listed, probed at their entry (past the stack check) and
// at every RET, with arguments and results given by Go type names.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "e2e/go_run.hpp"
#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

namespace fs = std::filesystem;

// The builds of tests/testprogs/go/shipped.
struct Build {
    const char* name;
    bool cgo;
    bool pie;
};
constexpr Build kBuilds[] = {{"go_shipped", false, false},
                             {"go_shipped_pie", false, true},
                             {"go_shipped_cgo", true, false},
                             {"go_shipped_cgo_pie", true, true}};

// What go_shipped's round i passes and returns (see its main.go).
struct Round {
    int64_t n;
    std::string name;
    std::string body;
    int64_t handle;
    std::string classify;
    int64_t put;
};

Round round_of(int i) {
    Round r;
    r.n = i + 1;
    r.name = "item-" + std::string(static_cast<size_t>(i), 'x');
    r.body = fmt::format("body{}", i);
    int sum = 0;
    for (unsigned char c : r.body)
        sum += c;
    r.handle = r.n * 100000 + static_cast<int64_t>(r.name.size()) * 1000 + sum % 1000 + r.n * 3;
    r.classify = i % 3 == 0 ? "fizz" : i % 3 == 1 ? "buzz" : i > 100 ? "big" : "other";
    r.put = i == 0 ? 0 : i;  // Put(name, i-1): a negative value is refused (0, error)
    return r;
}

std::string hex_of(std::string_view bytes) {
    std::string out;
    for (unsigned char b : bytes)
        out += fmt::format("{:02x}", b);
    return out;
}

// "# N functions; ..." of a --probe-list output.
size_t listed_count(const std::string& out) {
    std::smatch m;
    static const std::regex kCount("\n# ([0-9]+) functions?;");
    return std::regex_search(out, m, kCount) ? std::stoul(m[1]) : 0;
}

TEST(GoShippedE2E, ProbeListShowsTheGoFunctionsOfEveryBuild) {
    PROBELOG_REQUIRE_ROOT();
    for (const Build& b : kBuilds) {
        SCOPED_TRACE(b.name);
        Finished f = run({probelog_bin(), "--probe-list", testprog(b.name), "main.*"});
        ASSERT_EQ(f.exit_code, 0) << f.err;
        std::string head = f.out.substr(0, f.out.find('\n'));
        EXPECT_NE(head.find(fmt::format("{} Go program (go1.",
                                        b.pie ? "position independent" : "fixed address")),
                  std::string::npos)
            << head;
        EXPECT_NE(head.find("; stripped: "), std::string::npos) << head;
        EXPECT_NE(head.find(" functions from .gopclntab"), std::string::npos) << head;
        // gcc merged the PIE's table into .data.rel.ro; the C side has a .dynsym.
        EXPECT_EQ(head.find("(in .data.rel.ro)") != std::string::npos, b.cgo && b.pie) << head;
        EXPECT_EQ(head.find(" from the symbol tables)") != std::string::npos, b.cgo) << head;
        EXPECT_NE(head.find("no DWARF"), std::string::npos) << head;
        // main.handle, main.classify, main.(*Store).Put, main.main, main.init,
        // and with cgo the Go side of the C call, main._Cfunc_pl_mul.
        EXPECT_EQ(listed_count(f.out), b.cgo ? 6u : 5u) << f.out;
        for (const char* fn :
             {"  main.handle\n", "  main.classify\n", "  'main.(*Store).Put'\n", "  main.main\n"}) {
            EXPECT_NE(f.out.find(fn), std::string::npos) << fn << f.out;
        }
    }
}

TEST(GoShippedE2E, ArgumentsAndResultsOfEveryBuildExactly) {
    PROBELOG_REQUIRE_ROOT();
    const int rounds = 7;
    for (const Build& b : kBuilds) {
        SCOPED_TRACE(b.name);
        std::string bin = testprog(b.name);
        GoRun run =
            run_go({"--probe", bin + ":main.handle(int n, string name, []byte body) ret:int",
                    "--probe", bin + ":main.classify(int n) ret:string", "--probe",
                    bin + ":'main.(*Store).Put'(*main.Store s, string key, int value) ret:int"},
                   {bin, std::to_string(rounds)});
        const std::string& err = run.finished.err;
        // The program's own account, which the records must match.
        std::string expected_out;
        for (int i = 0; i < rounds; ++i) {
            Round r = round_of(i);
            expected_out +=
                fmt::format("round={} handle={} classify={} put={} err={}\n", i, r.handle,
                            r.classify, r.put, i == 0 ? "negative value" : "<nil>");
        }
        expected_out += fmt::format("cgo={}\n", b.cgo);
        EXPECT_EQ(run.finished.out, expected_out);

        std::string prog = b.name;
        auto handle = run.of(prog + ":main.handle");
        auto classify = run.of(prog + ":main.classify");
        auto put = run.of(prog + ":main.(*Store).Put");
        ASSERT_EQ(handle.size(), static_cast<size_t>(rounds)) << err;
        ASSERT_EQ(classify.size(), static_cast<size_t>(rounds)) << err;
        ASSERT_EQ(put.size(), static_cast<size_t>(rounds)) << err;
        for (int i = 0; i < rounds; ++i) {
            Round r = round_of(i);
            const JsonRecord& h = *handle[static_cast<size_t>(i)];
            EXPECT_EQ(h.num("n"), r.n) << h.line();
            EXPECT_EQ(h.str("name"), r.name) << h.line();
            EXPECT_EQ(h.unum("name_len"), r.name.size());
            EXPECT_EQ(h.str("body"), hex_of(r.body)) << h.line();
            EXPECT_EQ(h.unum("body_len"), r.body.size());
            EXPECT_EQ(h.num("ret"), r.handle) << h.line();
            const JsonRecord& c = *classify[static_cast<size_t>(i)];
            EXPECT_EQ(c.num("n"), i) << c.line();
            EXPECT_EQ(c.str("ret"), r.classify) << c.line();  // from whichever RET it took
            const JsonRecord& p = *put[static_cast<size_t>(i)];
            EXPECT_EQ(p.str("key"), r.name) << p.line();
            EXPECT_EQ(p.num("value"), i - 1) << p.line();
            EXPECT_EQ(p.num("ret"), r.put) << p.line();
            EXPECT_EQ(p.str("s"), put[0]->str("s"));  // one store
            EXPECT_NE(p.str("s"), "0x0");
        }
        // Every RET is probed, never a uretprobe, and the note says how many.
        std::smatch m;
        static const std::regex kRets(
            "main.classify is a Go function: its return is read by "
            "uprobes on its ([0-9]+) RET instructions");
        ASSERT_TRUE(std::regex_search(err, m, kRets)) << err;
        EXPECT_GE(std::stoi(m[1]), 2);
    }
}

constexpr const char* kPrometheus = "/usr/bin/prometheus";

// `go version BINARY`: the toolchain's own reading of the build info.
std::string go_version_of(const std::string& bin) {
    Finished f = run({"/bin/sh", "-c", "go version " + bin});
    // "/usr/bin/prometheus: go1.19.8"
    std::string v = f.out.substr(f.out.rfind(' ') + 1);
    return v.substr(0, v.find('\n'));
}

TEST(GoShippedE2E, PrometheusListsTensOfThousandsOfGoFunctions) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(fs::exists(kPrometheus)) << "scripts/install-deps.sh installs prometheus";
    Finished all = run({probelog_bin(), "--probe-list", kPrometheus});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    std::string head = all.out.substr(0, all.out.find('\n'));
    EXPECT_NE(head.find(fmt::format("fixed address Go program ({}; stripped: ",
                                    go_version_of(kPrometheus))),
              std::string::npos)
        << head;
    size_t count = listed_count(all.out);
    EXPECT_GT(count, 20000u) << head;
    EXPECT_EQ(static_cast<size_t>(std::count(all.out.begin(), all.out.end(), '\n')), count + 3);
    // Each with its address and size, ready to paste.
    static const std::regex kServe("\n0x[0-9a-f]+ +([0-9]+)  'net/http\\.\\(\\*conn\\)\\.serve'\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(all.out, m, kServe));
    EXPECT_GT(std::stoul(m[1]), 1000u);
    // The C functions of its .dynsym are still there.
    EXPECT_NE(all.out.find("  x_cgo_init\n"), std::string::npos);

    Finished some = run({probelog_bin(), "--probe-list", kPrometheus, "*conn*serve*"});
    EXPECT_NE(some.out.find("  'net/http.(*conn).serve'\n"), std::string::npos) << some.out;
    EXPECT_LT(listed_count(some.out), 100u);
}

// Debian's Prometheus server on 127.0.0.1, with a config and storage in a
// temporary directory, traced while it answers real HTTP requests.
TEST(GoShippedE2E, PrometheusHttpHandlingProbedWhileItAnswers) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(fs::exists(kPrometheus)) << "scripts/install-deps.sh installs prometheus";
    TempDir dir{"probelog-prometheus"};
    std::ofstream(dir.file("prometheus.yml")) << "global:\n  scrape_interval: 1m\n";  // no targets
    uint16_t port = free_port();
    Process prom({kPrometheus, "--config.file=" + dir.file("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.file("data"),
                  fmt::format("--web.listen-address=127.0.0.1:{}", port)});
    httplib::Client client("127.0.0.1", port);
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
        auto res = client.Get("/-/ready");
        ready = res && res->status == 200;
        if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(ready) << prom.err();

    // Every request's target reaches net/url.ParseRequestURI (a nil *URL
    // for a malformed one); the path of those that parse reaches
    // net/http.cleanPath through the server's ServeMux, which returns it cleaned.
    std::string parse =
        std::string(kPrometheus) + ":net/url.ParseRequestURI(string uri) ret:*url.URL";
    std::string clean = std::string(kPrometheus) + ":net/http.cleanPath(string p) ret:string";
    Process tracer({probelog_bin(), "-o", "json", "--poll-ms", "20", "--pid",
                    std::to_string(prom.pid()), "--probe", parse, "--probe", clean});
    ASSERT_TRUE(tracer.wait_for_stderr("Ctrl-C to stop")) << tracer.err();

    std::string token = unique_token("prom");
    struct Sent {
        std::string target;
        std::string path;     // what cleanPath gets; empty: the request does not parse
        std::string cleaned;  // what it returns
        int status;
    };
    std::vector<Sent> sent{
        {"/api/v1/query?query=up&t=" + token, "/api/v1/query", "/api/v1/query", 200},
        {"/-/healthy?t=" + token, "/-/healthy", "/-/healthy", 200},
        {"/metrics?t=" + token, "/metrics", "/metrics", 200},
        {"/api/v1/../v1/query?query=up&t=" + token, "/api/v1/../v1/query", "/api/v1/query", 301},
        {"/%zz?t=" + token, "", "", 400},
    };
    for (const Sent& s : sent) {
        httplib::Client c("127.0.0.1", port);
        auto res = c.Get(s.target);
        ASSERT_TRUE(res) << s.target << ": " << httplib::to_string(res.error());
        EXPECT_EQ(res->status, s.status) << s.target << "\n" << res->body;
        if (s.target.starts_with("/api/v1/query")) {
            EXPECT_EQ(res->body,
                      R"({"status":"success","data":{"resultType":"vector","result":[]}})");
        } else if (s.target.starts_with("/-/healthy")) {
            EXPECT_EQ(res->body, "Prometheus Server is Healthy.\n");
        } else if (s.target.starts_with("/metrics")) {
            EXPECT_NE(res->body.find("\nprometheus_build_info{"), std::string::npos);
        } else if (s.status == 301) {
            EXPECT_EQ(res->get_header_value("Location"), "/api/v1/query?query=up&t=" + token);
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::vector<JsonRecord> all = stop_and_parse(tracer);
    prom.signal(SIGTERM);
    Finished stopped = prom.wait(std::chrono::seconds(15));
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;

    auto records = of(all, "probe", prom.pid());
    std::sort(records.begin(), records.end(), [](const JsonRecord* a, const JsonRecord* b) {
        return a->str("time") < b->str("time");
    });
    auto uris = where(records, [&](const JsonRecord& r) {
        return r.str("probe") == "prometheus:net/url.ParseRequestURI" &&
               r.str("uri").find(token) != std::string::npos;
    });
    auto paths = where(records, [](const JsonRecord& r) {
        return r.str("probe") == "prometheus:net/http.cleanPath";
    });
    ASSERT_EQ(uris.size(), sent.size()) << tracer.err();
    ASSERT_EQ(paths.size(), sent.size() - 1) << tracer.err();
    for (size_t i = 0; i < sent.size(); ++i) {
        const JsonRecord& u = *uris[i];
        EXPECT_EQ(u.str("uri"), sent[i].target) << u.line();
        EXPECT_EQ(u.unum("uri_len"), sent[i].target.size());
        EXPECT_EQ(u.str("ret") == "0x0", sent[i].path.empty()) << u.line();
        EXPECT_GT(u.unum("latency_ns"), 0u);
        if (sent[i].path.empty()) continue;
        const JsonRecord& p = *paths[i];
        EXPECT_EQ(p.str("p"), sent[i].path) << p.line();
        EXPECT_EQ(p.str("ret"), sent[i].cleaned) << p.line();
        EXPECT_EQ(p.unum("ret_len"), sent[i].cleaned.size());
    }
}

}  // namespace
}  // namespace probelog::test
