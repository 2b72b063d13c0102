#pragma once
// The run's container side: the Enricher that adds container fields to every
// record and, with --container or --containers-only, the kernel's container
// filter (pl_cgroups), filled with the selected containers' cgroups as they
// are found: at start, and later by a watch of the cgroup hierarchy.

#include <memory>
#include <string>
#include <string_view>

#include "bpf/runtime.hpp"
#include "common/result.hpp"
#include "containers/enricher.hpp"
#include "containers/selector.hpp"

namespace probelog {

// What the run prints (the agent's one place for messages).
using SayFn = void (*)(std::string_view);

// `runtime` must outlive the Enricher. Without a selection, a host with no
// cgroup v2 hierarchy is not an error (records go without container fields):
// the result is then null and `note` says why. `probes_need_it`: probes find
// their files in the selected container, so a container that does not run is
// an error rather than one to wait for.
Result<std::unique_ptr<containers::Enricher>> start_containers(
    const containers::ContainerSelection& selection, bpf::Runtime& runtime, SayFn say,
    std::string& note, bool probes_need_it);

// With --container, the task whose file system the probes' paths name: a task
// of the one running container the selection matches. An error when none runs
// (or it exits meanwhile) or several do: a path means one file system.
Result<int> container_files_task(const containers::ContainerSelection& selection,
                                 containers::Enricher& enricher);

}  // namespace probelog
