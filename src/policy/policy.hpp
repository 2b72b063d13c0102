#pragma once
// Policy files (issue 21): YAML files that say which built-in traces and which
// probes run, with which options and process filters. `probelog --policy FILE`
// and `--policy-dir DIR` read them and apply changes live; docs/POLICIES.md
// describes every key.
//
// This half is pure: a file's text in, a Policy or problems out. Every problem
// is one line, "FILE:LINE: what is wrong; what to do", and all of a file's
// problems are found in one pass. A file with any problem gives no policy.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace probelog::policy {

// Where an item was written: for messages only. Diffs ignore it (moving an
// item down a line is not a change).
struct Location {
    std::string file;
    int line = 0;  // 1-based
    bool operator==(const Location&) const = default;
};

struct TraceItem {
    std::string name;   // the item's name (default: the trace's)
    std::string trace;  // the canonical built-in trace name ("exec", never "trace_exec")
    // The trace's own options, by config key ("exec_args"), each value ready
    // for its OptionDef::apply: flags are "true"/"false", comma-separated and
    // YAML-list values are one pair per value. In the order written.
    std::vector<std::pair<std::string, std::string>> options;
    bool enabled = true;
    Location at;
    bool operator==(const TraceItem&) const = default;
};

struct ProbeItem {
    std::string name;  // required: records carry it
    std::string spec;  // as written; parses with probes::parse_probe_spec
    bool enabled = true;
    Location at;
    bool operator==(const ProbeItem&) const = default;
};

// Which processes the policy's items record. Each list is sorted, without
// duplicates; an empty list does not filter.
struct Filters {
    std::vector<uint32_t> pids;
    std::vector<std::string> comms;
    std::vector<std::string> cgroups;
    std::vector<std::string> containers;
    bool operator==(const Filters&) const = default;
};

struct Policy {
    std::string name;  // default: the file's name without .yaml / .yml
    std::string file;  // as given to parse_policy / load_policies
    std::vector<TraceItem> traces;
    std::vector<ProbeItem> probes;
    Filters filters;
    bool operator==(const Policy&) const = default;
};

struct PolicySet {
    std::vector<Policy> policies;
    bool operator==(const PolicySet&) const = default;
};

// What a parse or load gives: with any problem, an empty set (nothing of it
// may be applied; keep what runs) and one line per problem.
struct Loaded {
    PolicySet set;
    std::vector<std::string> problems;
    bool ok() const { return problems.empty(); }
};

// Limits (docs/POLICIES.md).
constexpr size_t kMaxNameLength = 64;     // policy and item names: [A-Za-z0-9_.-]{1,64}
constexpr size_t kMaxFilterEntries = 64;  // per filter list
constexpr size_t kMaxCommLength = 15;     // the kernel's TASK_COMM_LEN - 1
constexpr uint32_t kMaxPid = 4194304;     // the kernel's PID_MAX_LIMIT
constexpr size_t kMaxProbes = 512;        // probes in a whole set
constexpr size_t kMaxFiles = 64;          // policy files read from one directory
constexpr size_t kMaxProblems = 100;      // per file; then "... and N more"

// One file's text. `file` names it in problems and gives the default policy
// name. A pure function of its arguments: nothing is read, nothing throws.
Loaded parse_policy(std::string_view text, const std::string& file);

// Whether `name` is a valid policy or item name.
bool valid_name(std::string_view name);

// "dir/web.yaml" -> "web".
std::string default_policy_name(std::string_view file);

}  // namespace probelog::policy
