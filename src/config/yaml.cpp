// Fluent Bit's YAML format:
//   env:      {NAME: value}          (then ${NAME} in values)
//   includes: [other.yaml]
//   service:  {flush: 1, ...}
//   pipeline:
//     inputs:  [{name: ebpf, trace: [trace_exec, trace_vfs], poll_ms: 500}]
//     outputs: [{name: stdout, match: '*'}]
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "config/sections.hpp"

namespace probelog::config::detail {
namespace {

int line_of(const YAML::Node& node) {
    int line = node.Mark().line;
    return line >= 0 ? line + 1 : 1;
}

std::string key_of(const YAML::Node& key) {
    return key.IsScalar() ? key.Scalar() : std::string("?");
}

// One property per value: a scalar, or each scalar of a list.
Status add_property(Section& section, const YAML::Node& key_node, const YAML::Node& value,
                    const std::string& file, LoadState& state) {
    std::string key = key_of(key_node);
    auto add = [&](const YAML::Node& scalar) -> Status {
        auto expanded = expand(scalar.Scalar(), state, file, line_of(scalar));
        if (!expanded) return expanded.error();
        if (expanded->empty()) return error_at(file, line_of(scalar), "'{}' has no value", key);
        section.properties.push_back(Property{key, *expanded, file, line_of(scalar)});
        return {};
    };
    if (value.IsScalar()) return add(value);
    if (value.IsNull()) return error_at(file, line_of(key_node), "'{}' has no value", key);
    if (value.IsSequence()) {
        for (const YAML::Node& item : value) {
            if (!item.IsScalar()) {
                return error_at(file, line_of(item), "'{}' must be a value or a list of values",
                                key);
            }
            if (Status st = add(item); !st) return st;
        }
        return {};
    }
    if (lower(key) == "processors") {
        return error_at(file, line_of(value), "processors are not supported by probelog");
    }
    return error_at(file, line_of(value), "'{}' must be a value or a list of values", key);
}

Status add_section(const char* kind, const YAML::Node& map, const std::string& file,
                   LoadState& state) {
    if (!map.IsMap()) {
        return error_at(file, line_of(map), "each {} must be a mapping of keys (name: ..., ...)",
                        kind);
    }
    Section section{kind, file, line_of(map), {}};
    for (const auto& kv : map) {
        if (Status st = add_property(section, kv.first, kv.second, file, state); !st) return st;
    }
    state.sections.push_back(std::move(section));
    return {};
}

Status load_plugins(const char* kind, const YAML::Node& list, const std::string& file,
                    LoadState& state) {
    if (list.IsNull()) return {};
    if (!list.IsSequence()) {
        return error_at(file, line_of(list), "{}s must be a list (- name: ...)", kind);
    }
    for (const YAML::Node& item : list) {
        if (Status st = add_section(kind, item, file, state); !st) return st;
    }
    return {};
}

Status load_pipeline(const YAML::Node& pipeline, const std::string& file, LoadState& state) {
    if (!pipeline.IsMap()) {
        return error_at(file, line_of(pipeline), "pipeline must hold inputs: and outputs:");
    }
    for (const auto& kv : pipeline) {
        std::string key = lower(key_of(kv.first));
        Status st;
        if (key == "inputs") {
            st = load_plugins("input", kv.second, file, state);
        } else if (key == "outputs") {
            st = load_plugins("output", kv.second, file, state);
        } else if (key == "filters") {
            st = error_at(file, line_of(kv.first),
                          "filters are not supported (probelog takes pipeline inputs: name "
                          "ebpf and outputs: stdout/file)");
        } else {
            st = error_at(file, line_of(kv.first),
                          "unknown pipeline key '{}' (expected inputs or outputs)",
                          key_of(kv.first));
        }
        if (!st) return st;
    }
    return {};
}

Status load_document(const YAML::Node& root, const std::string& file, LoadState& state) {
    if (root.IsNull()) return {};
    if (!root.IsMap()) {
        return error_at(file, line_of(root), "expected service:, pipeline: ... at the top level");
    }
    // env: first, so that ${NAME} works anywhere in the file.
    for (const auto& kv : root) {
        if (lower(key_of(kv.first)) != "env") continue;
        if (!kv.second.IsMap())
            return error_at(file, line_of(kv.second), "env must map names to values");
        for (const auto& var : kv.second) {
            if (!var.second.IsScalar()) {
                return error_at(file, line_of(var.second), "env {} must be a value",
                                key_of(var.first));
            }
            auto value = expand(var.second.Scalar(), state, file, line_of(var.second));
            if (!value) return value.error();
            state.variables[key_of(var.first)] = *value;
        }
    }
    for (const auto& kv : root) {
        std::string key = lower(key_of(kv.first));
        int line = line_of(kv.first);
        Status st;
        if (key == "env") {
            continue;
        } else if (key == "includes") {
            if (!kv.second.IsSequence())
                return error_at(file, line, "includes must be a list of files");
            for (const YAML::Node& item : kv.second) {
                if (!item.IsScalar())
                    return error_at(file, line_of(item), "an include must be a file name");
                if (Status inc = load_include(item.Scalar(), state, file, line_of(item)); !inc)
                    return inc;
            }
        } else if (key == "service") {
            st = add_section("service", kv.second, file, state);
        } else if (key == "pipeline") {
            st = load_pipeline(kv.second, file, state);
        } else if (key == "parsers" || key == "multiline_parsers" || key == "plugins" ||
                   key == "upstream_servers" || key == "customs" || key == "stream_processor") {
            st = error_at(file, line,
                          "'{}' is not supported (probelog takes service:, env:, "
                          "includes: and pipeline:)",
                          key_of(kv.first));
        } else {
            st =
                error_at(file, line,
                         "unknown top-level key '{}' (expected service, pipeline, env or includes)",
                         key_of(kv.first));
        }
        if (!st) return st;
    }
    return {};
}

}  // namespace

Status load_yaml(std::string_view text, const std::string& file, LoadState& state) {
    // yaml-cpp reports errors by exception; none leaves this function.
    try {
        YAML::Node root = YAML::Load(std::string(text));
        return load_document(root, file, state);
    } catch (const YAML::DeepRecursion& e) {
        int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
        return error_at(file, line,
                        "YAML nested deeper than {} levels (a Fluent Bit config needs a few): "
                        "an unclosed [ or {{?",
                        e.depth());
    } catch (const YAML::Exception& e) {
        int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
        return error_at(file, line, "not valid YAML: {}", e.msg);
    }
}

}  // namespace probelog::config::detail
