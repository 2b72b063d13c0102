#include "policy/policy.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "agent/options.hpp"
#include "common/option_def.hpp"
#include "common/parse.hpp"
#include "probes/spec.hpp"
#include "traces/trace.hpp"

namespace probelog::policy {
namespace {

// What of a file's text a message quotes: a YAML value can be a 1 MiB line.
constexpr size_t kMaxQuoted = 80;
// What of a check's own message (which may quote a file's text too) a problem shows.
constexpr size_t kMaxMessage = 1000;

// `text` for a message: control characters as \xNN (a problem is one line),
// cut after `max` characters (what a file says; not the messages of our own
// checks, which are bounded).
std::string shown(std::string_view text, size_t max = kMaxQuoted) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (i == max) {
            out += fmt::format("... ({} more characters)", text.size() - i);
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += text[i];
        }
    }
    return out;
}

int line_of(const YAML::Node& node, int fallback) {
    int line = node.Mark().line;
    return line >= 0 ? line + 1 : fallback;
}

std::string_view kind_of(const YAML::Node& node) {
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a mapping";
    if (node.IsNull()) return "empty";
    return "a value";
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
        out += items[i];
    }
    return out;
}

// "a, b,c" -> {"a", "b", "c"}, as a config file's comma-separated values.
std::vector<std::string> split_commas(std::string_view value) {
    std::vector<std::string> items;
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    while (true) {
        size_t comma = value.find(',');
        std::string_view item = trim(value.substr(0, comma));
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return items;
}

class Parser {
  public:
    explicit Parser(const std::string& file) : file_(file) {}

    Loaded run(std::string_view text);

  private:
    template <typename... Args>
    void problem(int line, fmt::format_string<Args...> format, Args&&... args) {
        problems_.push_back(fmt::format("{}:{}: {}", file_, line,
                                        fmt::format(format, std::forward<Args>(args)...)));
    }

    // The value of `key` as a scalar; false (and a problem) if it is not one.
    bool scalar(const YAML::Node& key, const YAML::Node& value, std::string_view expected,
                std::string& out);
    // Each key of `map` once: false for a key that is not a value or is repeated.
    bool new_key(const YAML::Node& key, std::set<std::string>& seen);
    bool enabled_value(const YAML::Node& key, const YAML::Node& value, bool& out);
    void check_name(const YAML::Node& key, const std::string& name, std::string_view what);

    void parse_document(const YAML::Node& root);
    void parse_traces(const YAML::Node& key, const YAML::Node& list);
    void parse_trace(const YAML::Node& item);
    void parse_options(const YAML::Node& map, const TraceDef& def, TraceItem& trace);
    void parse_option(const YAML::Node& key, const YAML::Node& value, const OptionDef& option,
                      TraceItem& trace);
    void parse_probes(const YAML::Node& key, const YAML::Node& list);
    void parse_probe(const YAML::Node& item);
    void parse_filters(const YAML::Node& map);
    template <typename T, typename Check>
    void parse_filter(const YAML::Node& key, const YAML::Node& value, std::vector<T>& out,
                      Check check);

    const std::string& file_;
    Policy policy_;
    std::vector<std::string> problems_;
    size_t items_seen_ = 0;
};

bool Parser::scalar(const YAML::Node& key, const YAML::Node& value, std::string_view expected,
                    std::string& out) {
    int line = line_of(value, line_of(key, 1));
    if (value.IsScalar()) {
        out = value.Scalar();
        return true;
    }
    if (value.IsNull()) {
        problem(line_of(key, 1), "'{}' has no value; write {}", shown(key.Scalar()), expected);
    } else {
        problem(line, "'{}' must be a value, not {}; write {}", shown(key.Scalar()), kind_of(value),
                expected);
    }
    return false;
}

bool Parser::new_key(const YAML::Node& key, std::set<std::string>& seen) {
    if (!key.IsScalar()) {
        problem(line_of(key, 1), "a key must be a word, not {}; write key: value", kind_of(key));
        return false;
    }
    if (!seen.insert(key.Scalar()).second) {
        problem(line_of(key, 1), "'{}' is given twice; keep one", shown(key.Scalar()));
        return false;
    }
    return true;
}

bool Parser::enabled_value(const YAML::Node& key, const YAML::Node& value, bool& out) {
    std::string text;
    if (!scalar(key, value, "true or false", text)) return false;
    std::optional<bool> on = parse_bool(text);
    if (!on) {
        problem(line_of(value, 1), "enabled: '{}' is not true or false; write true or false",
                shown(text));
        return false;
    }
    out = *on;
    return true;
}

void Parser::check_name(const YAML::Node& key, const std::string& name, std::string_view what) {
    if (valid_name(name)) return;
    problem(line_of(key, 1),
            "{} name '{}' is not 1 to {} letters, digits, '_', '.' or '-'; rename it", what,
            shown(name), kMaxNameLength);
}

Loaded Parser::run(std::string_view text) {
    policy_.file = file_;
    try {
        std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
        if (documents.size() > 1) {
            problem(line_of(documents[1], 1),
                    "a second YAML document (---); put each policy in its own file");
        }
        parse_document(documents.empty() ? YAML::Node() : documents[0]);
    } catch (const YAML::Exception& e) {
        int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
        problem(line, "not valid YAML: {}; fix the syntax", shown(e.msg));
    } catch (const std::exception& e) {
        problem(1, "cannot be read as YAML: {}", shown(e.what()));
    }
    Loaded loaded;
    if (problems_.empty()) {
        loaded.set.policies.push_back(std::move(policy_));
        return loaded;
    }
    size_t more = problems_.size() > kMaxProblems ? problems_.size() - kMaxProblems : 0;
    problems_.resize(std::min(problems_.size(), kMaxProblems));
    if (more > 0) problems_.push_back(fmt::format("{}: ... and {} more problems", file_, more));
    loaded.problems = std::move(problems_);
    return loaded;
}

void Parser::parse_document(const YAML::Node& root) {
    if (root.IsNull()) {
        problem(1, "the file is empty; a policy has traces: or probes: (see docs/POLICIES.md)");
        return;
    }
    if (!root.IsMap()) {
        problem(line_of(root, 1),
                "a policy is a mapping, not {}; write traces: and probes: at the top level",
                kind_of(root));
        return;
    }
    std::set<std::string> seen;
    bool named = false;
    for (const auto& kv : root) {
        if (!new_key(kv.first, seen)) continue;
        const std::string& key = kv.first.Scalar();
        if (key == "name") {
            named = true;
            if (!scalar(kv.first, kv.second, "name: NAME", policy_.name)) continue;
            check_name(kv.first, policy_.name, "the policy");
        } else if (key == "traces") {
            parse_traces(kv.first, kv.second);
        } else if (key == "probes") {
            parse_probes(kv.first, kv.second);
        } else if (key == "filters") {
            parse_filters(kv.second);
        } else {
            problem(line_of(kv.first, 1),
                    "unknown key '{}'; a policy takes name, traces, probes and filters",
                    shown(key));
        }
    }
    if (!named) {
        policy_.name = default_policy_name(file_);
        if (!valid_name(policy_.name)) {
            problem(1,
                    "the policy's name from its file name, '{}', is not 1 to {} letters, digits, "
                    "'_', '.' or '-'; add name: NAME or rename the file",
                    shown(policy_.name), kMaxNameLength);
        }
    }
    if (items_seen_ == 0) {
        problem(line_of(root, 1),
                "the policy has no traces and no probes; add traces: or probes: (see "
                "docs/POLICIES.md)");
    }
}

void Parser::parse_traces(const YAML::Node& key, const YAML::Node& list) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) {
        ++items_seen_;  // (no second problem: "no traces and no probes")
        problem(line_of(list, line_of(key, 1)),
                "traces must be a list, not {}; write - trace: NAME for each trace", kind_of(list));
        return;
    }
    for (const YAML::Node& item : list) {
        ++items_seen_;
        parse_trace(item);
    }
}

void Parser::parse_trace(const YAML::Node& item) {
    int line = line_of(item, 1);
    if (!item.IsMap()) {
        problem(line, "a trace must be a mapping, not {}; write - name: NAME, trace: TRACE",
                kind_of(item));
        return;
    }
    TraceItem trace;
    trace.at = Location{file_, line};
    std::set<std::string> seen;
    YAML::Node options;
    bool ok = true;
    bool named = false;
    bool has_trace = false;
    for (const auto& kv : item) {
        if (!new_key(kv.first, seen)) {
            ok = false;
            continue;
        }
        const std::string& key = kv.first.Scalar();
        if (key == "name") {
            named = true;
            if (!scalar(kv.first, kv.second, "name: NAME", trace.name)) {
                ok = false;
            } else if (!valid_name(trace.name)) {
                check_name(kv.first, trace.name, "trace");
                ok = false;
            }
        } else if (key == "trace") {
            std::string written;
            if (!scalar(kv.first, kv.second, "a built-in trace (probelog --list-traces)",
                        written)) {
                ok = false;
                has_trace = true;
                continue;
            }
            has_trace = true;
            const TraceDef* def = find_trace_def(written);
            if (def == nullptr) {
                problem(line_of(kv.second, line), "unknown trace '{}'; see probelog --list-traces",
                        shown(written));
                ok = false;
            } else if (def->info.name == "probe") {
                problem(line_of(kv.second, line),
                        "'{}' is not a trace a policy names; put probes under probes: (- name: "
                        "NAME, probe: SPEC)",
                        shown(written));
                ok = false;
            } else {
                trace.trace = std::string(def->info.name);
            }
        } else if (key == "options") {
            options = kv.second;
        } else if (key == "enabled") {
            ok = enabled_value(kv.first, kv.second, trace.enabled) && ok;
        } else {
            problem(line_of(kv.first, line),
                    "unknown key '{}' in a trace; a trace takes name, trace, options and enabled",
                    shown(key));
            ok = false;
        }
    }
    if (!has_trace) {
        problem(line, "a trace without trace:; add trace: NAME (see probelog --list-traces)");
        ok = false;
    }
    if (!named) trace.name = trace.trace;
    if (options.IsDefined() && !trace.trace.empty()) {
        parse_options(options, *find_trace_def(trace.trace), trace);
    }
    if (!ok) return;
    for (const TraceItem& other : policy_.traces) {
        if (other.name == trace.name) {
            problem(line,
                    "a second trace named '{}' (the first is at line {}); give it another name",
                    shown(trace.name), other.at.line);
            return;
        }
        if (other.trace == trace.trace) {
            problem(line,
                    "trace '{}' is already in this policy (line {}); a trace runs once: keep one",
                    trace.trace, other.at.line);
            return;
        }
    }
    policy_.traces.push_back(std::move(trace));
}

void Parser::parse_options(const YAML::Node& map, const TraceDef& def, TraceItem& trace) {
    if (map.IsNull()) return;
    if (!map.IsMap()) {
        problem(line_of(map, trace.at.line),
                "options must be a mapping, not {}; write options: {{KEY: VALUE}}", kind_of(map));
        return;
    }
    std::vector<std::string> keys;
    for (const OptionDef& option : def.options) {
        if (option.where == OptionDef::Where::Everywhere) keys.push_back(config_key(option));
    }
    std::set<std::string> seen;
    for (const auto& kv : map) {
        if (!new_key(kv.first, seen)) continue;
        const std::string& key = kv.first.Scalar();
        const OptionDef* found = nullptr;
        for (const OptionDef& option : def.options) {
            if (option.where == OptionDef::Where::Everywhere && config_key(option) == key) {
                found = &option;
            }
        }
        if (found != nullptr) {
            parse_option(kv.first, kv.second, *found, trace);
        } else if (keys.empty()) {
            problem(line_of(kv.first, trace.at.line),
                    "unknown option '{}': trace '{}' has no options; remove it", shown(key),
                    def.info.name);
        } else {
            problem(line_of(kv.first, trace.at.line),
                    "unknown option '{}' for trace '{}'; its options are {}", shown(key),
                    def.info.name, join(keys));
        }
    }
}

void Parser::parse_option(const YAML::Node& key, const YAML::Node& value, const OptionDef& option,
                          TraceItem& trace) {
    const std::string& name = key.Scalar();
    int line = line_of(key, trace.at.line);
    // (the line of the value, and the text to apply)
    std::vector<std::pair<int, std::string>> values;
    auto add = [&](const YAML::Node& node) {
        if (option.commas) {
            for (std::string& v : split_commas(node.Scalar()))
                values.emplace_back(line_of(node, line), std::move(v));
        } else {
            values.emplace_back(line_of(node, line), node.Scalar());
        }
    };
    if (value.IsSequence() && option.list) {
        for (const YAML::Node& item : value) {
            if (!item.IsScalar()) {
                problem(line_of(item, line), "{}: each value must be a value, not {}", shown(name),
                        kind_of(item));
                return;
            }
            add(item);
        }
    } else if (value.IsScalar()) {
        add(value);
    } else {
        std::string ignored;
        scalar(key, value, option.list ? "a value or a list of values" : "one value", ignored);
        return;
    }
    if (values.empty()) {
        problem(line, "{} has no value; give one", shown(name));
        return;
    }
    Options scratch;
    for (auto& [value_line, text] : values) {
        if (option.value.empty()) {  // a flag: on/off
            std::optional<bool> on = parse_bool(text);
            if (!on) {
                problem(value_line, "{}: '{}' is not true or false; write true or false",
                        shown(name), shown(text));
                continue;
            }
            text = *on ? "true" : "false";
        }
        Status st = option.apply(text, scratch);
        if (!st) {
            problem(
                value_line, "{}",
                shown(option_error(option, name, shown(text), st.error().message), kMaxMessage));
            continue;
        }
        trace.options.emplace_back(name, text);
    }
}

void Parser::parse_probes(const YAML::Node& key, const YAML::Node& list) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) {
        ++items_seen_;  // (no second problem: "no traces and no probes")
        problem(line_of(list, line_of(key, 1)),
                "probes must be a list, not {}; write - name: NAME, probe: SPEC for each probe",
                kind_of(list));
        return;
    }
    for (const YAML::Node& item : list) {
        ++items_seen_;
        parse_probe(item);
    }
}

void Parser::parse_probe(const YAML::Node& item) {
    int line = line_of(item, 1);
    if (!item.IsMap()) {
        problem(line, "a probe must be a mapping, not {}; write - name: NAME, probe: SPEC",
                kind_of(item));
        return;
    }
    ProbeItem probe;
    probe.at = Location{file_, line};
    std::set<std::string> seen;
    bool ok = true;
    bool has_name = false;
    bool has_spec = false;
    for (const auto& kv : item) {
        if (!new_key(kv.first, seen)) {
            ok = false;
            continue;
        }
        const std::string& key = kv.first.Scalar();
        if (key == "name") {
            has_name = true;
            if (!scalar(kv.first, kv.second, "name: NAME", probe.name)) {
                ok = false;
            } else if (!valid_name(probe.name)) {
                check_name(kv.first, probe.name, "probe");
                ok = false;
            }
        } else if (key == "probe") {
            has_spec = true;
            if (!scalar(kv.first, kv.second, "probe: \"FILE:FUNCTION ...\" (docs/PROBES.md)",
                        probe.spec)) {
                ok = false;
                continue;
            }
            auto spec = probes::parse_probe_spec(probe.spec);
            if (!spec) {
                problem(line_of(kv.second, line), "probe '{}': {}; see docs/PROBES.md",
                        shown(probe.spec), shown(spec.error().message, kMaxMessage));
                ok = false;
            }
        } else if (key == "enabled") {
            ok = enabled_value(kv.first, kv.second, probe.enabled) && ok;
        } else {
            problem(line_of(kv.first, line),
                    "unknown key '{}' in a probe; a probe takes name, probe and enabled",
                    shown(key));
            ok = false;
        }
    }
    if (!has_name) {
        problem(line, "a probe without name:; add name: NAME (its records carry it)");
        ok = false;
    }
    if (!has_spec) {
        problem(line, "a probe without probe:; add probe: \"FILE:FUNCTION\" (docs/PROBES.md)");
        ok = false;
    }
    if (!ok) return;
    for (const ProbeItem& other : policy_.probes) {
        if (other.name == probe.name) {
            problem(line,
                    "a second probe named '{}' (the first is at line {}); give it another name",
                    shown(probe.name), other.at.line);
            return;
        }
    }
    policy_.probes.push_back(std::move(probe));
}

template <typename T, typename Check>
void Parser::parse_filter(const YAML::Node& key, const YAML::Node& value, std::vector<T>& out,
                          Check check) {
    const std::string& name = key.Scalar();
    std::vector<YAML::Node> items;
    if (value.IsScalar()) {
        items.push_back(value);
    } else if (value.IsSequence()) {
        for (const YAML::Node& item : value)
            items.push_back(item);
    } else {
        std::string ignored;
        scalar(key, value, "a value or a list of values", ignored);
        return;
    }
    if (items.size() > kMaxFilterEntries) {
        problem(line_of(key, 1), "filter {} has {} entries; at most {}: split the policy",
                shown(name), items.size(), kMaxFilterEntries);
        return;
    }
    for (const YAML::Node& item : items) {
        int line = line_of(item, line_of(key, 1));
        if (!item.IsScalar()) {
            problem(line, "each {} must be a value, not {}", shown(name), kind_of(item));
            continue;
        }
        T parsed{};
        if (std::string why = check(item.Scalar(), parsed); !why.empty()) {
            problem(line, "{}", why);
            continue;
        }
        out.push_back(std::move(parsed));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

void Parser::parse_filters(const YAML::Node& map) {
    if (map.IsNull()) return;
    if (!map.IsMap()) {
        problem(line_of(map, 1),
                "filters must be a mapping, not {}; write filters: {{comm: [NAME], pid: [PID]}}",
                kind_of(map));
        return;
    }
    auto text = [](std::string_view what) {
        return [what](const std::string& value, std::string& out) -> std::string {
            if (value.empty()) return fmt::format("an empty {}; remove it", what);
            out = value;
            return {};
        };
    };
    std::set<std::string> seen;
    Filters& f = policy_.filters;
    for (const auto& kv : map) {
        if (!new_key(kv.first, seen)) continue;
        const std::string& key = kv.first.Scalar();
        if (key == "pid") {
            parse_filter(kv.first, kv.second, f.pids,
                         [](const std::string& value, uint32_t& out) -> std::string {
                             auto n = parse_uint(value);
                             if (!n || *n == 0 || *n > kMaxPid) {
                                 return fmt::format(
                                     "pid '{}' is not a process id; give a number from 1 to {}",
                                     shown(value), kMaxPid);
                             }
                             out = static_cast<uint32_t>(*n);
                             return {};
                         });
        } else if (key == "comm") {
            parse_filter(kv.first, kv.second, f.comms,
                         [](const std::string& value, std::string& out) -> std::string {
                             if (value.empty()) return "an empty comm; remove it";
                             if (value.size() > kMaxCommLength) {
                                 return fmt::format(
                                     "comm '{}' is longer than {} characters (the kernel keeps "
                                     "{}); write its first {}",
                                     shown(value), kMaxCommLength, kMaxCommLength, kMaxCommLength);
                             }
                             out = value;
                             return {};
                         });
        } else if (key == "cgroup") {
            parse_filter(kv.first, kv.second, f.cgroups, text("cgroup"));
        } else if (key == "container") {
            parse_filter(kv.first, kv.second, f.containers, text("container"));
        } else {
            problem(line_of(kv.first, 1),
                    "unknown filter '{}'; filters are comm, pid, cgroup and container", shown(key));
        }
    }
}

}  // namespace

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::string default_policy_name(std::string_view file) {
    size_t slash = file.rfind('/');
    if (slash != std::string_view::npos) file.remove_prefix(slash + 1);
    std::string lowered = lower(file);
    for (std::string_view ext : {".yaml", ".yml"}) {
        if (lowered.ends_with(ext)) {
            file.remove_suffix(ext.size());
            break;
        }
    }
    return std::string(file);
}

Loaded parse_policy(std::string_view text, const std::string& file) {
    return Parser(file).run(text);
}

}  // namespace probelog::policy
