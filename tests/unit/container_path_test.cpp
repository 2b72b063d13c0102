// containers/cgroup_path: cgroup paths as runtimes name them (recorded on real
// hosts: docker and podman with both cgroup drivers, containerd and cri-o under
// kubelet with both drivers) to container id, runtime and pod uid.
#include <gtest/gtest.h>

#include <string>

#include "containers/cgroup_path.hpp"

namespace probelog::containers {
namespace {

const std::string kId = "fa568557ec6c38d99766bfacdc51af86fc3cb1db0a029bcae571691d3b50ce8e";
const std::string kId2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kUid = "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a";
const std::string kUidSystemd = "8a3c3b0e_5c1f_4b8e_9a4a_2f0d3c1e7b6a";

ContainerPath expect(const std::string& id, const std::string& runtime,
                     const std::string& pod_uid = {}) {
    return ContainerPath{id, runtime, pod_uid};
}

TEST(ContainerPath, DockerSystemdAndCgroupfsDrivers) {
    EXPECT_EQ(parse_container_path("/system.slice/docker-" + kId + ".scope"),
              expect(kId, "docker"));
    EXPECT_EQ(parse_container_path("/docker/" + kId), expect(kId, "docker"));
    // Without the leading slash, as some tools print it.
    EXPECT_EQ(parse_container_path("docker/" + kId), expect(kId, "docker"));
}

TEST(ContainerPath, PodmanDriversRootlessAndSubCgroups) {
    // This machine's (cgroupfs driver, hybrid hierarchy), as podman made it.
    EXPECT_EQ(parse_container_path("/libpod_parent/libpod-" + kId), expect(kId, "podman"));
    EXPECT_EQ(parse_container_path("/machine.slice/libpod-" + kId + ".scope"),
              expect(kId, "podman"));
    EXPECT_EQ(parse_container_path("/user.slice/user-1000.slice/user@1000.service/user.slice/"
                                   "libpod-" +
                                   kId + ".scope"),
              expect(kId, "podman"));
    // crun on cgroup v2 puts the container's processes one level down.
    EXPECT_EQ(parse_container_path("/machine.slice/libpod-" + kId + ".scope/container"),
              expect(kId, "podman"));
}

TEST(ContainerPath, ConmonIsNotTheContainer) {
    EXPECT_EQ(parse_container_path("/machine.slice/libpod-conmon-" + kId + ".scope"), std::nullopt);
    EXPECT_EQ(parse_container_path("/libpod_parent/conmon"), std::nullopt);
    EXPECT_EQ(parse_container_path("/kubepods.slice/kubepods-burstable.slice/"
                                   "kubepods-burstable-pod" +
                                   kUidSystemd + ".slice/crio-conmon-" + kId + ".scope"),
              expect("", "", kUid));
}

TEST(ContainerPath, KubepodsSystemdDriver) {
    std::string pod =
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidSystemd + ".slice/";
    EXPECT_EQ(parse_container_path(pod + "cri-containerd-" + kId + ".scope"),
              expect(kId, "containerd", kUid));
    EXPECT_EQ(parse_container_path(pod + "crio-" + kId + ".scope"), expect(kId, "cri-o", kUid));
    EXPECT_EQ(parse_container_path(pod + "docker-" + kId + ".scope"), expect(kId, "docker", kUid));
    // Guaranteed QoS has no QoS slice.
    EXPECT_EQ(parse_container_path("/kubepods.slice/kubepods-pod" + kUidSystemd +
                                   ".slice/cri-containerd-" + kId + ".scope"),
              expect(kId, "containerd", kUid));
    // The pod's own cgroup: a pod, no container.
    EXPECT_EQ(parse_container_path(pod), expect("", "", kUid));
}

TEST(ContainerPath, KubepodsCgroupfsDriver) {
    EXPECT_EQ(parse_container_path("/kubepods/burstable/pod" + kUid + "/" + kId),
              expect(kId, "", kUid));
    EXPECT_EQ(parse_container_path("/kubepods/besteffort/pod" + kUid + "/" + kId),
              expect(kId, "", kUid));
    EXPECT_EQ(parse_container_path("/kubepods/pod" + kUid + "/" + kId), expect(kId, "", kUid));
    // cri-o names them even with cgroupfs.
    EXPECT_EQ(parse_container_path("/kubepods/burstable/pod" + kUid + "/crio-" + kId),
              expect(kId, "cri-o", kUid));
}

TEST(ContainerPath, NestedContainersInnermostWins) {
    EXPECT_EQ(parse_container_path("/docker/" + kId + "/docker/" + kId2), expect(kId2, "docker"));
    EXPECT_EQ(
        parse_container_path("/system.slice/docker-" + kId + ".scope/libpod_parent/libpod-" + kId2),
        expect(kId2, "podman"));
}

TEST(ContainerPath, HostCgroupsAreNotContainers) {
    for (const std::string& path : {
             std::string("/"),
             std::string(""),
             std::string("/system.slice/ssh.service"),
             std::string("/system.slice/docker.service"),
             std::string("/system.slice/containerd.service"),
             std::string("/user.slice/user-0.slice/session-3.scope"),
             std::string("/process_api/bae9b370fcb98d216708ec3e7fd56096"),
             std::string("/kubepods.slice"),
             std::string("/kubepods/burstable"),
             // A pod directory outside kubepods is just a name.
             "/pod" + kUid,
             // Not 64 hex digits.
             "/system.slice/docker-" + kId.substr(1) + ".scope",
             "/docker/" + kId.substr(0, 12),
             "/system.slice/docker-" + std::string(64, 'G') + ".scope",
             "/system.slice/docker-" + kId + ".service",
             // A full id in a plain directory says nothing about a runtime.
             "/" + kId,
         }) {
        EXPECT_EQ(parse_container_path(path), std::nullopt) << path;
    }
}

TEST(ContainerPath, FullIdCheck) {
    EXPECT_TRUE(is_full_container_id(kId));
    EXPECT_FALSE(is_full_container_id(kId.substr(0, 63)));
    EXPECT_FALSE(is_full_container_id(kId + "0"));
    std::string upper = kId;
    upper[0] = 'F';
    EXPECT_FALSE(is_full_container_id(upper));
}

}  // namespace
}  // namespace probelog::containers
