#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace probelog {

struct CgroupRef {
    uint64_t id = 0;     // the cgroup v2 id (its directory's inode number)
    uint32_t level = 0;  // depth below the root cgroup (root = 0)
};

// Resolves a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice/ssh.service.
Result<CgroupRef> resolve_cgroup(const std::string& path);

}  // namespace probelog
