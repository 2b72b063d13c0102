#pragma once
// The Enricher for this host: its cgroup v2 hierarchy, and the container
// runtimes' APIs for names.

#include <memory>

#include "common/result.hpp"
#include "containers/cgroup_tree.hpp"
#include "containers/enricher.hpp"

namespace probelog::containers {

// The hierarchy whose cgroups records name (find_cgroup_root over this host's
// mounts). PROBELOG_CGROUP_V1=1 takes the v1 memory controller's even where v2
// is mounted: the tests of v1-only hosts, on a hybrid one.
Result<CgroupRoot> host_cgroup_root();

// Fails (Unsupported) on a host with neither cgroup v2 nor a v1 memory
// controller. The Enricher
// watches for new cgroups: with inotify, every 50 ms (a read that finds
// nothing costs a syscall); without it by walking the hierarchy, every 100 ms
// when `following` (a container filter depends on it), else every second.
Result<std::unique_ptr<Enricher>> make_host_enricher(bool following);

}  // namespace probelog::containers
