// Records of tasks in a real container (Debian's podman, runc, an image built
// here from busybox-static: no registry is needed) carry the container; the
// test's own (host) records do not.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "e2e/podman.hpp"
#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

TEST(ContainerE2E, ExecInAPodmanContainerCarriesTheContainerHostExecsDoNot) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(ensure_image());
    ApiService api;
    ASSERT_TRUE(api.up()) << "podman system service did not create " << kApiSocket;

    auto p = start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20"});
    std::string name = unique_token("plc");
    std::string token = unique_token("inside");
    std::string host_token = unique_token("host");
    // The container's first exec (sh) is the first record of a cgroup probelog
    // has not seen: it may go out before the lookup has answered. The echo
    // comes later, and `exec` keeps it pid 1 of the container's namespace.
    Finished c = run(podman_run(name, "sleep 0.3; exec /bin/echo " + token));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    pid_t host_child = spawn({"/bin/echo", host_token});
    ASSERT_EQ(wait_exit(host_child), 0);
    std::string id = trim(run({"/usr/bin/podman", "inspect", "--format", "{{.Id}}", name}).out);
    run({"/usr/bin/podman", "rm", "-f", name});
    auto records = stop_and_parse(*p);

    ASSERT_EQ(id.size(), 64u) << id;
    auto inside = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(inside.size(), 1u) << p->out();
    const JsonRecord& r = *inside[0];
    EXPECT_EQ(r.str("container_id"), id) << r.line();
    EXPECT_EQ(r.str("container_runtime"), "podman") << r.line();
    EXPECT_EQ(r.unum("ns_pid"), 1u) << r.line();
    EXPECT_NE(r.unum("pid"), 1u) << r.line();  // pid stays the host's
    EXPECT_EQ(r.str("container_name"), name) << r.line();
    EXPECT_EQ(r.str("container_image"), kImage) << r.line();
    EXPECT_FALSE(r.has("pod_uid")) << r.line();

    auto host = select(records, [&](const JsonRecord& h) { return h.str("argv1") == host_token; });
    ASSERT_EQ(host.size(), 1u) << p->out();
    for (const char* field : {"container_id", "container_runtime", "container_name",
                              "container_image", "ns_pid", "pod_uid"}) {
        EXPECT_FALSE(host[0]->has(field)) << field << ": " << host[0]->line();
    }
}

TEST(ContainerE2E, FilterByNameFollowsAContainerStartedLaterAndNothingElse) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(ensure_image());
    ApiService api;  // the name comes from podman's API
    ASSERT_TRUE(api.up()) << "podman system service did not create " << kApiSocket;

    std::string name = unique_token("plf");
    std::string other = unique_token("plo");
    auto p =
        start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20", "--container", name});
    EXPECT_NE(p->err().find("--container " + name + ": no such container is running"),
              std::string::npos)
        << p->err();
    std::string token = unique_token("followed");
    std::string other_token = unique_token("other");
    std::string host_token = unique_token("host");
    // The container starts after probelog: the watch finds its cgroup, the
    // runtime names it, and its later execs pass the kernel's filter.
    Finished c = run(podman_run(name, "sleep 0.5; exec /bin/echo " + token));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    Finished o = run(podman_run(other, "sleep 0.5; exec /bin/echo " + other_token));
    ASSERT_EQ(o.exit_code, 0) << o.err;
    pid_t host_child = spawn({"/bin/echo", host_token});
    ASSERT_EQ(wait_exit(host_child), 0);
    std::string id = trim(run({"/usr/bin/podman", "inspect", "--format", "{{.Id}}", name}).out);
    run({"/usr/bin/podman", "rm", "-f", name, other});
    auto records = stop_and_parse(*p);

    auto followed = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(followed.size(), 1u) << p->out() << p->err();
    EXPECT_EQ(followed[0]->str("container_id"), id);
    // Not one record of another container or of the host.
    for (const JsonRecord& r : records) {
        EXPECT_EQ(r.str("container_id"), id) << r.line();
        EXPECT_NE(r.str("argv1"), other_token) << r.line();
        EXPECT_NE(r.str("argv1"), host_token) << r.line();
    }
}

TEST(ContainerE2E, ContainersOnlyKeepsContainerTasksOnly) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(ensure_image());
    auto p =
        start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20", "--containers-only"});
    std::string name = unique_token("plco");
    std::string token = unique_token("inside");
    std::string host_token = unique_token("host");
    Finished c = run(podman_run(name, "sleep 0.5; exec /bin/echo " + token));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    pid_t host_child = spawn({"/bin/echo", host_token});
    ASSERT_EQ(wait_exit(host_child), 0);
    run({"/usr/bin/podman", "rm", "-f", name});
    auto records = stop_and_parse(*p);

    auto inside = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(inside.size(), 1u) << p->out() << p->err();
    EXPECT_EQ(inside[0]->str("container_runtime"), "podman");
    for (const JsonRecord& r : records) {
        EXPECT_TRUE(r.has("container_id")) << r.line();
        EXPECT_NE(r.str("argv1"), host_token) << r.line();
    }
}

// A pod's container as cri-o starts it: the Kubernetes annotations are in its
// OCI bundle (config.json), which probelog reads as it does for containerd
// and cri-o, whose CRI the Docker-compatible API does not serve.
TEST(ContainerE2E, PodAnnotationsOfTheBundleNameThePod) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(ensure_image());
    auto p = start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20"});
    std::string name = unique_token("plk");
    std::string token = unique_token("pod");
    std::vector<std::string> args = podman_run(name, "sleep 0.5; exec /bin/echo " + token);
    std::vector<std::string> annotations = {
        "io.kubernetes.pod.name=web-0", "io.kubernetes.pod.namespace=shop",
        "io.kubernetes.pod.uid=5c9f0a43-2b1e-4c55-9a51-3f6c2d1e8b7a",
        "io.kubernetes.container.name=nginx"};
    for (const std::string& a : annotations) {
        args.insert(args.begin() + 4, a);
        args.insert(args.begin() + 4, "--annotation");
    }
    Finished c = run(args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    run({"/usr/bin/podman", "rm", "-f", name});
    auto records = stop_and_parse(*p);

    auto inside = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(inside.size(), 1u) << p->out();
    const JsonRecord& r = *inside[0];
    EXPECT_EQ(r.str("pod_name"), "web-0") << r.line();
    EXPECT_EQ(r.str("pod_namespace"), "shop") << r.line();
    EXPECT_EQ(r.str("pod_uid"), "5c9f0a43-2b1e-4c55-9a51-3f6c2d1e8b7a") << r.line();
    // podman's API names it when its service runs; the annotation otherwise.
    std::string expected_name = std::filesystem::exists(kApiSocket) ? name : "nginx";
    EXPECT_EQ(r.str("container_name"), expected_name) << r.line();
}

// A host without cgroup v2, as this hybrid one is with PROBELOG_CGROUP_V1=1:
// records name the task's v1 memory cgroup, which names the container as
// well, and the container filter works on it.
TEST(ContainerE2E, V1MemoryHierarchyWhereThereIsNoV2) {
    PROBELOG_REQUIRE_ROOT();
    if (!std::filesystem::exists("/sys/fs/cgroup/memory")) GTEST_SKIP() << "no v1 memory hierarchy";
    ASSERT_TRUE(ensure_image());
    ::setenv("PROBELOG_CGROUP_V1", "1", 1);
    auto p =
        start_probelog({"--trace", "exec", "-o", "json", "--poll-ms", "20", "--containers-only"});
    ::unsetenv("PROBELOG_CGROUP_V1");
    std::string name = unique_token("plv");
    std::string token = unique_token("v1");
    std::string host_token = unique_token("host");
    Finished c = run(podman_run(name, "sleep 0.5; exec /bin/echo " + token));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    pid_t host_child = spawn({"/bin/echo", host_token});
    ASSERT_EQ(wait_exit(host_child), 0);
    std::string id = trim(run({"/usr/bin/podman", "inspect", "--format", "{{.Id}}", name}).out);
    std::string memory_cgroup = "/sys/fs/cgroup/memory/machine.slice/libpod-" + id + ".scope";
    struct stat st {};
    bool have_dir = ::stat(memory_cgroup.c_str(), &st) == 0;
    run({"/usr/bin/podman", "rm", "-f", name});
    auto records = stop_and_parse(*p);

    auto inside = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(inside.size(), 1u) << p->out() << p->err();
    EXPECT_EQ(inside[0]->str("container_id"), id) << inside[0]->line();
    if (have_dir) {
        EXPECT_EQ(inside[0]->unum("cgroup_id"), st.st_ino) << inside[0]->line();
    }
    for (const JsonRecord& r : records)
        EXPECT_NE(r.str("argv1"), host_token) << r.line();
}

}  // namespace
}  // namespace probelog::test
