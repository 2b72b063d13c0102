#include "containers/host.hpp"

#include <fstream>
#include <sstream>

#include "containers/path_resolver.hpp"
#include "containers/runtime_api.hpp"

namespace probelog::containers {

Result<std::unique_ptr<Enricher>> make_host_enricher() {
    std::ifstream in("/proc/self/mounts");
    std::stringstream text;
    text << in.rdbuf();
    auto root = find_cgroup2_mount(text.str());
    if (!root) return root.error();
    CgroupTree tree(std::move(*root));
    tree.rescan();
    std::vector<uint64_t> existing = tree.ids();
    auto enricher = std::make_unique<Enricher>(
        std::make_unique<PathResolver>(std::move(tree), [api = RuntimeApi()](ContainerInfo& info) {
            // A runtime that is not there or does not answer leaves the names out.
            return api.describe(info).ok();
        }));
    // Containers that run already are known from their first record on.
    enricher->prefetch(existing);
    return enricher;
}

}  // namespace probelog::containers
