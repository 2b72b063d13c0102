#include "containers/cgroup_tree.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <optional>
#include <vector>

namespace probelog::containers {

namespace {

// Calls f(dir, type, options) for each line of /proc/self/mounts text
// ("cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0").
template <typename F>
void for_each_mount(std::string_view mounts, F f) {
    size_t pos = 0;
    while (pos < mounts.size()) {
        size_t end = mounts.find('\n', pos);
        if (end == std::string_view::npos) end = mounts.size();
        std::string_view line = mounts.substr(pos, end - pos);
        pos = end + 1;
        std::string_view fields[4];
        size_t n = 0;
        for (size_t at = 0; n < 4 && at <= line.size();) {
            size_t space = line.find(' ', at);
            if (space == std::string_view::npos) space = line.size();
            fields[n++] = line.substr(at, space - at);
            at = space + 1;
        }
        if (n == 4) f(fields[1], fields[2], fields[3]);
    }
}

}  // namespace

Result<std::string> find_cgroup2_mount(std::string_view mounts) {
    // Prefer /sys/fs/cgroup itself; else the first cgroup2 mount (the hybrid
    // layout's).
    std::optional<std::string> first;
    for_each_mount(mounts, [&](std::string_view dir, std::string_view type, std::string_view) {
        if (type != "cgroup2") return;
        if (dir == "/sys/fs/cgroup") first = std::string(dir);
        if (!first) first = std::string(dir);
    });
    if (first) return *first;
    return make_error(ErrorKind::Unsupported,
                      "no cgroup v2 hierarchy is mounted (see /proc/mounts): records cannot be "
                      "matched to containers; mount one (mount -t cgroup2 none "
                      "/sys/fs/cgroup/unified) or boot with systemd.unified_cgroup_hierarchy");
}

Result<CgroupRoot> find_cgroup_root(std::string_view mounts, bool prefer_v1) {
    auto v2 = find_cgroup2_mount(mounts);
    if (v2 && !prefer_v1) return CgroupRoot{*v2, false};
    std::optional<std::string> memory;
    for_each_mount(mounts,
                   [&](std::string_view dir, std::string_view type, std::string_view options) {
                       if (type != "cgroup" || memory) return;
                       for (size_t at = 0; at <= options.size();) {
                           size_t comma = options.find(',', at);
                           if (comma == std::string_view::npos) comma = options.size();
                           if (options.substr(at, comma - at) == "memory")
                               memory = std::string(dir);
                           at = comma + 1;
                       }
                   });
    if (memory) return CgroupRoot{*memory, true};
    if (v2) return CgroupRoot{*v2, false};
    return make_error(ErrorKind::Unsupported,
                      "no cgroup v2 hierarchy and no v1 memory controller are mounted (see "
                      "/proc/mounts): records cannot be matched to containers");
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
