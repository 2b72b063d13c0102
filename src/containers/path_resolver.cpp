#include "containers/path_resolver.hpp"

#include "containers/cgroup_path.hpp"

namespace probelog::containers {

PathResolver::PathResolver(CgroupTree tree, Describe describe, std::optional<CgroupWatch> watch)
    : tree_(std::move(tree)), describe_(std::move(describe)), watch_(std::move(watch)) {
    for (uint64_t id : tree_.ids())
        seen_.insert(id);
}

std::vector<uint64_t> PathResolver::discover(std::vector<uint64_t>& gone) {
    std::vector<uint64_t> fresh;
    if (watch_) {
        std::vector<CgroupWatch::Created> created;
        bool complete = watch_->take_changes(created, gone);
        for (uint64_t id : gone)
            seen_.erase(id);
        for (CgroupWatch::Created& c : created) {
            if (seen_.insert(c.id).second) fresh.push_back(c.id);
            tree_.add(c.id, std::move(c.path));
        }
        if (complete) return fresh;
        // Events were lost: the walk below finds what they said.
    }
    tree_.rescan();
    for (uint64_t id : tree_.ids()) {
        if (seen_.insert(id).second) fresh.push_back(id);
    }
    return fresh;
}

void PathResolver::resolve(const std::vector<uint64_t>& ids,
                           std::vector<std::optional<ContainerInfo>>& out) {
    out.assign(ids.size(), std::nullopt);
    // A cgroup the last walk did not see is new: walk once for the whole batch.
    bool rescanned = false;
    for (size_t i = 0; i < ids.size(); ++i) {
        seen_.insert(ids[i]);
        std::optional<std::string> path = tree_.path_of(ids[i]);
        if (!path && !rescanned) {
            tree_.rescan();
            rescanned = true;
            path = tree_.path_of(ids[i]);
        }
        if (!path) continue;  // gone before we looked: its records stay as they are
        std::optional<ContainerPath> c = parse_container_path(*path);
        if (!c) continue;
        ContainerInfo info;
        info.id = std::move(c->id);
        info.runtime = std::move(c->runtime);
        info.pod_uid = std::move(c->pod_uid);
        out[i] = std::move(info);
    }
}

}  // namespace probelog::containers
