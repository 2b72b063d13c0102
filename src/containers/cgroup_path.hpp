#pragma once
// A cgroup path to the container it belongs to, from the names container
// runtimes give their cgroups (systemd and cgroupfs drivers alike). Pure: the
// path is text, no file is read. Runs off the hot path (once per new cgroup),
// so the result owns its strings.

#include <optional>
#include <string>
#include <string_view>

namespace probelog::containers {

// What a cgroup path says about a container.
struct ContainerPath {
    std::string id;       // the full 64-hex container id; empty: none (a pod's own cgroup)
    std::string runtime;  // "docker", "podman", "containerd", "cri-o"; empty: the path does not say
    std::string pod_uid;  // a Kubernetes pod's uid with dashes (systemd writes '_'), or empty

    bool operator==(const ContainerPath&) const = default;
};

// The container (and pod) that the cgroup at `path` belongs to, or nullopt for
// a host cgroup. `path` is relative to the hierarchy's root, with or without the
// leading '/' (as in /proc/PID/cgroup). A container's own sub-cgroups (podman's
// "libpod-<id>.scope/container", a container running systemd) belong to it; of
// nested containers the innermost wins. Runtime monitors (conmon's
// "libpod-conmon-<id>.scope", "crio-conmon-<id>.scope") are not containers.
std::optional<ContainerPath> parse_container_path(std::string_view path);

// True if `s` is a full container id: 64 lowercase hex digits.
bool is_full_container_id(std::string_view s);

}  // namespace probelog::containers
