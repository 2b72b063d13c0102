// Names and pods from OCI bundle annotations, on config.json excerpts in the
// forms containerd's and cri-o's CRI write them (no cluster here), and the
// places the bundles are looked for, on a made-up root.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "containers/oci_bundle.hpp"
#include "support/temp_dir.hpp"

namespace probelog::containers {
namespace {

const std::string kId = "3d5b4fbb9c1bbbc6d80a3dd3c7b63ce9a0c2cf4eef1e8a3d3b3d6c0a8f2f5b11";

// containerd 1.7's CRI plugin, a container of a Deployment's pod.
constexpr const char* kContainerd = R"({
  "ociVersion": "1.1.0",
  "process": {"args": ["/nginx"]},
  "annotations": {
    "io.kubernetes.cri.container-name": "nginx",
    "io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25",
    "io.kubernetes.cri.sandbox-id": "9f1c",
    "io.kubernetes.cri.sandbox-name": "web-7d4b9c-x2x8q",
    "io.kubernetes.cri.sandbox-namespace": "shop",
    "io.kubernetes.cri.sandbox-uid": "5c9f0a43-2b1e-4c55-9a51-3f6c2d1e8b7a"
  }
})";

// cri-o 1.28: its own keys and the kubelet's labels it copies.
constexpr const char* kCrio = R"({
  "ociVersion": "1.0.2-dev",
  "annotations": {
    "io.kubernetes.container.name": "api",
    "io.kubernetes.cri-o.ContainerName": "k8s_api_api-0_prod_6b1f_0",
    "io.kubernetes.cri-o.ImageName": "registry.local/api:2.1",
    "io.kubernetes.pod.name": "api-0",
    "io.kubernetes.pod.namespace": "prod",
    "io.kubernetes.pod.uid": "6b1f6c4e-8f0a-4f43-bb0e-0d3c1c7e2f55"
  }
})";

TEST(ContainerOciBundle, ContainerdAndCrioAnnotations) {
    ContainerInfo c{.id = kId};
    ASSERT_TRUE(parse_bundle_annotations(kContainerd, c));
    EXPECT_EQ(c.name, "nginx");
    EXPECT_EQ(c.image, "docker.io/library/nginx:1.25");
    EXPECT_EQ(c.pod_name, "web-7d4b9c-x2x8q");
    EXPECT_EQ(c.pod_namespace, "shop");
    EXPECT_EQ(c.pod_uid, "5c9f0a43-2b1e-4c55-9a51-3f6c2d1e8b7a");

    ContainerInfo o{.id = kId};
    ASSERT_TRUE(parse_bundle_annotations(kCrio, o));
    EXPECT_EQ(o.name, "api");
    EXPECT_EQ(o.image, "registry.local/api:2.1");
    EXPECT_EQ(o.pod_name, "api-0");
    EXPECT_EQ(o.pod_namespace, "prod");
    EXPECT_EQ(o.pod_uid, "6b1f6c4e-8f0a-4f43-bb0e-0d3c1c7e2f55");
}

TEST(ContainerOciBundle, WhatTheApiSaidStaysAndGarbageChangesNothing) {
    ContainerInfo c{.id = kId, .runtime = "podman", .name = "from-api", .image = "img:api"};
    ASSERT_TRUE(parse_bundle_annotations(kCrio, c));
    EXPECT_EQ(c.name, "from-api");
    EXPECT_EQ(c.image, "img:api");
    EXPECT_EQ(c.pod_name, "api-0");  // only what was missing

    ContainerInfo before{.id = kId};
    ContainerInfo g = before;
    for (const char* bad : {"", "{", "[]", R"({"annotations": 3})", R"({"process": {}})",
                            R"({"annotations": {"io.kubernetes.pod.name": 7}})"}) {
        parse_bundle_annotations(bad, g);
        EXPECT_EQ(g, before) << bad;
    }
}

TEST(ContainerOciBundle, FoundUnderContainerdsNamespacesAndCriosUserdata) {
    test::TempDir root("bundles");
    auto write = [&](const std::string& path, const char* text) {
        std::filesystem::create_directories(
            std::filesystem::path(root.path() + path).parent_path());
        std::ofstream(root.path() + path) << text;
    };
    ContainerInfo none{.id = kId};
    EXPECT_FALSE(describe_from_bundle(none, root.path()));

    write("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json",
          kContainerd);
    ContainerInfo c{.id = kId};
    ASSERT_TRUE(describe_from_bundle(c, root.path()));
    EXPECT_EQ(c.pod_namespace, "shop");

    std::string other(64, 'e');
    write("/run/containers/storage/overlay-containers/" + other + "/userdata/config.json", kCrio);
    ContainerInfo o{.id = other};
    ASSERT_TRUE(describe_from_bundle(o, root.path()));
    EXPECT_EQ(o.pod_name, "api-0");
}

}  // namespace
}  // namespace probelog::containers
