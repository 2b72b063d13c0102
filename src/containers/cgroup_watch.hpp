#pragma once
// New cgroups as they are made: inotify on every directory of the cgroup v2
// hierarchy (cgroupfs reports mkdir as IN_CREATE). A runtime creates a
// container's cgroup well before the container's first exec, so a cgroup
// found this way is usually known before its first record arrives. Only used
// on the Enricher's worker thread.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace probelog::containers {

class CgroupWatch {
  public:
    // Watches `root` and every directory below it.
    static Result<CgroupWatch> open(const std::string& root);
    CgroupWatch(CgroupWatch&& other) noexcept;
    CgroupWatch& operator=(CgroupWatch&& other) noexcept;
    CgroupWatch(const CgroupWatch&) = delete;
    CgroupWatch& operator=(const CgroupWatch&) = delete;
    ~CgroupWatch();

    struct Created {
        uint64_t id = 0;   // the cgroup id (the directory's inode)
        std::string path;  // relative to the root, starting with '/'
    };
    // The cgroups made since the last call (and the ones below them), and the
    // ids of those removed, without blocking. False if events were lost (the
    // queue overflowed): then the caller must walk the whole hierarchy again.
    bool take_changes(std::vector<Created>& created, std::vector<uint64_t>& removed);

  private:
    explicit CgroupWatch(std::string root, int fd) : root_(std::move(root)), fd_(fd) {}
    // Watches `rel` and, depth first, what is below it already; reports those.
    void add_tree(const std::string& rel, std::vector<Created>* out);

    std::string root_;
    int fd_ = -1;
    std::unordered_map<int, std::string> dirs_;      // watch descriptor -> relative path
    std::unordered_map<std::string, uint64_t> ids_;  // relative path -> cgroup id
};

}  // namespace probelog::containers
