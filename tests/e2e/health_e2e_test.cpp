// /healthz and /readyz next to /metrics, on the probelog binary: ready once
// every requested trace is attached and the event loop runs; a requested
// trace that could not attach is named.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <utility>

#include "run_probelog.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

using namespace std::chrono_literals;

// The port probelog says it serves metrics on ("metrics at http://...").
uint16_t metrics_port(const Process& p) {
    std::smatch m;
    const std::string& err = p.err();
    if (!std::regex_search(err, m, std::regex("metrics at http://127.0.0.1:(\\d+)/metrics")))
        return 0;
    return static_cast<uint16_t>(std::stoi(m[1]));
}

struct Reply {
    int status = 0;
    std::string body;
    bool operator==(const Reply&) const = default;
};
void PrintTo(const Reply& r, std::ostream* os) {
    *os << r.status << " " << r.body;
}

Reply get(uint16_t port, const char* path) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get(path);
    if (!res) return {0, httplib::to_string(res.error())};
    return {res->status, res->body};
}

// The loop starts just after the start-up line: poll until the answer is `want`.
Reply wait_for(uint16_t port, const char* path, const Reply& want) {
    Reply r;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
        r = get(port, path);
        if (r == want) break;
    }
    return r;
}

TEST(HealthE2E, ReadyOnceEveryTraceIsAttachedAndTheLoopRuns) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "exec,exit", "-o", "null", "--metrics", "127.0.0.1:0"});
    uint16_t port = metrics_port(*p);
    ASSERT_NE(port, 0) << p->err();
    EXPECT_EQ(wait_for(port, "/readyz", {200, "ready: tracing exec, exit\n"}),
              (Reply{200, "ready: tracing exec, exit\n"}));
    EXPECT_EQ(get(port, "/healthz"), (Reply{200, "ok\n"}));
    // /metrics is still there, next to them.
    Reply metrics = get(port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("probelog_records_total"), std::string::npos) << metrics.body;
    p->signal(SIGINT);
    Finished f = p->wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
}

TEST(HealthE2E, ATraceThatCouldNotAttachKeepsItNotReadyAndNamesIt) {
    PROBELOG_REQUIRE_ROOT();
    // openssl, pointed at a libssl that does not exist, cannot start; exec runs.
    auto p = start_probelog({"--trace", "exec,openssl", "--openssl-lib", "/nonexistent/libssl.so.3",
                             "-o", "null", "--metrics", "127.0.0.1:0"});
    uint16_t port = metrics_port(*p);
    ASSERT_NE(port, 0) << p->err();
    EXPECT_NE(p->err().find("trace 'openssl' unavailable"), std::string::npos) << p->err();
    Reply want{503, "not ready: not attached: openssl (attached: exec)\n"};
    EXPECT_EQ(wait_for(port, "/readyz", want), want);
    // Alive all the same: restarting it would not attach openssl either.
    EXPECT_EQ(get(port, "/healthz"), (Reply{200, "ok\n"}));
    p->signal(SIGINT);
    Finished f = p->wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
}

}  // namespace
}  // namespace probelog::test
