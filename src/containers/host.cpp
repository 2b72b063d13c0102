#include "containers/host.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "containers/oci_bundle.hpp"
#include "containers/path_resolver.hpp"
#include "containers/runtime_api.hpp"

namespace probelog::containers {

Result<CgroupRoot> host_cgroup_root() {
    std::ifstream in("/proc/self/mounts");
    std::stringstream text;
    text << in.rdbuf();
    const char* v1 = std::getenv("PROBELOG_CGROUP_V1");
    return find_cgroup_root(text.str(), v1 != nullptr && std::string_view(v1) == "1");
}

Result<std::unique_ptr<Enricher>> make_host_enricher(bool following) {
    auto found = host_cgroup_root();
    if (!found) return found.error();
    auto root = std::move(found->path);
    // Without inotify the watch (Enricher::watch) walks the hierarchy instead.
    std::optional<CgroupWatch> watch;
    if (auto w = CgroupWatch::open(root); w) watch.emplace(std::move(*w));
    std::chrono::milliseconds interval = watch       ? std::chrono::milliseconds(50)
                                         : following ? std::chrono::milliseconds(100)
                                                     : std::chrono::milliseconds(1000);
    CgroupTree tree(std::move(root));
    tree.rescan();
    std::vector<uint64_t> existing = tree.ids();
    auto enricher = std::make_unique<Enricher>(std::make_unique<PathResolver>(
        std::move(tree),
        [api = RuntimeApi()](ContainerInfo& info) mutable {
            // A runtime that is not there or does not answer leaves the names
            // out; the bundle's annotations fill what is still missing (the
            // pods of containerd and cri-o, whose CRI is gRPC).
            bool asked = api.describe(info).ok();
            bool read = describe_from_bundle(info);
            return asked || read;
        },
        std::move(watch)));
    // Containers that run already are known from their first record on.
    enricher->prefetch(existing);
    // Containers started later: known as their cgroup appears, before their
    // first exec, rather than from their first record.
    enricher->watch(interval);
    return enricher;
}

}  // namespace probelog::containers
