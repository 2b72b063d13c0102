#include "containers/cgroup_tree.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <optional>
#include <vector>

namespace probelog::containers {

Result<std::string> find_cgroup2_mount(std::string_view mounts) {
    // Lines: "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,... 0 0". Prefer
    // /sys/fs/cgroup itself; else the first cgroup2 mount (the hybrid layout's).
    std::optional<std::string> first;
    size_t pos = 0;
    while (pos < mounts.size()) {
        size_t end = mounts.find('\n', pos);
        if (end == std::string_view::npos) end = mounts.size();
        std::string_view line = mounts.substr(pos, end - pos);
        pos = end + 1;
        size_t a = line.find(' ');
        if (a == std::string_view::npos) continue;
        size_t b = line.find(' ', a + 1);
        if (b == std::string_view::npos) continue;
        size_t c = line.find(' ', b + 1);
        std::string_view dir = line.substr(a + 1, b - a - 1);
        std::string_view type = line.substr(b + 1, c == std::string_view::npos ? c : c - b - 1);
        if (type != "cgroup2") continue;
        if (dir == "/sys/fs/cgroup") return std::string(dir);
        if (!first) first = std::string(dir);
    }
    if (first) return *first;
    return make_error(ErrorKind::Unsupported,
                      "no cgroup v2 hierarchy is mounted (see /proc/mounts): records cannot be "
                      "matched to containers; mount one (mount -t cgroup2 none "
                      "/sys/fs/cgroup/unified) or boot with systemd.unified_cgroup_hierarchy");
}

std::optional<std::string> CgroupTree::path_of(uint64_t id) const {
    auto it = paths_.find(id);
    if (it == paths_.end()) return std::nullopt;
    return it->second;
}

std::vector<uint64_t> CgroupTree::ids() const {
    std::vector<uint64_t> out;
    out.reserve(paths_.size());
    for (const auto& [id, path] : paths_)
        out.push_back(id);
    return out;
}

size_t CgroupTree::rescan() {
    paths_.clear();
    struct stat st {};
    if (::stat(root_.c_str(), &st) != 0) return 0;
    paths_[st.st_ino] = "/";
    // Depth first with an explicit stack. readdir's d_ino is the inode, which on
    // cgroupfs (kernfs) is the cgroup id: no stat() per cgroup. Cgroups come and
    // go while we walk: one that vanished is skipped.
    std::vector<std::string> stack{""};
    while (!stack.empty()) {
        std::string rel = std::move(stack.back());
        stack.pop_back();
        std::string dir = root_ + rel;
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr) continue;
        while (const dirent* e = ::readdir(d)) {
            if (e->d_type != DT_DIR) continue;
            std::string_view name = e->d_name;
            if (name == "." || name == "..") continue;
            std::string child = rel + "/" + std::string(name);
            paths_[e->d_ino] = child;
            stack.push_back(std::move(child));
        }
        ::closedir(d);
    }
    return paths_.size();
}

}  // namespace probelog::containers
