#pragma once
// Which containers --container and --containers-only select.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "containers/container_info.hpp"

namespace probelog::containers {

struct ContainerSelection {
    std::vector<std::string> names_or_ids;  // --container (repeatable)
    bool containers_only = false;           // --containers-only

    bool active() const { return containers_only || !names_or_ids.empty(); }
    // A container the selection keeps: any container with --containers-only;
    // else one whose name equals a selector or whose id starts with it (an id
    // prefix, as docker and podman take it).
    bool matches(const ContainerInfo& c) const;
    // The selector `c` matches, or "" (for the report of what was found).
    std::string_view which(const ContainerInfo& c) const;
};

// A --container value: a name or an id (prefix). Checked for what a runtime
// accepts as a name ([a-zA-Z0-9][a-zA-Z0-9_.-]*).
Status check_container_selector(std::string_view value);

}  // namespace probelog::containers
