#pragma once
// The Enricher for this host: its cgroup v2 hierarchy, and the container
// runtimes' APIs for names.

#include <memory>

#include "common/result.hpp"
#include "containers/enricher.hpp"

namespace probelog::containers {

// Fails (Unsupported) on a host without a cgroup v2 hierarchy.
Result<std::unique_ptr<Enricher>> make_host_enricher();

}  // namespace probelog::containers
