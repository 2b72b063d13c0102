// Probes inside containers: `--probe PATH:FUNC --container NAME` names the
// file as the container sees it (a program that exists only in the image),
// and the probe fires in that container only, though a second container runs
// the very same file (one image: one inode under overlayfs).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "e2e/podman.hpp"
#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

constexpr const char* kProbeImage = "localhost/probelog-e2e:probe";
// Where the image has the test program: no such file on the host.
constexpr const char* kInside = "/opt/probelog-e2e/container_work";

// Containers running the test program, removed however the test ends.
class Running {
  public:
    explicit Running(std::vector<std::string> names) : names_(std::move(names)) {
        for (const std::string& name : names_) {
            std::vector<std::string> args =
                podman_run(name, std::string("exec ") + kInside, kProbeImage);
            args.insert(args.begin() + 4, "-d");  // after "podman --runtime runc run"
            Finished f = run(args);
            EXPECT_EQ(f.exit_code, 0) << f.err;
        }
    }
    ~Running() {
        std::vector<std::string> rm = {"/usr/bin/podman", "rm", "-f", "-t", "0"};
        rm.insert(rm.end(), names_.begin(), names_.end());
        run(rm);
    }
    std::string id(size_t i) const {
        return trim(run({"/usr/bin/podman", "inspect", "--format", "{{.Id}}", names_[i]}).out);
    }

  private:
    std::vector<std::string> names_;
};

TEST(ContainerProbeE2E, AProgramOnlyInTheContainerProbedInThatContainerOnly) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_FALSE(std::filesystem::exists(kInside));
    ASSERT_TRUE(ensure_image(kProbeImage, {{kInside, testprog("container_work")}}));
    ApiService api;  // --container by name
    ASSERT_TRUE(api.up()) << "podman system service did not create " << kApiSocket;
    std::string name = unique_token("plp");
    std::string other = unique_token("plq");
    Running containers({name, other});

    auto p = start_probelog({"-o", "json", "--poll-ms", "20", "--verbose", "--container", name,
                             "--probe", fmt::format("{}:cw_step(int n) ret:int", kInside)});
    // Found through a task of the container: /proc/PID/root/opt/...
    EXPECT_TRUE(
        std::regex_search(p->err(), std::regex(fmt::format("/proc/[0-9]+/root{}", kInside))))
        << p->err();
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto records = stop_and_parse(*p);

    std::string id = containers.id(0);
    ASSERT_EQ(id.size(), 64u) << id;
    auto calls =
        select(records, [](const JsonRecord& r) { return r.str("event_type") == "probe"; });
    ASSERT_GE(calls.size(), 3u) << p->err();
    for (const JsonRecord* r : calls) {
        EXPECT_EQ(r->str("container_id"), id) << r->line();
        EXPECT_EQ(r->str("container_name"), name) << r->line();
        EXPECT_EQ(r->unum("ns_pid"), 1u) << r->line();
        EXPECT_EQ(r->num("ret"), r->num("n") + 1) << r->line();
    }
    // One process, counting up by one: every call, in order.
    for (size_t i = 1; i < calls.size(); ++i)
        EXPECT_EQ(calls[i]->num("n"), calls[i - 1]->num("n") + 1) << calls[i]->line();

    // --pid of the other container's task: the path is found in its root.
    std::string pid_text =
        trim(run({"/usr/bin/podman", "inspect", "--format", "{{.State.Pid}}", other}).out);
    auto q = start_probelog({"-o", "json", "--poll-ms", "20", "--pid", pid_text, "--probe",
                             fmt::format("{}:cw_step(int n)", kInside)});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto by_pid = stop_and_parse(*q);
    uint64_t other_pid = std::stoull(pid_text);
    auto other_calls =
        select(by_pid, [](const JsonRecord& r) { return r.str("event_type") == "probe"; });
    ASSERT_GE(other_calls.size(), 2u) << q->err();
    for (const JsonRecord* r : other_calls) {
        EXPECT_EQ(r->unum("pid"), other_pid) << r->line();
        EXPECT_EQ(r->str("container_id"), containers.id(1)) << r->line();
    }
}

TEST(ContainerProbeE2E, NoContainerOrSeveralIsOneClearError) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(ensure_image(kProbeImage, {{kInside, testprog("container_work")}}));
    std::string spec = fmt::format("{}:cw_step", kInside);
    Finished none = run({probelog_bin(), "--container", unique_token("nosuch"), "--probe", spec});
    EXPECT_EQ(none.exit_code, 1) << none.err;
    EXPECT_NE(none.err.find("no such container is running; a probe's file is found in the "
                            "container's file system, so start the container first"),
              std::string::npos)
        << none.err;
    EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1) << none.err;  // one line

    Running containers({unique_token("plr"), unique_token("pls")});
    std::string a = containers.id(0);
    std::string b = containers.id(1);
    Finished two = run({probelog_bin(), "--container", a.substr(0, 12), "--container",
                        b.substr(0, 12), "--probe", spec});
    EXPECT_EQ(two.exit_code, 1) << two.err;
    EXPECT_NE(two.err.find("2 containers match"), std::string::npos) << two.err;
    EXPECT_NE(two.err.find("name one container"), std::string::npos) << two.err;
}

}  // namespace
}  // namespace probelog::test
