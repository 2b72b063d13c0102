#include "agent/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "common/parse.hpp"
#include "probes/compile.hpp"
#include "probes/spec.hpp"
#include "traces/trace.hpp"

#ifndef PROBELOG_VERSION
#define PROBELOG_VERSION "0.0.0"
#endif

namespace probelog {
namespace {

constexpr const char* kDescription =
    "probelog: kernel and user-space activity as structured log records, from eBPF.\n"
    "With no --trace it runs the default traces; --list-traces shows them all.\n"
    "Usage: probelog [OPTIONS] [-- COMMAND [ARGS...]]";

std::string known_traces() {
    std::string names;
    for (const TraceInfo& t : trace_catalog()) {
        if (!names.empty()) names += ", ";
        names += t.name;
    }
    return names;
}

// Values are parsed after CLI11 so that every message has the same shape.
struct RawValues {
    std::vector<std::string> pids;
    std::string duration;
    std::string max_records;
    std::string ringbuf_size;
    std::string poll_ms;
    std::vector<std::string> outputs;
    std::string exec_args;
    std::string probe_mode;
    std::string probe_str_max;
    std::string probe_buf_max;
};

// --probe and its knobs. Specs are parsed here (a malformed one is a usage
// error); finding files and functions waits for the run.
Status apply_probe_options(const RawValues& raw, Options& o) {
    for (const std::string& text : o.trace.probes) {
        auto spec = probes::parse_probe_spec(text);
        if (!spec) return make_error("--probe '{}': {}", text, spec.error().message);
    }
    if (!raw.probe_mode.empty()) {
        auto mode = probes::parse_probe_mode(raw.probe_mode);
        if (!mode) return make_error("--probe-mode: {}", mode.error().message);
        o.trace.probe_mode = raw.probe_mode;
    }
    struct Cap {
        const char* option;
        const std::string& text;
        uint32_t max;
        uint32_t& out;
    };
    for (const Cap& c :
         {Cap{"--probe-str-max", raw.probe_str_max, probes::kMaxStrMax, o.trace.probe_str_max},
          Cap{"--probe-buf-max", raw.probe_buf_max, probes::kMaxBufMax, o.trace.probe_buf_max}}) {
        if (c.text.empty()) continue;
        auto n = parse_size(c.text);
        if (!n || *n == 0 || *n > c.max) {
            return make_error("{}: '{}' is not a byte count from 1 to {}", c.option, c.text, c.max);
        }
        c.out = static_cast<uint32_t>(*n);
    }
    if (o.probe_list.size() > 2) {
        return make_error("--probe-list: expected BIN [PATTERN], got {} values",
                          o.probe_list.size());
    }
    bool probe_selected = std::any_of(o.traces.begin(), o.traces.end(), [](const std::string& t) {
        return find_trace(t) != nullptr && find_trace(t)->name == "probe";
    });
    if (probe_selected && o.trace.probes.empty()) {
        return make_error("--trace probe: needs at least one --probe SPEC");
    }
    // --probe alone runs the probes only; with --trace, the probes as well.
    if (!o.trace.probes.empty() && !probe_selected) o.traces.emplace_back("probe");
    if (o.command.empty()) o.trace.probe_pids = o.pids;
    return {};
}

Status apply(const RawValues& raw, Options& o) {
    for (const std::string& t : o.traces) {
        if (find_trace(t) == nullptr) {
            return make_error("--trace: unknown trace '{}' (known: {}; see --list-traces)", t,
                              known_traces());
        }
    }
    for (const std::string& p : raw.pids) {
        auto pid = parse_uint(p);
        if (!pid || *pid == 0 || *pid > 4194304) {
            return make_error("--pid: '{}' is not a process id (expected a number such as 1234)",
                              p);
        }
        o.pids.push_back(static_cast<uint32_t>(*pid));
    }
    if (o.comm.size() > 15) {
        return make_error(
            "--comm: '{}' is longer than 15 characters, and the kernel keeps only "
            "the first 15 of a command name: use '{}'",
            o.comm, o.comm.substr(0, 15));
    }
    if (!raw.duration.empty()) {
        auto d = parse_duration(raw.duration);
        if (!d) return make_error("--duration: {}", d.error().message);
        o.duration = *d;
    }
    if (!raw.max_records.empty()) {
        auto n = parse_uint(raw.max_records);
        if (!n || *n == 0) {
            return make_error("--max-records: '{}' is not a positive whole number",
                              raw.max_records);
        }
        o.max_records = *n;
    }
    if (!raw.ringbuf_size.empty()) {
        auto n = parse_size(raw.ringbuf_size);
        if (!n) return make_error("--ringbuf-size: {}", n.error().message);
        if (*n < 4096 || *n > (1ULL << 30)) {
            return make_error("--ringbuf-size: '{}' is out of range (4K to 1G)", raw.ringbuf_size);
        }
        o.ringbuf_size = *n;
    }
    if (!raw.poll_ms.empty()) {
        auto n = parse_uint(raw.poll_ms);
        if (!n || *n == 0 || *n > 60000) {
            return make_error("--poll-ms: '{}' is not a number of milliseconds from 1 to 60000",
                              raw.poll_ms);
        }
        o.poll_ms = static_cast<uint32_t>(*n);
    }
    for (const std::string& out : raw.outputs) {
        auto spec = parse_output(out);
        if (!spec) return make_error("-o: {}", spec.error().message);
        o.outputs.push_back(*spec);
    }
    if (!raw.exec_args.empty()) {
        auto n = parse_uint(raw.exec_args);
        if (!n || *n == 0 || *n > 128) {
            return make_error("--exec-args: '{}' is not a number from 1 to 128", raw.exec_args);
        }
        o.trace.exec_args_max = static_cast<uint32_t>(*n);
    }
    return apply_probe_options(raw, o);
}

}  // namespace

Result<OutputSpec> parse_output(std::string_view text) {
    OutputSpec spec;
    if (text == "json" || text == "jsonl") {
        spec.format = OutputFormat::Json;
    } else if (text == "table") {
        spec.format = OutputFormat::Table;
    } else {
        return make_error("unknown output '{}' (expected json or table)", text);
    }
    return spec;
}

Result<CliOutcome> parse_command_line(const std::vector<std::string>& args) {
    CliOutcome outcome;
    Options& o = outcome.options;
    RawValues raw;

    // Everything after the first "--" is the command to run, untouched.
    std::vector<std::string> own;
    auto dashdash = std::find(args.begin(), args.end(), "--");
    own.assign(args.begin(), dashdash);
    if (dashdash != args.end()) {
        o.command.assign(dashdash + 1, args.end());
        if (o.command.empty()) return make_error("--: expected a command after it");
    }

    CLI::App app(kDescription, "probelog");
    app.set_version_flag("--version", PROBELOG_VERSION);
    app.get_formatter()->column_width(28);
    app.add_option("-t,--trace", o.traces,
                   "A trace to run (repeatable, or comma-separated); default: the cheap ones")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("NAME");
    app.add_flag("--list-traces", o.list_traces, "List every trace with what it covers, and exit");
    app.add_option("-p,--pid", raw.pids, "Only this process (repeatable), filtered in the kernel")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("PID");
    app.add_option("--comm", o.comm, "Only tasks with this command name, filtered in the kernel")
        ->type_name("NAME");
    app.add_option("--cgroup", o.cgroup,
                   "Only tasks in this cgroup v2 directory or below it, filtered in the kernel")
        ->type_name("PATH");
    app.add_option("-d,--duration", raw.duration, "Stop after this long (10s, 2m, 500ms)")
        ->type_name("TIME");
    app.add_option("-n,--max-records", raw.max_records, "Stop after this many records")
        ->type_name("N");
    app.add_option("--ringbuf-size", raw.ringbuf_size,
                   "Kernel ring buffer size, rounded up to a power of two (default 4M)")
        ->type_name("SIZE");
    app.add_option("--poll-ms", raw.poll_ms,
                   "Longest wait between ring buffer drains, in ms (default 100)")
        ->type_name("MS");
    app.add_option("-o,--output", raw.outputs,
                   "Output format: table (default on a terminal) or json (JSON lines)")
        ->allow_extra_args(false)
        ->type_name("FORMAT");
    app.add_option("--exec-args", raw.exec_args,
                   "exec: arguments captured per exec, 1 to 128 (default 32)")
        ->type_name("N");
    app.add_option("--probe", o.trace.probes,
                   "Probe a user-space function (repeatable): 'FILE:FUNCTION(TYPE NAME, ...) "
                   "ret:TYPE'; see docs/PROBES.md")
        ->allow_extra_args(false)
        ->type_name("SPEC");
    app.add_option("--probe-mode", raw.probe_mode,
                   "call: one record per call (default); split: entry and return records; "
                   "entry: entry records only")
        ->type_name("MODE");
    app.add_option("--probe-str-max", raw.probe_str_max,
                   "Characters kept of a str value (default 128, at most 2046)")
        ->type_name("N");
    app.add_option("--probe-buf-max", raw.probe_buf_max,
                   "Bytes kept of a buf value (default 256, at most 2048)")
        ->type_name("N");
    app.add_option("--probe-list", o.probe_list,
                   "List the functions of a binary or library (matching PATTERN) that --probe "
                   "can name, with DWARF signatures, and exit")
        ->expected(1, 2)
        ->type_name("BIN [PATTERN]");
    app.add_flag("-v,--verbose", o.verbose, "Explain more: BPF verifier logs, libbpf messages");
    app.footer(
        "\nExamples:\n"
        "  probelog                              default traces, as a table\n"
        "  probelog --trace exec -o json         every exec as JSON lines\n"
        "  probelog --trace exec -- make -j2     trace a command and its descendants\n"
        "  probelog --pid 1234 --duration 10s    one process, for ten seconds\n"
        "  probelog --probe 'libc:malloc(u64 size) ret:ptr' --pid 1234\n"
        "                                        a library function's calls, args and latency");

    std::vector<std::string> reversed(own.rbegin(), own.rend());
    if (!reversed.empty()) reversed.pop_back();  // argv[0]
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        outcome.exit_code = 0;
        outcome.text = app.help();
        return outcome;
    } catch (const CLI::CallForVersion&) {
        outcome.exit_code = 0;
        outcome.text = std::string("probelog ") + PROBELOG_VERSION + "\n";
        return outcome;
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        return make_error("{} (see probelog --help)", what);
    }
    if (Status st = apply(raw, o); !st) return st.error();
    return outcome;
}

}  // namespace probelog
