// Probed processes under faults (issue 20): a process killed in the middle of
// a probed call, and a probed shared library unloaded with dlclose and loaded
// again (tests/testprogs/fault_call.c).
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::test {
namespace {

// The in-flight calls of process `tgid` in the `probe_calls` map of the
// probelog whose pid is `agent` (its own map: found among its fds). -1 if
// that probelog has no such map.
int in_flight(pid_t agent, pid_t tgid) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fmt::format("/proc/{}/fdinfo", agent), ec)) {
        std::ifstream info(entry.path());
        std::string line;
        uint32_t id = 0;
        while (std::getline(info, line)) {
            if (line.starts_with("map_id:")) id = static_cast<uint32_t>(std::stoul(line.substr(7)));
        }
        if (id == 0) continue;
        int fd = bpf_map_get_fd_by_id(id);
        if (fd < 0) continue;
        bpf_map_info map{};
        uint32_t len = sizeof(map);
        if (bpf_obj_get_info_by_fd(fd, &map, &len) != 0 || std::string(map.name) != "probe_calls") {
            ::close(fd);
            continue;
        }
        int n = 0;
        pl_probe_call_key key{};
        pl_probe_call_key next{};
        const void* prev = nullptr;
        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
            if (next.tgid == static_cast<uint32_t>(tgid)) ++n;
            key = next;
            prev = &key;
        }
        ::close(fd);
        return n;
    }
    return -1;
}

// Proves: a process SIGKILLed inside a probed call leaves no entry in the
// kernel's in-flight map for long (probelog sweeps the calls of threads that
// are gone), and the summary counts the call that never returned.
TEST(ProbeFaultsE2E, ProcessKilledInAProbedCallLeavesNoStaleInFlightEntry) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("fault_call");
    Process agent({probelog_bin(), "-o", "json", "--poll-ms", "20", "--probe",
                   bin + ":fc_block(int n) ret:int"});
    ASSERT_TRUE(agent.wait_for_stderr("Ctrl-C to stop")) << agent.err();
    Process target({bin, "block"});
    ASSERT_TRUE(target.wait_for_stderr("in fc_block")) << target.err();
    // The call is in flight: its entry is in the map.
    EXPECT_EQ(in_flight(agent.pid(), target.pid()), 1);
    target.signal(SIGKILL);
    EXPECT_EQ(target.wait().exit_code, 128 + SIGKILL);
    // Gone within a sweep period (2 s) and a drain.
    int left = 1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((left = in_flight(agent.pid(), target.pid())) > 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(left, 0) << "a stale in-flight entry of the killed process";
    agent.signal(SIGINT);
    Finished f = agent.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    // No record (the call never returned), the call counted.
    auto records = parse_json_lines(f.out);
    EXPECT_TRUE(select(records, [&](const JsonRecord& r) {
                    return r.unum("pid") == static_cast<uint64_t>(target.pid());
                }).empty());
    EXPECT_NE(f.err.find("probe fault_call:fc_block: 1 calls, 0 passed"), std::string::npos)
        << f.err;
}

// Proves: a library probed by its file keeps being probed across dlclose and
// dlopen (the kernel puts the probe back in each new mapping): one record per
// call, in order, with the right values, and the library really was unloaded
// between the calls.
TEST(ProbeFaultsE2E, ProbedLibraryUnloadedWithDlcloseAndLoadedAgainKeepsItsRecords) {
    PROBELOG_REQUIRE_ROOT();
    std::string lib = std::filesystem::canonical(testprog("libfaultlib.so")).string();
    constexpr int kCycles = 5;
    Finished f = run({probelog_bin(), "-o", "json", "--poll-ms", "20", "--probe",
                      lib + ":fl_mul(int a, int b) ret:int", "--", testprog("fault_call"), "dl",
                      lib, std::to_string(kCycles)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find(fmt::format("unloaded {} of {}\n", kCycles, kCycles)), std::string::npos)
        << "the library stayed mapped: the test proves nothing\n"
        << f.err;
    auto records = parse_json_lines(f.out);
    auto calls =
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "probe"; });
    ASSERT_EQ(calls.size(), static_cast<size_t>(kCycles)) << f.out;
    for (int i = 0; i < kCycles; ++i) {
        EXPECT_EQ(calls[i]->num("a"), i) << calls[i]->line();
        EXPECT_EQ(calls[i]->num("b"), 7) << calls[i]->line();
        EXPECT_EQ(calls[i]->num("ret"), i * 7) << calls[i]->line();
    }
    EXPECT_NE(f.err.find(fmt::format("probe libfaultlib.so:fl_mul: {} calls", kCycles)),
              std::string::npos)
        << f.err;
}

}  // namespace
}  // namespace probelog::test
