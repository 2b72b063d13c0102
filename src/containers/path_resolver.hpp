#pragma once
// The Enricher's Resolver on a real host: cgroup id -> path (CgroupTree) ->
// container (parse_container_path), then names from the runtime's API when a
// Describer is given.

#include <functional>
#include <memory>

#include "containers/cgroup_tree.hpp"
#include "containers/enricher.hpp"

namespace probelog::containers {

class PathResolver : public Resolver {
  public:
    // `describe` (may be empty) adds names and pod labels; it runs on the worker.
    using Describe = std::function<bool(ContainerInfo&)>;
    PathResolver(CgroupTree tree, Describe describe)
        : tree_(std::move(tree)), describe_(std::move(describe)) {}

    void resolve(const std::vector<uint64_t>& ids,
                 std::vector<std::optional<ContainerInfo>>& out) override;
    bool describe(ContainerInfo& info) override { return describe_ && describe_(info); }

  private:
    CgroupTree tree_;
    Describe describe_;
};

}  // namespace probelog::containers
