#include "agent/container_filter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_set>

#include "containers/host.hpp"
#include "containers/task_finder.hpp"

namespace probelog {
namespace {

Error no_container_for_probes(std::string_view names) {
    return make_error(ErrorKind::Usage,
                      "--probe with --container {}: no such container is running; a probe's file "
                      "is found in the container's file system, so start the container first (or "
                      "name the file by its path on the host)",
                      names);
}

}  // namespace

Result<std::unique_ptr<containers::Enricher>> start_containers(
    const containers::ContainerSelection& selection, bpf::Runtime& runtime, SayFn say,
    std::string& note, bool probes_need_it) {
    auto made = containers::make_host_enricher(selection.active());
    if (!made) {
        if (selection.active()) return made.error().prefixed("--container: ");
        note = made.error().message;
        return std::unique_ptr<containers::Enricher>();
    }
    std::unique_ptr<containers::Enricher> enricher = std::move(*made);
    if (!selection.active()) return enricher;

    // Called on the reader's thread for each container as it becomes known
    // (again once the runtime has named it).
    auto added = std::make_shared<std::unordered_set<uint64_t>>();
    enricher->set_on_container(
        [&runtime, selection, added, say](uint64_t cgroup_id, const containers::ContainerInfo& c) {
            if (!selection.matches(c) || !added->insert(cgroup_id).second) return;
            if (Status st = runtime.add_cgroup(cgroup_id); !st) {
                say(st.error().message);
                return;
            }
            if (!selection.names_or_ids.empty()) {
                say(fmt::format("following container {} ({})", c.name.empty() ? "?" : c.name,
                                c.id.substr(0, 12)));
            }
        });
    // The filter map has room for PL_CGROUP_FILTER_MAX cgroups at once: a
    // container's leaves once it is gone.
    enricher->set_on_gone([&runtime, added](uint64_t cgroup_id) {
        if (added->erase(cgroup_id) != 0) runtime.remove_cgroup(cgroup_id);
    });
    // The containers that run now are in the filter before the first drain.
    enricher->wait_idle();
    for (const std::string& s : selection.names_or_ids) {
        bool found = false;
        enricher->for_each_container([&](uint64_t, const containers::ContainerInfo& c) {
            found = found || selection.which(c) == s;
        });
        if (!found && probes_need_it) return no_container_for_probes(s);
        if (!found) {
            say(
                fmt::format("--container {}: no such container is running; its tasks are traced "
                            "once it starts",
                            s));
        }
    }
    return enricher;
}

Result<int> container_files_task(const containers::ContainerSelection& selection,
                                 containers::Enricher& enricher) {
    std::string names = fmt::format("{}", fmt::join(selection.names_or_ids, ", "));
    std::vector<containers::ContainerInfo> matched;
    enricher.for_each_container([&](uint64_t, const containers::ContainerInfo& c) {
        bool known = std::any_of(matched.begin(), matched.end(),
                                 [&](const containers::ContainerInfo& m) { return m.id == c.id; });
        if (!c.id.empty() && selection.matches(c) && !known) matched.push_back(c);
    });
    if (matched.empty()) return no_container_for_probes(names);
    if (matched.size() > 1) {
        std::vector<std::string> which;
        for (const containers::ContainerInfo& c : matched)
            which.push_back(c.name.empty() ? c.id.substr(0, 12) : c.name);
        return make_error(ErrorKind::Usage,
                          "--probe with --container {}: {} containers match ({}); a probe's path "
                          "names a file in one container's file system: name one container",
                          names, matched.size(), fmt::join(which, ", "));
    }
    std::optional<int> pid = containers::find_container_task(matched[0].id);
    if (!pid) {
        return make_error(
            "--probe with --container {}: container {} exited while probelog looked "
            "for its tasks",
            names, matched[0].id.substr(0, 12));
    }
    return *pid;
}

}  // namespace probelog
