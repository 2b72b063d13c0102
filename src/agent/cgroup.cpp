#include "agent/cgroup.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace probelog {

Result<CgroupRef> resolve_cgroup(const std::string& path) {
    struct statfs fs {};
    if (::statfs(path.c_str(), &fs) != 0) {
        return make_error("--cgroup: cannot open '{}': {}", path, std::strerror(errno));
    }
    if (fs.f_type != CGROUP2_SUPER_MAGIC) {
        return make_error(
            "--cgroup: '{}' is not a cgroup v2 directory (expected a directory of "
            "the cgroup2 mount: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid "
            "hosts; see /proc/mounts)",
            path);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return make_error("--cgroup: '{}' is not a directory", path);
    }
    CgroupRef ref;
    ref.id = st.st_ino;
    // Walk up to the hierarchy's root (where the filesystem changes).
    std::filesystem::path p = std::filesystem::canonical(path);
    while (p.has_parent_path() && p != p.parent_path()) {
        struct statfs parent_fs {};
        if (::statfs(p.parent_path().c_str(), &parent_fs) != 0 ||
            parent_fs.f_type != CGROUP2_SUPER_MAGIC) {
            break;
        }
        ++ref.level;
        p = p.parent_path();
    }
    return ref;
}

}  // namespace probelog
