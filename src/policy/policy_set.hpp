#pragma once
// Policy files read from disk (--policy FILE, --policy-dir DIR), checked as a
// set, and what changed between two sets: what the agent attaches, detaches
// or re-attaches when a file changes or on SIGHUP (docs/POLICIES.md).

#include <compare>
#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace probelog::policy {

// Reads each file, then each directory's *.yaml / *.yml entries in name order
// (names starting with '.' skipped: a Kubernetes ConfigMap mount's ..data and
// ..2024_* entries; symlinks followed to regular files; at most kMaxFiles per
// directory). Every file is parsed and the whole set checked: policy names
// unique, a built-in trace in one policy only, at most kMaxProbes probes.
// With any problem the set is empty: nothing of it may be applied. An empty
// directory gives an empty set, without a problem.
Loaded load_policies(const std::vector<std::string>& files, const std::vector<std::string>& dirs);

// The checks across policies, adding to `problems` (load_policies runs them).
void check_set(const PolicySet& set, std::vector<std::string>& problems);

enum class ItemKind { Trace, Probe };

// An item, as a diff names it: by its policy's name, kind and name.
struct ItemKey {
    std::string policy;
    ItemKind kind = ItemKind::Trace;
    std::string name;
    auto operator<=>(const ItemKey&) const = default;
    bool operator==(const ItemKey&) const = default;
};

// Each list sorted. An item is `changed` when anything but its location
// differs (options compared without regard to their order), or when its
// policy's filters differ. Disabled items are compared like any other: one
// enabled in `before` and disabled in `after` is changed.
struct Diff {
    std::vector<ItemKey> added;
    std::vector<ItemKey> removed;
    std::vector<ItemKey> changed;
    std::vector<ItemKey> unchanged;
    // Nothing added, removed or changed.
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

Diff diff(const PolicySet& before, const PolicySet& after);

// "web/trace/execs", for logs.
std::string to_string(const ItemKey& key);

}  // namespace probelog::policy
