#include "policy/policy_set.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "common/parse.hpp"
#include "config/config.hpp"

namespace probelog::policy {
namespace {

bool is_policy_name(const std::string& name) {
    if (name.starts_with('.')) return false;  // ..data, ..2024_01_01..., editors' .x.swp
    std::string lowered = lower(name);
    return lowered.ends_with(".yaml") || lowered.ends_with(".yml");
}

void load_file(const std::string& path, PolicySet& set, std::vector<std::string>& problems) {
    auto text = config::read_config_file(path);
    if (!text) {
        problems.push_back(
            fmt::format("{}: cannot read the policy file: {}", path, text.error().message));
        return;
    }
    Loaded loaded = parse_policy(*text, path);
    problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());
    for (Policy& policy : loaded.set.policies)
        set.policies.push_back(std::move(policy));
}

void load_dir(const std::string& dir, PolicySet& set, std::vector<std::string>& problems) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        problems.push_back(
            fmt::format("{}: cannot read the policy directory: {}", dir, std::strerror(errno)));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        problems.push_back(fmt::format(
            "{}: not a directory; give a file with --policy, a directory with --policy-dir", dir));
        return;
    }
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    std::vector<std::string> names;
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (is_policy_name(name)) names.push_back(std::move(name));
    }
    if (ec) {
        problems.push_back(
            fmt::format("{}: cannot list the policy directory: {}", dir, ec.message()));
        return;
    }
    if (names.size() > kMaxFiles) {
        problems.push_back(fmt::format("{}: {} policy files; at most {} in a directory: merge some",
                                       dir, names.size(), kMaxFiles));
        return;
    }
    std::sort(names.begin(), names.end());
    std::string prefix = dir.ends_with('/') ? dir : dir + "/";
    for (const std::string& name : names)
        load_file(prefix + name, set, problems);
}

// The content of an item that a diff compares: everything but its location.
struct TraceContent {
    std::string trace;
    std::vector<std::pair<std::string, std::string>> options;  // sorted
    bool enabled = true;
    bool operator==(const TraceContent&) const = default;
};

struct Content {
    ItemKind kind = ItemKind::Trace;
    TraceContent trace;
    std::string spec;
    bool enabled = true;
    const Filters* filters = nullptr;

    bool same(const Content& other) const {
        return kind == other.kind && trace == other.trace && spec == other.spec &&
               enabled == other.enabled && *filters == *other.filters;
    }
};

std::map<ItemKey, Content> contents(const PolicySet& set) {
    std::map<ItemKey, Content> out;
    for (const Policy& policy : set.policies) {
        for (const TraceItem& item : policy.traces) {
            Content c;
            c.kind = ItemKind::Trace;
            c.trace = TraceContent{item.trace, item.options, item.enabled};
            std::sort(c.trace.options.begin(), c.trace.options.end());
            c.enabled = item.enabled;
            c.filters = &policy.filters;
            out.emplace(ItemKey{policy.name, ItemKind::Trace, item.name}, std::move(c));
        }
        for (const ProbeItem& item : policy.probes) {
            Content c;
            c.kind = ItemKind::Probe;
            c.spec = item.spec;
            c.enabled = item.enabled;
            c.filters = &policy.filters;
            out.emplace(ItemKey{policy.name, ItemKind::Probe, item.name}, std::move(c));
        }
    }
    return out;
}

}  // namespace

void check_set(const PolicySet& set, std::vector<std::string>& problems) {
    std::map<std::string, const Policy*> names;
    struct Owner {
        const Policy* policy;
        const TraceItem* item;
    };
    std::map<std::string, Owner> traces;
    size_t probes = 0;
    for (const Policy& policy : set.policies) {
        auto [named, fresh] = names.emplace(policy.name, &policy);
        if (!fresh) {
            problems.push_back(fmt::format(
                "{}:1: policy name '{}' is also the name of {}; policy names are unique: give one "
                "another name (name: NAME)",
                policy.file, policy.name, named->second->file));
        }
        for (const TraceItem& item : policy.traces) {
            auto [owner, first] = traces.emplace(item.trace, Owner{&policy, &item});
            if (first) continue;
            problems.push_back(fmt::format(
                "{}:{}: trace '{}' is also in policy '{}' ({}:{}); a built-in trace can be in one "
                "policy only: remove one",
                item.at.file, item.at.line, item.trace, owner->second.policy->name,
                owner->second.item->at.file, owner->second.item->at.line));
        }
        for (const ProbeItem& item : policy.probes) {
            if (++probes == kMaxProbes + 1) {
                problems.push_back(fmt::format(
                    "{}:{}: probe '{}' is probe number {}; at most {} probes in all the policies: "
                    "remove some",
                    item.at.file, item.at.line, item.name, probes, kMaxProbes));
            }
        }
    }
}

Loaded load_policies(const std::vector<std::string>& files, const std::vector<std::string>& dirs) {
    Loaded loaded;
    for (const std::string& file : files)
        load_file(file, loaded.set, loaded.problems);
    for (const std::string& dir : dirs)
        load_dir(dir, loaded.set, loaded.problems);
    check_set(loaded.set, loaded.problems);
    if (!loaded.problems.empty()) loaded.set = PolicySet{};
    return loaded;
}

Diff diff(const PolicySet& before, const PolicySet& after) {
    std::map<ItemKey, Content> old_items = contents(before);
    std::map<ItemKey, Content> new_items = contents(after);
    Diff d;
    for (const auto& [key, content] : new_items) {
        auto old = old_items.find(key);
        if (old == old_items.end()) {
            d.added.push_back(key);
        } else if (old->second.same(content)) {
            d.unchanged.push_back(key);
        } else {
            d.changed.push_back(key);
        }
    }
    for (const auto& [key, content] : old_items) {
        if (!new_items.contains(key)) d.removed.push_back(key);
    }
    return d;
}

std::string to_string(const ItemKey& key) {
    return fmt::format("{}/{}/{}", key.policy, key.kind == ItemKind::Trace ? "trace" : "probe",
                       key.name);
}

}  // namespace probelog::policy
