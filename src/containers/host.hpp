#pragma once
// The Enricher for this host: its cgroup v2 hierarchy, and the container
// runtimes' APIs for names.

#include <memory>

#include "common/result.hpp"
#include "containers/enricher.hpp"

namespace probelog::containers {

// Fails (Unsupported) on a host without a cgroup v2 hierarchy. The Enricher
// watches for new cgroups: with inotify, every 50 ms (a read that finds
// nothing costs a syscall); without it by walking the hierarchy, every 100 ms
// when `following` (a container filter depends on it), else every second.
Result<std::unique_ptr<Enricher>> make_host_enricher(bool following);

}  // namespace probelog::containers
