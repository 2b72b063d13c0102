#include "containers/cgroup_path.hpp"

#include <array>
#include <cstddef>

namespace probelog::containers {

namespace {

// A cgroup name that is a container's: `prefix` + 64-hex id + `suffix`.
struct NameFormat {
    std::string_view prefix;
    std::string_view suffix;
    std::string_view runtime;
};

// Systemd driver (a scope per container) and the prefixed cgroupfs names.
// "libpod-conmon-" and "crio-conmon-" do not match: the id check sees "conmon-".
constexpr std::array<NameFormat, 7> kFormats{{
    {"docker-", ".scope", "docker"},
    {"libpod-", ".scope", "podman"},
    {"libpod-", "", "podman"},  // cgroupfs driver: /libpod_parent/libpod-<id>
    {"cri-containerd-", ".scope", "containerd"},
    {"crio-", ".scope", "cri-o"},
    {"crio-", "", "cri-o"},
    {"containerd-", ".scope", "containerd"},
}};

bool is_hex_lower(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// The id in a named container cgroup, with its runtime; empty if none.
std::optional<ContainerPath> match_name(std::string_view name) {
    for (const NameFormat& f : kFormats) {
        if (name.size() != f.prefix.size() + 64 + f.suffix.size()) continue;
        if (!name.starts_with(f.prefix) || !name.ends_with(f.suffix)) continue;
        std::string_view id = name.substr(f.prefix.size(), 64);
        if (is_full_container_id(id))
            return ContainerPath{std::string(id), std::string(f.runtime), {}};
    }
    return std::nullopt;
}

// A pod's cgroup: "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid with _>.slice" (systemd).
std::optional<std::string> match_pod(std::string_view name) {
    std::string_view uid;
    if (name.starts_with("kubepods") && name.ends_with(".slice")) {
        size_t at = name.rfind("-pod");
        if (at == std::string_view::npos) return std::nullopt;
        uid = name.substr(at + 4, name.size() - at - 4 - 6);
    } else if (name.starts_with("pod")) {
        uid = name.substr(3);
    } else {
        return std::nullopt;
    }
    // A uid is 36 characters of hex and dashes (or underscores), e.g.
    // 8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a.
    if (uid.size() != 36) return std::nullopt;
    std::string out(uid);
    for (char& c : out) {
        if (c == '_') c = '-';
        if (c != '-' && !is_hex_lower(c)) return std::nullopt;
    }
    return out;
}

}  // namespace

bool is_full_container_id(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s) {
        if (!is_hex_lower(c)) return false;
    }
    return true;
}

std::optional<ContainerPath> parse_container_path(std::string_view path) {
    std::optional<ContainerPath> found;
    std::string pod_uid;
    bool under_kubepods = false;
    std::string_view parent;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        std::string_view name = path.substr(pos, end - pos);
        pos = end + 1;
        if (name.empty()) continue;
        std::string_view above = parent;
        parent = name;
        // Docker's cgroupfs driver: /docker/<id>.
        if (above == "docker" && is_full_container_id(name)) {
            found = ContainerPath{std::string(name), "docker", {}};
            continue;
        }
        if (name == "kubepods" || name.starts_with("kubepods.") || name.starts_with("kubepods-"))
            under_kubepods = true;
        if (auto c = match_name(name)) {
            found = std::move(c);
            continue;
        }
        if (!under_kubepods) continue;
        if (auto uid = match_pod(name)) {
            pod_uid = std::move(*uid);
            found.reset();  // a container above the pod is not this task's
            continue;
        }
        // cgroupfs driver: /kubepods/<qos>/pod<uid>/<id>, the runtime unnamed.
        if (!pod_uid.empty() && is_full_container_id(name))
            found = ContainerPath{std::string(name), {}, {}};
    }
    if (!found && pod_uid.empty()) return std::nullopt;
    ContainerPath out = found.value_or(ContainerPath{});
    out.pod_uid = std::move(pod_uid);
    return out;
}

}  // namespace probelog::containers
