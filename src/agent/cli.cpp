#include "agent/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "agent/run_options.hpp"
#include "common/parse.hpp"
#include "config/config.hpp"
#include "sinks/factory.hpp"
#include "sinks/output_url.hpp"
#include "traces/trace.hpp"

#ifndef PROBELOG_VERSION
#define PROBELOG_VERSION "0.0.0"
#endif

namespace probelog {
namespace {

constexpr const char* kDescription =
    "probelog: kernel and user-space activity as structured log records, from eBPF.\n"
    "With no --trace it runs the default traces; --list-traces shows them all.\n"
    "probelog [OPTIONS] -- COMMAND [ARGS...] starts COMMAND and traces it and everything it "
    "starts;\nprobelog ctl --help: add and remove probes, switch traces on and off in a "
    "running agent;\nprobelog xdp --help: the live XDP blocklist commands.";

std::string known_traces() {
    std::string names;
    for (const TraceDef* t : trace_defs()) {
        if (!names.empty()) names += ", ";
        names += t->info.name;
    }
    return names;
}

std::vector<std::string> trace_names() {
    std::vector<std::string> names;
    for (const TraceDef* t : trace_defs())
        names.emplace_back(t->info.name);
    return names;
}

// Values are parsed after CLI11 so that every message has the same shape.
struct RawValues {
    std::string duration;
    std::string max_records;
    std::vector<std::string> outputs;
    std::vector<std::string> metrics;
    std::string config;
    // The table's options (all_options()), by index: their values as typed,
    // and how often each flag was given.
    std::vector<const OptionDef*> table;
    std::vector<std::vector<std::string>> values;
    std::vector<int> flags;
};

// Adds every option of the tables to the command line.
void add_table_options(CLI::App& app, RawValues& raw) {
    raw.table = all_options();
    raw.values.resize(raw.table.size());
    raw.flags.resize(raw.table.size());
    for (size_t i = 0; i < raw.table.size(); ++i) {
        const OptionDef& def = *raw.table[i];
        std::string names = def.short_flag.empty() ? std::string(def.flag)
                                                   : fmt::format("{},{}", def.short_flag, def.flag);
        std::string help(def.help);
        if (def.value.empty()) {
            app.add_flag(names, raw.flags[i], help);
            continue;
        }
        CLI::Option* option = app.add_option(names, raw.values[i], help)
                                  ->allow_extra_args(false)
                                  ->type_name(std::string(def.value));
        if (def.commas) option->delimiter(',');
        if (!def.list) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
}

// Applies the table's options given on the command line, over what the config
// file set: lists add to the file's, values replace them.
Status apply_table_options(const RawValues& raw, Options& o) {
    for (size_t i = 0; i < raw.table.size(); ++i) {
        const OptionDef& def = *raw.table[i];
        std::vector<std::string> values = raw.values[i];
        if (raw.flags[i] > 0) values.emplace_back("true");
        for (const std::string& value : values) {
            if (Status st = def.apply(value, o); !st) {
                return Error{option_error(def, def.flag, value, st.error().message),
                             ErrorKind::Usage};
            }
        }
    }
    return {};
}

// The command line's own options (not in a config file).
Status apply_command_line(const RawValues& raw, Options& o) {
    if (!raw.duration.empty()) {
        auto d = parse_duration(raw.duration);
        if (!d) return make_error(ErrorKind::Usage, "--duration: {}", d.error().message);
        o.duration = *d;
    }
    if (!raw.max_records.empty()) {
        auto n = parse_uint(raw.max_records);
        if (!n || *n == 0) {
            return make_error(ErrorKind::Usage,
                              "--max-records: '{}' is not a positive whole number",
                              raw.max_records);
        }
        o.max_records = *n;
    }
    std::vector<OutputSpec> outputs;
    for (const std::string& out : raw.outputs) {
        auto spec = parse_output(out);
        if (!spec) return make_error(ErrorKind::Usage, "-o: {}", spec.error().message);
        outputs.push_back(*spec);
    }
    for (const std::string& m : raw.metrics) {
        auto hp = split_host_port(m.find(':') == std::string::npos ? ":" + m : m);
        if (!hp || hp->port.empty()) {
            return make_error(ErrorKind::Usage,
                              "--metrics: '{}' is not HOST:PORT (such as 127.0.0.1:9464)", m);
        }
        OutputSpec spec;
        spec.kind = "prometheus";
        spec.target = m;
        spec.params["host"] = hp->host.empty() ? "127.0.0.1" : hp->host;
        spec.params["port"] = hp->port;
        if (Status st = check_output(spec); !st) {
            return make_error(ErrorKind::Usage, "--metrics: {}", st.error().message);
        }
        outputs.push_back(spec);
    }
    // There is one stdout: an -o output replaces the config file's.
    bool cli_stdout = std::any_of(outputs.begin(), outputs.end(),
                                  [](const OutputSpec& s) { return s.kind == "stdout"; });
    if (cli_stdout) {
        std::erase_if(o.outputs, [](const OutputSpec& s) { return s.kind == "stdout"; });
    }
    o.outputs.insert(o.outputs.end(), outputs.begin(), outputs.end());
    if (o.probe_list.size() > 2) {
        return make_error(ErrorKind::Usage, "--probe-list: expected BIN [PATTERN], got {} values",
                          o.probe_list.size());
    }
    return {};
}

}  // namespace

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
    app.add_option("-d,--duration", raw.duration,
                   "Stop after this long (10s, 2m, 500ms); a -- CMD still running is stopped "
                   "(SIGTERM, SIGKILL a second later)")
        ->type_name("TIME");
    app.add_option("-n,--max-records", raw.max_records, "Stop after this many records")
        ->type_name("N");
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
    app.add_option("-c,--config", raw.config,
                   "Fluent Bit config file (classic or .yaml) with an ebpf input; the command "
                   "line adds to it and overrides it (docs/CONFIG.md)")
        ->type_name("FILE");
    add_table_options(app, raw);
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
        "  probelog ctl add 'libc:malloc(u64 size)'       a probe more, in a running agent\n"
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
    for (const std::string& t : o.traces) {
        if (find_trace(t) == nullptr) {
            return make_error(ErrorKind::Usage,
                              "--trace: unknown trace '{}' (known: {}; see --list-traces)", t,
                              known_traces());
        }
    }
    // The config file first; the command line adds to it and overrides it.
    if (!raw.config.empty()) {
        auto file =
            config::load_file(raw.config, config::default_context(trace_names(), config_options()));
        if (!file) return file.error();
        Options cli = std::move(o);
        o = std::move(*file);
        o.traces.insert(o.traces.end(), cli.traces.begin(), cli.traces.end());
        o.list_traces = cli.list_traces;
        o.probe_list = cli.probe_list;
        o.command = cli.command;
        o.verbose = o.verbose || cli.verbose;
    }
    if (Status st = apply_table_options(raw, o); !st) return st.error();
    if (Status st = apply_command_line(raw, o); !st) return st.error();
    for (const TraceDef* t : trace_defs()) {
        if (t->finish_options == nullptr) continue;
        if (Status st = t->finish_options(o); !st) return st.error();
    }
    return outcome;
}

}  // namespace probelog
