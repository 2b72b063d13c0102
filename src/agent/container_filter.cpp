#include "agent/container_filter.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "containers/host.hpp"

namespace probelog {

Result<std::unique_ptr<containers::Enricher>> start_containers(
    const containers::ContainerSelection& selection, bpf::Runtime& runtime, SayFn say,
    std::string& note) {
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
        if (!found) {
            say(
                fmt::format("--container {}: no such container is running; its tasks are traced "
                            "once it starts",
                            s));
        }
    }
    return enricher;
}

}  // namespace probelog
