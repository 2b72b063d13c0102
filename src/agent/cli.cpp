#include "agent/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/parse.hpp"
#include "config/config.hpp"
#include "sinks/factory.hpp"
#include "sinks/output_url.hpp"
#include "probes/compile.hpp"
#include "probes/spec.hpp"
#include "traces/trace.hpp"
#include "xdp/address.hpp"

#ifndef PROBELOG_VERSION
#define PROBELOG_VERSION "0.0.0"
#endif

namespace probelog {
namespace {

constexpr const char* kDescription =
    "probelog: kernel and user-space activity as structured log records, from eBPF.\n"
    "With no --trace it runs the default traces; --list-traces shows them all.\n"
    "probelog [OPTIONS] -- COMMAND [ARGS...] starts COMMAND and traces it and everything it "
    "starts;\nprobelog xdp --help: the live XDP blocklist commands.";

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
    std::vector<std::string> metrics;
    std::string exec_args;
    std::string config;
    // --xdp-*
    std::string xdp_mode;
    std::string xdp_max_sources;
    std::string xdp_interval;
    std::string xdp_top;
    std::vector<std::string> xdp_block;
    std::string xdp_drop_records;
    std::string io_map_size;
    std::string io_min_latency;
    std::string io_aggregate;
    // --probe-*
    std::string probe_mode;
    std::string probe_str_max;
    std::string probe_buf_max;
};

bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (char c : name) {
        if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0) return false;
    }
    return true;
}

Status apply_xdp(const RawValues& raw, Options& o) {
    xdp::Options& x = o.trace.xdp;
    bool xdp_trace = std::any_of(o.traces.begin(), o.traces.end(), [](const std::string& t) {
        const TraceInfo* info = find_trace(t);
        return info != nullptr && info->name == "xdp";
    });
    if (x.interface.empty()) {
        if (xdp_trace)
            return make_error("--trace xdp: needs --xdp IFACE (the interface to attach to)");
        for (auto [set, name] :
             {std::pair{!raw.xdp_mode.empty(), "--xdp-mode"}, std::pair{x.force, "--xdp-force"},
              std::pair{!raw.xdp_max_sources.empty(), "--xdp-max-sources"},
              std::pair{!raw.xdp_interval.empty(), "--xdp-interval"},
              std::pair{!raw.xdp_top.empty(), "--xdp-top"},
              std::pair{!raw.xdp_block.empty(), "--xdp-block"},
              std::pair{!x.blocklist_file.empty(), "--xdp-blocklist"},
              std::pair{!x.socket_path.empty(), "--xdp-socket"},
              std::pair{!raw.xdp_drop_records.empty(), "--xdp-drop-records"}}) {
            if (set) return make_error("{}: needs --xdp IFACE", name);
        }
        return {};
    }
    if (!valid_interface_name(x.interface)) {
        return make_error("--xdp: '{}' is not an interface name (such as eth0; ip link lists them)",
                          x.interface);
    }
    // --xdp selects the xdp trace; alone it is the only trace (see docs/XDP.md).
    if (!xdp_trace) o.traces.emplace_back("xdp");
    if (!raw.xdp_mode.empty()) {
        if (raw.xdp_mode == "auto") {
            x.mode = xdp::Mode::Auto;
        } else if (raw.xdp_mode == "native" || raw.xdp_mode == "drv" || raw.xdp_mode == "driver") {
            x.mode = xdp::Mode::Native;
        } else if (raw.xdp_mode == "generic" || raw.xdp_mode == "skb") {
            x.mode = xdp::Mode::Generic;
        } else {
            return make_error("--xdp-mode: '{}' is not a mode (expected auto, native or generic)",
                              raw.xdp_mode);
        }
    }
    if (!raw.xdp_max_sources.empty()) {
        auto n = parse_uint(raw.xdp_max_sources);
        if (!n || *n < 16 || *n > (1u << 24)) {
            return make_error("--xdp-max-sources: '{}' is not a number from 16 to 16777216",
                              raw.xdp_max_sources);
        }
        x.max_sources = static_cast<uint32_t>(*n);
    }
    if (!raw.xdp_interval.empty()) {
        auto d = parse_duration(raw.xdp_interval);
        if (!d) return make_error("--xdp-interval: {}", d.error().message);
        if (*d < std::chrono::milliseconds(10)) {
            return make_error("--xdp-interval: '{}' is shorter than 10ms", raw.xdp_interval);
        }
        x.interval = *d;
    }
    if (!raw.xdp_top.empty()) {
        auto n = parse_uint(raw.xdp_top);
        if (!n || *n > 25) {
            return make_error("--xdp-top: '{}' is not a number from 0 to 25", raw.xdp_top);
        }
        x.top = static_cast<uint32_t>(*n);
    }
    for (const std::string& b : raw.xdp_block) {
        auto p = xdp::parse_prefix(b);
        if (!p) return make_error("--xdp-block: {}", p.error().message);
        x.block.push_back(*p);
    }
    if (!raw.xdp_drop_records.empty()) {
        auto n = parse_uint(raw.xdp_drop_records);
        if (!n || *n > 1000000) {
            return make_error("--xdp-drop-records: '{}' is not a number from 0 to 1000000",
                              raw.xdp_drop_records);
        }
        x.drop_records_per_sec = static_cast<uint32_t>(*n);
    }
    return {};
}

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
    for (const std::string& m : raw.metrics) {
        auto hp = split_host_port(m.find(':') == std::string::npos ? ":" + m : m);
        if (!hp || hp->port.empty()) {
            return make_error("--metrics: '{}' is not HOST:PORT (such as 127.0.0.1:9464)", m);
        }
        OutputSpec spec;
        spec.kind = "prometheus";
        spec.target = m;
        spec.params["host"] = hp->host.empty() ? "127.0.0.1" : hp->host;
        spec.params["port"] = hp->port;
        if (Status st = check_output(spec); !st) {
            return make_error("--metrics: {}", st.error().message);
        }
        o.outputs.push_back(spec);
    }
    if (!raw.exec_args.empty()) {
        auto n = parse_uint(raw.exec_args);
        if (!n || *n == 0 || *n > 128) {
            return make_error("--exec-args: '{}' is not a number from 1 to 128", raw.exec_args);
        }
        o.trace.exec_args_max = static_cast<uint32_t>(*n);
    }
    if (!raw.io_map_size.empty()) {
        auto n = parse_uint(raw.io_map_size);
        if (!n || *n == 0 || *n > (1u << 20)) {
            return make_error("--io-map-size: '{}' is not a number of entries from 1 to 1048576",
                              raw.io_map_size);
        }
        o.trace.io_map_size = static_cast<uint32_t>(*n);
    }
    if (!raw.io_min_latency.empty()) {
        auto d = parse_duration(raw.io_min_latency);
        if (!d) return make_error("--io-min-latency: {}", d.error().message);
        o.trace.io_min_latency_ns = static_cast<uint64_t>(d->count());
    }
    if (!raw.io_aggregate.empty()) {
        auto d = parse_duration(raw.io_aggregate);
        if (!d) return make_error("--io-aggregate: {}", d.error().message);
        if (*d < std::chrono::milliseconds(100)) {
            return make_error("--io-aggregate: '{}' is too short an interval (at least 100ms)",
                              raw.io_aggregate);
        }
        o.trace.io_aggregate_ns = static_cast<uint64_t>(d->count());
    }
    if (Status st = apply_xdp(raw, o); !st) return st;
    return apply_probe_options(raw, o);
}

// The command line on top of a config file: lists (traces, pids, outputs) are
// added to the file's, values given on the command line replace the file's,
// and an -o output replaces the file's stdout outputs (there is one stdout).
Options merge(Options file, const Options& cli, const RawValues& raw) {
    file.traces.insert(file.traces.end(), cli.traces.begin(), cli.traces.end());
    file.pids.insert(file.pids.end(), cli.pids.begin(), cli.pids.end());
    file.list_traces = cli.list_traces;
    if (!cli.comm.empty()) file.comm = cli.comm;
    if (!cli.cgroup.empty()) file.cgroup = cli.cgroup;
    file.command = cli.command;
    if (cli.duration) file.duration = cli.duration;
    if (cli.max_records) file.max_records = cli.max_records;
    if (!raw.ringbuf_size.empty()) file.ringbuf_size = cli.ringbuf_size;
    if (!raw.poll_ms.empty()) file.poll_ms = cli.poll_ms;
    if (!raw.exec_args.empty()) file.trace.exec_args_max = cli.trace.exec_args_max;
    if (!cli.trace.xdp.interface.empty()) file.trace.xdp = cli.trace.xdp;
    if (!raw.io_map_size.empty()) file.trace.io_map_size = cli.trace.io_map_size;
    if (!raw.io_min_latency.empty()) file.trace.io_min_latency_ns = cli.trace.io_min_latency_ns;
    if (!raw.io_aggregate.empty()) file.trace.io_aggregate_ns = cli.trace.io_aggregate_ns;
    file.trace.io_all_files = file.trace.io_all_files || cli.trace.io_all_files;
    file.verbose = file.verbose || cli.verbose;
    bool cli_stdout = std::any_of(cli.outputs.begin(), cli.outputs.end(),
                                  [](const OutputSpec& s) { return s.kind == "stdout"; });
    if (cli_stdout) {
        std::erase_if(file.outputs, [](const OutputSpec& s) { return s.kind == "stdout"; });
    }
    file.outputs.insert(file.outputs.end(), cli.outputs.begin(), cli.outputs.end());
    file.trace.probes.insert(file.trace.probes.end(), cli.trace.probes.begin(),
                             cli.trace.probes.end());
    if (!raw.probe_mode.empty()) file.trace.probe_mode = cli.trace.probe_mode;
    if (!raw.probe_str_max.empty()) file.trace.probe_str_max = cli.trace.probe_str_max;
    if (!raw.probe_buf_max.empty()) file.trace.probe_buf_max = cli.trace.probe_buf_max;
    file.probe_list = cli.probe_list;
    return file;
}

}  // namespace

Result<OutputSpec> parse_output(std::string_view text) {
    auto spec = parse_output_url(text);
    if (!spec) return spec.error();
    if (Status st = check_output(*spec); !st) return st.error();
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
                   "Where records go (repeatable): table (default on a terminal), json, null, "
                   "forward://HOST:PORT, forward+unix:///PATH, otlp+http://HOST:PORT/v1/logs, "
                   "file:///PATH; settings as ?key=value&... (match=exec, queue_size=N, "
                   "rotate_size=10M, ...; see docs/OUTPUTS.md)")
        ->allow_extra_args(false)
        ->type_name("OUTPUT");
    app.add_option("--metrics", raw.metrics,
                   "Serve Prometheus metrics at http://HOST:PORT/metrics (127.0.0.1:9464; "
                   "port 0 picks a free one)")
        ->allow_extra_args(false)
        ->type_name("HOST:PORT");
    app.add_option("--exec-args", raw.exec_args,
                   "exec: arguments captured per exec, 1 to 128 (default 32)")
        ->type_name("N");
    app.add_option("--io-min-latency", raw.io_min_latency,
                   "io: only calls at least this slow (1ms, 250us), filtered in the kernel")
        ->type_name("TIME");
    app.add_flag("--io-all-files", o.trace.io_all_files,
                 "io: also pipes, sockets, ttys and other non-regular files");
    app.add_option("--io-aggregate", raw.io_aggregate,
                   "io: per (process, file) totals every TIME instead of one record per call")
        ->type_name("TIME");
    app.add_option("--io-map-size", raw.io_map_size,
                   "io: calls in flight tracked at once (default 10240; more are counted as "
                   "map_full)")
        ->type_name("N");
    app.add_option("-c,--config", raw.config,
                   "Fluent Bit config file (classic or .yaml) with an ebpf input; the command "
                   "line adds to it and overrides it (docs/CONFIG.md)")
        ->type_name("FILE");
    app.add_option("--xdp", o.trace.xdp.interface,
                   "Count packets per source address on this interface and drop blocked "
                   "sources (XDP); alone, the only trace")
        ->type_name("IFACE");
    app.add_option("--xdp-mode", raw.xdp_mode, "xdp: auto (default), native or generic")
        ->type_name("MODE");
    app.add_flag("--xdp-force", o.trace.xdp.force,
                 "xdp: replace an XDP program already on the interface");
    app.add_option("--xdp-block", raw.xdp_block,
                   "xdp: drop packets from this address or prefix (repeatable)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("ADDR[/LEN]");
    app.add_option("--xdp-blocklist", o.trace.xdp.blocklist_file,
                   "xdp: addresses and prefixes to drop, one per line; re-read on change and "
                   "SIGHUP")
        ->type_name("FILE");
    app.add_option("--xdp-interval", raw.xdp_interval,
                   "xdp: period of the xdp_stats records (default 10s)")
        ->type_name("TIME");
    app.add_option("--xdp-top", raw.xdp_top, "xdp: sources per xdp_stats report (default 10)")
        ->type_name("N");
    app.add_option("--xdp-max-sources", raw.xdp_max_sources,
                   "xdp: sources counted at once, least recently seen evicted (default 16384)")
        ->type_name("N");
    app.add_option("--xdp-socket", o.trace.xdp.socket_path,
                   "xdp: control socket (default /run/probelog/xdp-IFACE.sock)")
        ->type_name("PATH");
    app.add_option("--xdp-drop-records", raw.xdp_drop_records,
                   "xdp: at most N xdp_drop records per second per cpu (default 100)")
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
        "  probelog --trace io --io-min-latency 10ms   file reads/writes slower than 10 ms\n"
        "  probelog -c fluent-bit.conf           a Fluent Bit config's ebpf input and outputs\n"
        "  probelog -o forward://127.0.0.1:24224 --metrics 127.0.0.1:9464\n"
        "                                        to Fluent Bit, with a /metrics endpoint\n"
        "  probelog --xdp eth0 --xdp-block 10.1.2.0/24   per-source counts, drop a prefix\n"
        "  probelog --probe 'libc:malloc(u64 size) ret:ptr' --pid 1234\n"
        "                                        a library function's calls, args and latency\n"
        "  probelog xdp block|unblock|list|stats ...     talk to a running --xdp agent");

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
    if (!raw.config.empty()) {
        std::vector<std::string> names;
        for (const TraceInfo& t : trace_catalog())
            names.emplace_back(t.name);
        auto file = config::load_file(raw.config, config::default_context(std::move(names)));
        if (!file) return file.error();
        o = merge(std::move(*file), o, raw);
    }
    return outcome;
}

}  // namespace probelog
