#pragma once
// What probelog knows about the container of a cgroup.

#include <cstdint>
#include <string>

namespace probelog::containers {

struct ContainerInfo {
    std::string id;       // full container id; empty: a pod's own cgroup
    std::string runtime;  // docker, podman, containerd, cri-o; empty if unknown
    std::string name;     // from the runtime's API, when it answered
    std::string image;
    std::string pod_uid;  // Kubernetes: from the cgroup path, or the CRI labels
    std::string pod_name;
    std::string pod_namespace;

    bool operator==(const ContainerInfo&) const = default;
};

}  // namespace probelog::containers
