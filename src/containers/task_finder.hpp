#pragma once
// A task of a running container, found by its cgroup: probes name files as
// the container sees them, and resolve them in that task's mount namespace
// (/proc/PID/root, /proc/PID/maps).

#include <optional>
#include <string>
#include <string_view>

namespace probelog::containers {

// The lowest pid whose /proc/PID/cgroup puts it in the container `id` (its
// full id), on any hierarchy line (v2, or v1 on hosts without it); nullopt if
// none (the container has exited). `proc` is the proc file system's root.
std::optional<int> find_container_task(std::string_view id, const std::string& proc = "/proc");

}  // namespace probelog::containers
