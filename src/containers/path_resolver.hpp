#pragma once
// The Enricher's Resolver on a real host: cgroup id -> path (CgroupTree) ->
// container (parse_container_path), then names from the runtime's API when a
// Describer is given.

#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

#include "containers/cgroup_tree.hpp"
#include "containers/cgroup_watch.hpp"
#include "containers/enricher.hpp"

namespace probelog::containers {

class PathResolver : public Resolver {
  public:
    // `describe` (may be empty) adds names and pod labels; it runs on the worker.
    using Describe = std::function<bool(ContainerInfo&)>;
    // The cgroups `tree` has seen already are not new to discover(). With a
    // `watch`, discover() takes the cgroups it reports (a read that does not
    // block) instead of walking the whole hierarchy each time.
    PathResolver(CgroupTree tree, Describe describe,
                 std::optional<CgroupWatch> watch = std::nullopt);

    void resolve(const std::vector<uint64_t>& ids,
                 std::vector<std::optional<ContainerInfo>>& out) override;
    bool describe(ContainerInfo& info) override { return describe_ && describe_(info); }
    // The cgroups not seen before: from the watch, or a walk of the hierarchy.
    std::vector<uint64_t> discover(std::vector<uint64_t>& gone) override;

  private:
    CgroupTree tree_;
    Describe describe_;
    std::unordered_set<uint64_t> seen_;
    std::optional<CgroupWatch> watch_;
};

}  // namespace probelog::containers
