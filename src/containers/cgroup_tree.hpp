#pragma once
// Cgroup ids to cgroup paths. The kernel's cgroup id of a task (what every
// record carries) is the inode number of its cgroup v2 directory, so walking
// the v2 hierarchy and stat()ing each directory maps every id to its path.
// Blocking file system work: only ever called off the reader's thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace probelog::containers {

// Where the cgroup v2 hierarchy is mounted, from the text of /proc/self/mounts:
// /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one (v1
// controllers at /sys/fs/cgroup/*). A v1-only host has none: then records carry
// the v2 root's id for every task and no container can be told from it.
Result<std::string> find_cgroup2_mount(std::string_view mounts);

// The hierarchy whose cgroups name containers: v2 where it is mounted; on a
// v1-only host (or with `prefer_v1`, for tests on a hybrid host) the memory
// controller's, which the kernel side then reads (PL_CGROUP_V1_MEMORY).
struct CgroupRoot {
    std::string path;
    bool v1_memory = false;
};
Result<CgroupRoot> find_cgroup_root(std::string_view mounts, bool prefer_v1 = false);

class CgroupTree {
  public:
    explicit CgroupTree(std::string root) : root_(std::move(root)) {}

    // The path of cgroup `id` relative to the root ("/libpod_parent/libpod-<id>",
    // "/" for the root), from the last walk; nullopt if that walk did not see it.
    std::optional<std::string> path_of(uint64_t id) const;
    // Walks the hierarchy afresh (forgetting cgroups that are gone). Returns the
    // number of cgroups seen.
    size_t rescan();

    // A cgroup found without a walk (CgroupWatch).
    void add(uint64_t id, std::string path) { paths_[id] = std::move(path); }
    // Every cgroup id the last walk saw.
    std::vector<uint64_t> ids() const;
    const std::string& root() const { return root_; }

  private:
    std::string root_;
    std::unordered_map<uint64_t, std::string> paths_;
};

}  // namespace probelog::containers
