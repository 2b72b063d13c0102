// The meaning of the sections: [INPUT] Name ebpf -> traces and kernel-side
// settings, [OUTPUT] stdout/file -> OutputSpecs, [SERVICE] accepted.
#include <algorithm>
#include <array>
#include <span>

#include "common/option_def.hpp"
#include "common/parse.hpp"
#include "sinks/factory.hpp"
#include "config/sections.hpp"

namespace probelog::config::detail {
namespace {

// [SERVICE] keys Fluent Bit knows; probelog accepts and ignores them.
constexpr std::string_view kServiceKeys[] = {
    "flush",
    "grace",
    "daemon",
    "log_file",
    "log_level",
    "parsers_file",
    "plugins_file",
    "streams_file",
    "http_server",
    "http_listen",
    "http_port",
    "health_check",
    "hc_errors_count",
    "hc_retry_failure_count",
    "hc_period",
    "coro_stack_size",
    "scheduler.cap",
    "scheduler.base",
    "json.convert_nan_to_null",
    "hot_reload",
    "dns.mode",
    "dns.resolver",
    "dns.prefer_ipv4",
    "storage.path",
    "storage.sync",
    "storage.checksum",
    "storage.metrics",
    "storage.backlog.mem_limit",
    "storage.max_chunks_up",
    "storage.delete_irrecoverable_chunks",
    "enable_chunk_trace",
};

// Properties every Fluent Bit input or output has that mean nothing here.
constexpr std::string_view kIgnoredInputKeys[] = {
    "alias",
    "log_level",
    "mem_buf_limit",
    "storage.type",
    "storage.pause_on_chunks_overlimit",
    "threaded",
    "routable",
    "log_suppress_interval",
};
constexpr std::string_view kIgnoredOutputKeys[] = {
    "alias",
    "retry_limit",
    "workers",
    "log_level",
    "storage.total_limit_size",
    "log_suppress_interval",
};

bool one_of(std::string_view key, std::span<const std::string_view> keys) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

const Property* find(const Section& s, std::string_view key) {
    for (const Property& p : s.properties) {
        if (lower(p.key) == key) return &p;
    }
    return nullptr;
}

// "a, b,c" -> {"a", "b", "c"}
std::vector<std::string_view> split_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (!value.empty()) {
        size_t comma = value.find(',');
        std::string_view item = trim(value.substr(0, comma));
        if (!item.empty()) items.push_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return items;
}

Result<bool> parse_bool(const Property& p) {
    if (std::optional<bool> b = probelog::parse_bool(p.value)) return *b;
    return error_at(p.file, p.line, "{}: '{}' is not on/off (true/false, yes/no)", p.key, p.value);
}

// Every key an [INPUT] ebpf section takes, for the unknown-key message.
std::string input_keys(const Context& context) {
    std::string out = "Name, Trace, ringbuf_map_name, Tag";
    for (const OptionDef* option : context.options)
        out += ", " + config_key(*option);
    return out;
}

// A value of a table option: a list takes comma-separated values, a flag
// on/off (true/false, yes/no).
Status apply_option(const OptionDef& option, const Property& p, Options& o) {
    std::vector<std::string> values;
    if (option.value.empty()) {
        auto on = parse_bool(p);
        if (!on) return on.error();
        values.emplace_back(*on ? "true" : "false");
    } else if (option.commas) {
        for (std::string_view item : split_list(p.value))
            values.emplace_back(item);
    } else {
        values.push_back(p.value);
    }
    for (const std::string& value : values) {
        if (Status st = option.apply(value, o); !st) {
            return error_at(p.file, p.line, "{}",
                            option_error(option, p.key, value, st.error().message));
        }
    }
    return {};
}

std::string known_list(const Context& context) {
    std::string out;
    for (const std::string& name : context.known_traces) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

Status apply_input_key(const Property& p, const Context& context, Options& o) {
    std::string key = lower(p.key);
    if (key == "name" || key == "tag" || key == "ringbuf_map_name" ||
        one_of(key, kIgnoredInputKeys)) {
        return {};  // Tag is used for routing; ringbuf_map_name: probelog has one ring, pl_events
    }
    if (key == "trace") {
        for (std::string_view item : split_list(p.value)) {
            std::string_view name = item;
            if (name.starts_with("trace_")) name.remove_prefix(6);  // Fluent Bit's spelling
            auto known = std::find(context.known_traces.begin(), context.known_traces.end(), name);
            if (known == context.known_traces.end()) {
                return error_at(p.file, p.line, "unknown trace '{}' (known: {})", item,
                                known_list(context));
            }
            o.traces.emplace_back(name);
        }
        return {};
    }
    for (const OptionDef* option : context.options) {
        if (config_key(*option) == key) return apply_option(*option, p, o);
    }
    return error_at(p.file, p.line, "unknown key '{}' in [INPUT] ebpf (known: {})", p.key,
                    input_keys(context));
}

Result<OutputFormat> stdout_format(const Property& p) {
    std::string v = lower(p.value);
    if (v == "msgpack" || v == "auto") return OutputFormat::Auto;
    if (v == "json" || v == "json_lines" || v == "json_stream") return OutputFormat::Json;
    if (v == "table") return OutputFormat::Table;
    return error_at(p.file, p.line,
                    "{}: '{}' is not a stdout format (json_lines, json, json_stream, msgpack, "
                    "table)",
                    p.key, p.value);
}

// Fluent Bit's pattern rules for Match (see interpret_output).
Result<std::string> match_pattern(const Section& s, const Property* match, std::string_view kind,
                                  const std::vector<std::string>& tags) {
    if (match == nullptr) {
        return error_at(s.file, s.line,
                        "[OUTPUT] {} has no Match, so Fluent Bit would send it nothing: add "
                        "'Match *'",
                        kind);
    }
    bool matches_tag = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
        return match_event_type(match->value, tag);
    });
    return matches_tag ? std::string("*") : match->value;
}

// forward, opentelemetry, prometheus_exporter: every key is a setting of the sink
// under its Fluent Bit name (docs/OUTPUTS.md); the sink factory validates them.
Result<OutputSpec> interpret_network_output(const Section& s, const Property& name,
                                            const std::vector<std::string>& tags) {
    OutputSpec spec;
    spec.kind = lower(name.value);
    if (spec.kind == "opentelemetry") spec.kind = "otlp";
    if (spec.kind == "prometheus_exporter") spec.kind = "prometheus";
    if (spec.kind != "forward" && spec.kind != "otlp" && spec.kind != "prometheus") {
        return error_at(name.file, name.line,
                        "output '{}' is not supported (supported: stdout, file, forward, "
                        "opentelemetry, prometheus_exporter)",
                        name.value);
    }
    const Property* match = nullptr;
    for (const Property& p : s.properties) {
        std::string key = lower(p.key);
        if (key == "name" || one_of(key, kIgnoredOutputKeys)) continue;
        if (key == "match") {
            match = &p;
            continue;
        }
        spec.params[key] = p.value;
    }
    if (spec.kind != "prometheus") {
        auto pattern = match_pattern(s, match, spec.kind, tags);
        if (!pattern) return pattern.error();
        spec.match = *pattern;
    }
    if (Status st = check_output(spec); !st) {
        // Point at the line of the setting the message names, else at the section.
        const std::string& message = st.error().message;
        for (const Property& p : s.properties) {
            std::string key = lower(p.key);
            for (const std::string& form : {"'" + key + "'", " " + key + "=", " " + key + ":"}) {
                if (key != "name" && message.find(form) != std::string::npos) {
                    return error_at(p.file, p.line, "{}", message);
                }
            }
        }
        return error_at(s.file, s.line, "{}", message);
    }
    return spec;
}

Result<OutputSpec> interpret_output(const Section& s, const std::vector<std::string>& tags) {
    const Property* name = find(s, "name");
    if (name == nullptr) return error_at(s.file, s.line, "[OUTPUT] has no Name");
    std::string kind = lower(name->value);
    if (kind != "stdout" && kind != "file") return interpret_network_output(s, *name, tags);
    OutputSpec spec;
    spec.kind = kind;
    const Property* match = nullptr;
    std::string dir;
    std::string file_name;
    for (const Property& p : s.properties) {
        std::string key = lower(p.key);
        if (key == "name" || one_of(key, kIgnoredOutputKeys)) continue;
        if (key == "match") {
            match = &p;
        } else if (key == "match_regex") {
            return error_at(p.file, p.line, "Match_Regex is not supported: use Match with *");
        } else if (kind == "stdout" && key == "format") {
            auto format = stdout_format(p);
            if (!format) return format.error();
            spec.format = *format;
        } else if (kind == "stdout" && (key == "json_date_key" || key == "json_date_format")) {
            continue;  // records always carry "time" as RFC 3339
        } else if (kind == "file" && key == "path") {
            dir = p.value;
        } else if (kind == "file" && key == "file") {
            file_name = p.value;
        } else if (kind == "file" && key == "format") {
            std::string v = lower(p.value);
            if (v != "plain" && v != "out_file" && v != "json_lines") {
                return error_at(p.file, p.line,
                                "{}: '{}' is not supported by the file output (it writes JSON "
                                "lines: plain)",
                                p.key, p.value);
            }
        } else if (kind == "file" && (key == "rotate_size" || key == "rotate_keep")) {
            spec.params[key] = p.value;  // checked by the sink factory below
        } else if (kind == "file" && key == "mkdir") {
            auto on = parse_bool(p);
            if (!on) return on.error();
            spec.params["mkdir"] = *on ? "true" : "false";
        } else {
            return error_at(
                p.file, p.line, "unknown key '{}' in [OUTPUT] {} (known: {})", p.key, kind,
                kind == "stdout"
                    ? "Name, Match, Format, json_date_key, json_date_format"
                    : "Name, Match, Path, File, Format, Mkdir, Rotate_Size, Rotate_Keep");
        }
    }
    if (match == nullptr) {
        return error_at(s.file, s.line,
                        "[OUTPUT] {} has no Match, so Fluent Bit would send it nothing: add "
                        "'Match *'",
                        kind);
    }
    // Fluent Bit matches the input's Tag; a pattern that matches it takes every record.
    // Any other pattern is matched against each record's event_type (exec, vfs*, ...).
    bool matches_tag = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
        return match_event_type(match->value, tag);
    });
    spec.match = matches_tag ? "*" : match->value;
    if (kind == "file") {
        spec.format = OutputFormat::Json;
        if (file_name.empty()) file_name = tags.empty() ? "ebpf.0" : tags.front();
        spec.target = dir.empty() ? file_name : (dir.ends_with('/') ? dir : dir + "/") + file_name;
        if (Status st = check_output(spec); !st)
            return error_at(s.file, s.line, "{}", st.error().message);
    }
    return spec;
}

}  // namespace

Result<Options> interpret(const LoadState& state) {
    const Context& context = *state.context;
    Options o;
    std::vector<std::string> tags;
    for (const Section& s : state.sections) {
        if (s.kind == "service") {
            for (const Property& p : s.properties) {
                if (!one_of(lower(p.key), kServiceKeys)) {
                    return error_at(p.file, p.line, "unknown [SERVICE] key '{}'", p.key);
                }
            }
        } else if (s.kind == "input") {
            const Property* name = find(s, "name");
            if (name == nullptr) return error_at(s.file, s.line, "[INPUT] has no Name");
            if (lower(name->value) != "ebpf") {
                return error_at(name->file, name->line,
                                "input '{}' is not supported (probelog is Fluent Bit's ebpf "
                                "input: Name ebpf)",
                                name->value);
            }
            const Property* tag = find(s, "tag");
            tags.push_back(tag != nullptr ? tag->value : fmt::format("ebpf.{}", tags.size()));
            for (const Property& p : s.properties) {
                if (Status st = apply_input_key(p, context, o); !st) return st.error();
            }
        }
    }
    for (const Section& s : state.sections) {
        if (s.kind != "output") continue;
        auto spec = interpret_output(s, tags);
        if (!spec) return spec.error();
        o.outputs.push_back(*spec);
    }
    return o;
}

}  // namespace probelog::config::detail
