// Fluent Bit configuration files (classic and YAML) into Options, every error
// message with its file and line, and how -c combines with the command line.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "agent/cli.hpp"
#include "agent/run_options.hpp"
#include "config/config.hpp"
#include "traces/exec_trace.hpp"
#include "traces/trace.hpp"
#include "support/error_text.hpp"
#include "support/temp_dir.hpp"

namespace probelog {
namespace {

// The keys an [INPUT] ebpf section takes: Fluent Bit's own, then every option
// of the tables (the run's, then each trace's).
std::string input_keys() {
    std::string keys = "Name, Trace, ringbuf_map_name, Tag";
    for (const OptionDef* option : config_options())
        keys += ", " + config_key(*option);
    EXPECT_NE(
        keys.find(
            ", pid, comm, cgroup, container, containers_only, ringbuf_size, max_rate, poll_ms, "
            "control_socket, policy, policy_dir, hist, hist_interval, exec_args, "),
        std::string::npos)
        << keys;
    return keys;
}

config::Context test_context() {
    config::Context c;
    c.known_traces = {"exec", "signal", "malloc", "vfs"};
    c.options = config_options();
    c.getenv = [](const std::string& name) -> std::optional<std::string> {
        static const std::map<std::string, std::string> env = {{"PL_TEST_POLL", "250"},
                                                               {"PL_TEST_DIR", "/var/log/pl"}};
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return c;
}

Result<Options> classic(std::string_view text) {
    return config::parse_classic(text, "fb.conf", test_context());
}

Result<Options> yaml(std::string_view text) {
    return config::parse_yaml(text, "fb.yaml", test_context());
}

std::string classic_error(std::string_view text) {
    return error_text(classic(text));
}

std::string yaml_error(std::string_view text) {
    return error_text(yaml(text));
}

using test::TempDir;  // files for include and load_file tests

// --- classic -------------------------------------------------------------

TEST(ConfigClassic, TheFluentBitExample) {
    auto r = classic(
        "[INPUT]\n"
        "    Name     ebpf\n"
        "    Trace    trace_signal\n"
        "    Trace    trace_malloc\n"
        "    poll_ms  500\n"
        "    ringbuf_map_name events\n"
        "[OUTPUT]\n"
        "    Name  stdout\n"
        "    Match *\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"signal", "malloc"}));
    EXPECT_EQ(r->poll_ms, 500u);
    ASSERT_EQ(r->outputs.size(), 1u);
    EXPECT_EQ(r->outputs[0].kind, "stdout");
    EXPECT_EQ(r->outputs[0].match, "*");
    EXPECT_EQ(r->outputs[0].format, OutputFormat::Auto);
}

TEST(ConfigClassic, DefaultsWhenTheFileSaysLittle) {
    auto r = classic("[INPUT]\n  Name ebpf\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->traces.empty());   // the default traces
    EXPECT_TRUE(r->outputs.empty());  // stdout
    EXPECT_EQ(r->poll_ms, 100u);
    EXPECT_EQ(r->ringbuf_size, 4u << 20);
}

TEST(ConfigClassic, KeysAreCaseInsensitiveCommentsAndBlankLinesSkipped) {
    auto r = classic(
        "# a comment\r\n"
        "\r\n"
        "[input]\r\n"
        "NAME EBPF\r\n"
        "  trace exec, trace_vfs\r\n"
        "  POLL_MS\t42\r\n"
        "   # indented comment\r\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"exec", "vfs"}));
    EXPECT_EQ(r->poll_ms, 42u);
}

TEST(ConfigClassic, ProbelogKeysInTheEbpfInput) {
    auto r = classic(
        "[INPUT]\n"
        "    Name         ebpf\n"
        "    pid          12, 34\n"
        "    pid          56\n"
        "    comm         nginx\n"
        "    cgroup       /sys/fs/cgroup/system.slice\n"
        "    container    web, fa5685\n"
        "    container    db\n"
        "    containers_only on\n"
        "    ringbuf_size 16M\n"
        "    exec_args    64\n"
        "    Alias        kernel\n"
        "    Mem_Buf_Limit 5MB\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->pids, (std::vector<uint32_t>{12, 34, 56}));
    EXPECT_EQ(r->comm, "nginx");
    EXPECT_EQ(r->cgroup, "/sys/fs/cgroup/system.slice");
    EXPECT_EQ(r->containers.names_or_ids, (std::vector<std::string>{"web", "fa5685", "db"}));
    EXPECT_TRUE(r->containers.containers_only);
    EXPECT_EQ(r->ringbuf_size, 16u << 20);
    EXPECT_EQ(r->settings.value<ExecSettings>().args_max, 64u);
}

TEST(ConfigClassic, ServiceKeysAreAcceptedAndIgnored) {
    auto r = classic(
        "[SERVICE]\n"
        "    Flush        1\n"
        "    Daemon       Off\n"
        "    Log_Level    debug\n"
        "    Parsers_File parsers.conf\n"
        "    HTTP_Server  Off\n"
        "    storage.path /var/lib/fb\n"
        "[INPUT]\n"
        "    Name ebpf\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->verbose);
}

TEST(ConfigClassic, MatchOnTheInputTagTakesEverythingOtherPatternsMatchEventTypes) {
    auto r = classic(
        "[INPUT]\n"
        "    Name ebpf\n"
        "    Tag  kernel.events\n"
        "[OUTPUT]\n"
        "    Name  stdout\n"
        "    Match kernel.*\n"
        "[OUTPUT]\n"
        "    Name  stdout\n"
        "    Match exec\n"
        "[OUTPUT]\n"
        "    Name  stdout\n"
        "    Match vfs*\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->outputs.size(), 3u);
    EXPECT_EQ(r->outputs[0].match, "*");
    EXPECT_EQ(r->outputs[1].match, "exec");
    EXPECT_EQ(r->outputs[2].match, "vfs*");
    // Without a Tag, the input is ebpf.0 as in Fluent Bit.
    auto d = classic("[INPUT]\n Name ebpf\n[OUTPUT]\n Name stdout\n Match ebpf.0\n");
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->outputs[0].match, "*");
}

TEST(ConfigClassic, StdoutFormats) {
    std::vector<std::pair<std::string, OutputFormat>> cases = {
        {"json_lines", OutputFormat::Json},  {"json", OutputFormat::Json},
        {"json_stream", OutputFormat::Json}, {"msgpack", OutputFormat::Auto},
        {"table", OutputFormat::Table},      {"JSON_LINES", OutputFormat::Json},
    };
    for (const auto& [value, format] : cases) {
        auto r =
            classic("[OUTPUT]\n Name stdout\n Match *\n Format " + value + "\n json_date_key ts\n");
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->outputs[0].format, format) << value;
    }
}

TEST(ConfigClassic, FileOutput) {
    auto r = classic(
        "[INPUT]\n"
        "    Name ebpf\n"
        "    Tag  k8s\n"
        "[OUTPUT]\n"
        "    Name   file\n"
        "    Match  *\n"
        "    Path   /var/log/probelog/\n"
        "    File   records.jsonl\n"
        "    Format plain\n"
        "    Mkdir  On\n"
        "[OUTPUT]\n"
        "    Name  file\n"
        "    Match exec\n"
        "    Path  /tmp\n"
        "[OUTPUT]\n"
        "    Name  file\n"
        "    Match *\n"
        "    File  relative.jsonl\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->outputs.size(), 3u);
    EXPECT_EQ(r->outputs[0].kind, "file");
    EXPECT_EQ(r->outputs[0].target, "/var/log/probelog/records.jsonl");
    EXPECT_EQ(r->outputs[0].format, OutputFormat::Json);
    EXPECT_EQ(r->outputs[0].params.at("mkdir"), "true");
    EXPECT_EQ(r->outputs[1].target, "/tmp/k8s");  // Fluent Bit names the file after the tag
    EXPECT_EQ(r->outputs[1].match, "exec");
    EXPECT_EQ(r->outputs[1].params.count("mkdir"), 0u);
    EXPECT_EQ(r->outputs[2].target, "relative.jsonl");
}

TEST(ConfigClassic, SeveralEbpfInputsAddUp) {
    auto r = classic(
        "[INPUT]\n Name ebpf\n Trace exec\n poll_ms 300\n"
        "[INPUT]\n Name ebpf\n Trace trace_vfs\n poll_ms 200\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"exec", "vfs"}));
    EXPECT_EQ(r->poll_ms, 200u);  // the last one
}

TEST(ConfigClassic, SetAndEnvironmentVariables) {
    auto r = classic(
        "@SET trace=trace_exec\n"
        "@SET out=${PL_TEST_DIR}/x\n"
        "[INPUT]\n"
        "    Name    ebpf\n"
        "    Trace   ${trace}\n"
        "    poll_ms ${PL_TEST_POLL}\n"
        "[OUTPUT]\n"
        "    Name  file\n"
        "    Match *\n"
        "    File  ${out}.jsonl\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"exec"}));
    EXPECT_EQ(r->poll_ms, 250u);
    EXPECT_EQ(r->outputs[0].target, "/var/log/pl/x.jsonl");
}

TEST(ConfigClassic, IncludesRelativeToTheIncludingFile) {
    TempDir dir{"probelog-config"};
    std::filesystem::create_directory(dir.path() + "/conf.d");
    dir.write("conf.d/input.conf", "[INPUT]\n    Name ebpf\n    Trace vfs\n");
    dir.write("conf.d/a-output.conf", "[OUTPUT]\n    Name stdout\n    Match *\n");
    dir.write("conf.d/b-output.conf", "[OUTPUT]\n    Name stdout\n    Match exec\n");
    std::string main = dir.write("main.conf",
                                 "[SERVICE]\n    Flush 1\n"
                                 "@INCLUDE conf.d/input.conf\n"
                                 "@INCLUDE conf.d/*-output.conf\n");
    auto r = config::load_file(main, test_context());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"vfs"}));
    ASSERT_EQ(r->outputs.size(), 2u);
    EXPECT_EQ(r->outputs[1].match, "exec");
}

TEST(ConfigClassic, EveryErrorIsOneLineWithFileAndLine) {
    struct Case {
        std::string text;
        std::string error;
    };
    const std::string in = "[INPUT]\n    Name ebpf\n";
    std::vector<Case> cases = {
        {in + "    Trace foo\n",
         "fb.conf:3: unknown trace 'foo' (known: exec, signal, malloc, vfs)"},
        {in + "    Trace exec, trace_bar\n",
         "fb.conf:3: unknown trace 'trace_bar' (known: exec, signal, malloc, vfs)"},
        {in + "    Bpf_Object_File x.o\n",
         "fb.conf:3: unknown key 'Bpf_Object_File' in [INPUT] ebpf (known: " + input_keys() + ")"},
        {in + "    poll_ms 0\n",
         "fb.conf:3: poll_ms: '0' is not a number of milliseconds from 1 to 60000"},
        {in + "    poll_ms fast\n",
         "fb.conf:3: poll_ms: 'fast' is not a number of milliseconds from 1 to 60000"},
        {in + "    poll_ms 60001\n",
         "fb.conf:3: poll_ms: '60001' is not a number of milliseconds from 1 to 60000"},
        {in + "    pid 12, x\n",
         "fb.conf:3: pid: 'x' is not a process id (expected a number such as 1234)"},
        {in + "    comm a-very-long-command-name\n",
         "fb.conf:3: comm: 'a-very-long-command-name' is longer than the 15 characters the "
         "kernel keeps of a command name: use 'a-very-long-com'"},
        {in + "    ringbuf_size 1K\n", "fb.conf:3: ringbuf_size: '1K' is not a size from 4K to 1G"},
        {in + "    container web/1\n",
         "fb.conf:3: container: 'web/1' is not a container name or id (names are letters, "
         "digits and _.-, starting with a letter or digit; ids are hex, a prefix will do)"},
        {in + "    exec_args 200\n", "fb.conf:3: exec_args: '200' is not a number from 1 to 128"},
        // Every trace option is a key, checked by the same function as on the command line.
        {in + "    io_aggregate 10ms\n",
         "fb.conf:3: io_aggregate: '10ms' is too short an interval (at least 100ms)"},
        {in + "    io_all_files maybe\n",
         "fb.conf:3: io_all_files: 'maybe' is not on/off (true/false, yes/no)"},
        {in + "    xdp_block 10.0.0.0/8, nonsense\n",
         "fb.conf:3: xdp_block: 'nonsense' is not an IPv4 or IPv6 address"},
        {"[INPUT]\n    Trace exec\n", "fb.conf:1: [INPUT] has no Name"},
        {"\n[INPUT]\n    Name cpu\n",
         "fb.conf:3: input 'cpu' is not supported (probelog is Fluent Bit's ebpf input: Name "
         "ebpf)"},
        {"[OUTPUT]\n    Match *\n", "fb.conf:1: [OUTPUT] has no Name"},
        {"[OUTPUT]\n    Name es\n    Match *\n",
         "fb.conf:2: output 'es' is not supported (supported: stdout, file, forward, "
         "opentelemetry, prometheus_exporter)"},
        {"[OUTPUT]\n    Name stdout\n",
         "fb.conf:1: [OUTPUT] stdout has no Match, so Fluent Bit would send it nothing: add "
         "'Match *'"},
        {"[OUTPUT]\n    Name stdout\n    Match_Regex .*\n",
         "fb.conf:3: Match_Regex is not supported: use Match with *"},
        {"[OUTPUT]\n    Name stdout\n    Match *\n    Format yaml\n",
         "fb.conf:4: Format: 'yaml' is not a stdout format (json_lines, json, json_stream, "
         "msgpack, table)"},
        {"[OUTPUT]\n    Name file\n    Match *\n    Format csv\n",
         "fb.conf:4: Format: 'csv' is not supported by the file output (it writes JSON lines: "
         "plain)"},
        {"[OUTPUT]\n    Name file\n    Match *\n    Mkdir maybe\n",
         "fb.conf:4: Mkdir: 'maybe' is not on/off (true/false, yes/no)"},
        {"[OUTPUT]\n    Name stdout\n    Match *\n    Path /tmp\n",
         "fb.conf:4: unknown key 'Path' in [OUTPUT] stdout (known: Name, Match, Format, "
         "json_date_key, json_date_format)"},
        {"[OUTPUT]\n    Name file\n    Match *\n    Delimiter ;\n",
         "fb.conf:4: unknown key 'Delimiter' in [OUTPUT] file (known: Name, Match, Path, File, "
         "Format, Mkdir, Rotate_Size, Rotate_Keep)"},
        {"[SERVICE]\n    Flush 1\n    Colour blue\n", "fb.conf:3: unknown [SERVICE] key 'Colour'"},
        {"Name ebpf\n", "fb.conf:1: 'Name' is outside of a section (add [INPUT] above it)"},
        {in + "    Trace\n", "fb.conf:3: 'Trace' has no value"},
        {"[INPUT\n", "fb.conf:1: '[INPUT' is not a section header (expected [NAME])"},
        {"[INPUTS]\n",
         "fb.conf:1: unknown section [INPUTS] (expected [SERVICE], [INPUT] or [OUTPUT])"},
        {"[FILTER]\n    Name grep\n",
         "fb.conf:1: [FILTER] sections are not supported (probelog takes [SERVICE], [INPUT] Name "
         "ebpf and [OUTPUT] stdout/file)"},
        {"@UNSET x\n", "fb.conf:1: unknown directive @UNSET (expected @INCLUDE or @SET)"},
        {"@SET novalue\n", "fb.conf:1: @SET needs NAME=VALUE, not 'novalue'"},
        {"@INCLUDE\n", "fb.conf:1: @INCLUDE needs a file name"},
        {"@INCLUDE /nonexistent/probelog/x.conf\n",
         "fb.conf:1: cannot read included file /nonexistent/probelog/x.conf: No such file or "
         "directory"},
        {in + "    Trace ${NOT_SET_ANYWHERE}\n",
         "fb.conf:3: ${NOT_SET_ANYWHERE} is not set (neither by @SET nor in the environment)"},
        {in + "    Trace ${exec\n", "fb.conf:3: '${' without a closing '}' in '${exec'"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(classic_error(c.text), c.error) << c.text;
    }
}

TEST(ConfigClassic, IncludeCycleIsAnError) {
    TempDir dir{"probelog-config"};
    std::string a = dir.write("a.conf", "@INCLUDE b.conf\n");
    dir.write("b.conf", "\n@INCLUDE a.conf\n");
    auto r = config::load_file(a, test_context());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              dir.path() +
                  "/b.conf:2: includes nested deeper than 8 levels (does a file include "
                  "itself?)");
}

TEST(ConfigClassic, ErrorsInIncludedFilesNameThatFile) {
    TempDir dir{"probelog-config"};
    dir.write("in.conf", "[INPUT]\n    Name ebpf\n    Trace nope\n");
    std::string main = dir.write("main.conf", "@INCLUDE in.conf\n");
    auto r = config::load_file(main, test_context());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              dir.path() + "/in.conf:3: unknown trace 'nope' (known: exec, signal, malloc, vfs)");
}

TEST(ConfigFile, MissingFileAndFormatByExtension) {
    auto missing = config::load_file("/nonexistent/probelog.conf", test_context());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "cannot read config file /nonexistent/probelog.conf: No such file or directory");
    TempDir dir{"probelog-config"};
    std::string y =
        dir.write("fb.YML", "pipeline:\n  inputs:\n    - name: ebpf\n      trace: vfs\n");
    auto r = config::load_file(y, test_context());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"vfs"}));
}

// --- YAML ----------------------------------------------------------------

TEST(ConfigYaml, TheFluentBitExample) {
    auto r = yaml(
        "service:\n"
        "  flush: 1\n"
        "  log_level: info\n"
        "pipeline:\n"
        "  inputs:\n"
        "    - name: ebpf\n"
        "      trace:\n"
        "        - trace_signal\n"
        "        - trace_malloc\n"
        "      poll_ms: 500\n"
        "      ringbuf_map_name: events\n"
        "  outputs:\n"
        "    - name: stdout\n"
        "      match: '*'\n"
        "      format: json_lines\n"
        "    - name: file\n"
        "      match: exec\n"
        "      path: /tmp/pl\n"
        "      file: exec.jsonl\n"
        "      mkdir: true\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"signal", "malloc"}));
    EXPECT_EQ(r->poll_ms, 500u);
    ASSERT_EQ(r->outputs.size(), 2u);
    EXPECT_EQ(r->outputs[0].kind, "stdout");
    EXPECT_EQ(r->outputs[0].match, "*");
    EXPECT_EQ(r->outputs[0].format, OutputFormat::Json);
    EXPECT_EQ(r->outputs[1].kind, "file");
    EXPECT_EQ(r->outputs[1].target, "/tmp/pl/exec.jsonl");
    EXPECT_EQ(r->outputs[1].match, "exec");
    EXPECT_EQ(r->outputs[1].params.at("mkdir"), "true");
}

TEST(ConfigYaml, ScalarTraceInlineListsEnvAndCase) {
    auto r = yaml(
        "env:\n"
        "  poll: '75'\n"
        "pipeline:\n"
        "  inputs:\n"
        "    - Name: ebpf\n"
        "      Trace: [exec, trace_vfs]\n"
        "      poll_ms: ${poll}\n"
        "    - name: ebpf\n"
        "      trace: malloc\n"
        "      pid: [10, 20]\n"
        "      comm: ${PL_TEST_POLL}\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"exec", "vfs", "malloc"}));
    EXPECT_EQ(r->poll_ms, 75u);
    EXPECT_EQ(r->pids, (std::vector<uint32_t>{10, 20}));
    EXPECT_EQ(r->comm, "250");
}

TEST(ConfigYaml, EmptyDocumentIsDefaults) {
    auto r = yaml("# nothing\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->traces.empty());
}

TEST(ConfigYaml, Includes) {
    TempDir dir{"probelog-config"};
    dir.write("inputs.yaml", "pipeline:\n  inputs:\n    - name: ebpf\n      trace: exec\n");
    dir.write("outputs.conf", "[OUTPUT]\n    Name stdout\n    Match *\n");
    std::string main = dir.write(
        "main.yaml", "includes:\n  - inputs.yaml\n  - outputs.conf\nservice:\n  flush: 5\n");
    auto r = config::load_file(main, test_context());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->traces, (std::vector<std::string>{"exec"}));
    EXPECT_EQ(r->outputs.size(), 1u);
}

TEST(ConfigYaml, EveryErrorIsOneLineWithFileAndLine) {
    struct Case {
        std::string text;
        std::string error;
    };
    const std::string in = "pipeline:\n  inputs:\n    - name: ebpf\n";
    std::vector<Case> cases = {
        {in + "      trace:\n        - exec\n        - foo\n",
         "fb.yaml:6: unknown trace 'foo' (known: exec, signal, malloc, vfs)"},
        {in + "      trace: foo\n",
         "fb.yaml:4: unknown trace 'foo' (known: exec, signal, malloc, vfs)"},
        {in + "      poll_ms: -1\n",
         "fb.yaml:4: poll_ms: '-1' is not a number of milliseconds from 1 to 60000"},
        {in + "      bogus: 1\n",
         "fb.yaml:4: unknown key 'bogus' in [INPUT] ebpf (known: " + input_keys() + ")"},
        {in + "      trace:\n", "fb.yaml:4: 'trace' has no value"},
        {in + "      trace: {a: b}\n", "fb.yaml:4: 'trace' must be a value or a list of values"},
        {in + "      trace: [exec, [vfs]]\n",
         "fb.yaml:4: 'trace' must be a value or a list of values"},
        {in + "      processors:\n        logs:\n          - name: lua\n",
         "fb.yaml:5: processors are not supported by probelog"},
        {"pipeline:\n  inputs:\n    - name: tail\n",
         "fb.yaml:3: input 'tail' is not supported (probelog is Fluent Bit's ebpf input: Name "
         "ebpf)"},
        {"pipeline:\n  inputs:\n    - trace: exec\n", "fb.yaml:3: [INPUT] has no Name"},
        {"pipeline:\n  outputs:\n    - name: stdout\n",
         "fb.yaml:3: [OUTPUT] stdout has no Match, "
         "so Fluent Bit would send it nothing: add "
         "'Match *'"},
        {"pipeline:\n  outputs:\n    - name: http\n      match: '*'\n",
         "fb.yaml:3: output 'http' is not supported (supported: stdout, file, forward, "
         "opentelemetry, prometheus_exporter)"},
        {"pipeline:\n  filters:\n    - name: grep\n",
         "fb.yaml:2: filters are not supported (probelog takes pipeline inputs: name ebpf and "
         "outputs: stdout/file)"},
        {"pipeline:\n  input:\n    - name: ebpf\n",
         "fb.yaml:2: unknown pipeline key 'input' (expected inputs or outputs)"},
        {"pipeline:\n  inputs:\n    name: ebpf\n",
         "fb.yaml:3: inputs must be a list (- name: ...)"},
        {"pipeline:\n  inputs:\n    - ebpf\n",
         "fb.yaml:3: each input must be a mapping of keys (name: ..., ...)"},
        {"pipeline: [1]\n", "fb.yaml:1: pipeline must hold inputs: and outputs:"},
        {"service:\n  flush: 1\n  color: blue\n", "fb.yaml:3: unknown [SERVICE] key 'color'"},
        {"parsers:\n  - name: json\n",
         "fb.yaml:1: 'parsers' is not supported (probelog takes service:, env:, includes: and "
         "pipeline:)"},
        {"\nsomething: 1\n",
         "fb.yaml:2: unknown top-level key 'something' (expected service, pipeline, env or "
         "includes)"},
        {"- a\n- b\n", "fb.yaml:1: expected service:, pipeline: ... at the top level"},
        {"env: [a]\n", "fb.yaml:1: env must map names to values"},
        {"includes: x.yaml\n", "fb.yaml:1: includes must be a list of files"},
        {"pipeline:\n  inputs:\n    - name: ebpf\n      trace: ${NOPE}\n",
         "fb.yaml:4: ${NOPE} is not set (neither by @SET nor in the environment)"},
        {"pipeline:\n  inputs:\n    - name: ebpf\n     trace: exec\n",
         "fb.yaml:4: not valid YAML: end of sequence not found"},
        {"pipeline:\n  inputs: [\n", "fb.yaml:3: not valid YAML: end of sequence flow not found"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(yaml_error(c.text), c.error) << c.text;
    }
}

// --- -c on the command line ------------------------------------------------

Result<CliOutcome> cli(std::vector<std::string> args) {
    args.insert(args.begin(), "probelog");
    return parse_command_line(args);
}

TEST(ConfigCli, TheCommandLineAddsToAndOverridesTheFile) {
    TempDir dir{"probelog-config"};
    std::string conf = dir.write("fb.conf",
                                 "[INPUT]\n"
                                 "    Name    ebpf\n"
                                 "    Trace   trace_exec\n"
                                 "    poll_ms 500\n"
                                 "    pid     11\n"
                                 "    comm    sshd\n"
                                 "[OUTPUT]\n"
                                 "    Name  stdout\n"
                                 "    Match *\n"
                                 "    Format table\n"
                                 "[OUTPUT]\n"
                                 "    Name  file\n"
                                 "    Match exec\n"
                                 "    File  " +
                                     dir.path() + "/exec.jsonl\n");
    auto plain = cli({"-c", conf});
    ASSERT_TRUE(plain.ok()) << plain.error().message;
    EXPECT_EQ(plain->options.traces, (std::vector<std::string>{"exec"}));
    EXPECT_EQ(plain->options.poll_ms, 500u);
    EXPECT_EQ(plain->options.comm, "sshd");
    ASSERT_EQ(plain->options.outputs.size(), 2u);
    EXPECT_EQ(plain->options.outputs[0].format, OutputFormat::Table);

    auto r = cli({"--config", conf, "--trace", "vfs", "--poll-ms", "20", "--pid", "22", "-o",
                  "json", "--comm", "bash"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Options& o = r->options;
    EXPECT_EQ(o.traces, (std::vector<std::string>{"exec", "vfs"}));  // added
    EXPECT_EQ(o.pids, (std::vector<uint32_t>{11, 22}));              // added
    EXPECT_EQ(o.poll_ms, 20u);                                       // overridden
    EXPECT_EQ(o.comm, "bash");                                       // overridden
    // -o replaces the file's stdout output; its file output stays.
    ASSERT_EQ(o.outputs.size(), 2u);
    EXPECT_EQ(o.outputs[0].kind, "file");
    EXPECT_EQ(o.outputs[1].kind, "stdout");
    EXPECT_EQ(o.outputs[1].format, OutputFormat::Json);
}

TEST(ConfigCli, FileErrorsComeOutAsOneLine) {
    TempDir dir{"probelog-config"};
    std::string conf =
        dir.write("config.conf", "[INPUT]\n    Name ebpf\n    Trace trace_exec\n    Trace foo\n");
    auto r = cli({"-c", conf});
    ASSERT_FALSE(r.ok());
    std::string known;
    for (const TraceDef* t : trace_defs())
        known += (known.empty() ? "" : ", ") + std::string(t->info.name);
    EXPECT_EQ(r.error().message, conf + ":4: unknown trace 'foo' (known: " + known + ")");
    auto missing = cli({"-c", "/nonexistent/fb.conf"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "cannot read config file /nonexistent/fb.conf: No such file or directory");
}

}  // namespace
}  // namespace probelog

namespace probelog {
namespace {

TEST(ConfigNetworkOutputs, ForwardOpentelemetryAndPrometheusExporter) {
    auto r = classic(
        "[INPUT]\n"
        "    Name ebpf\n"
        "    Trace trace_exec\n"
        "[OUTPUT]\n"
        "    Name  forward\n"
        "    Match exec\n"
        "    Host  127.0.0.1\n"
        "    Port  24224\n"
        "    Require_ack_response true\n"
        "[OUTPUT]\n"
        "    Name opentelemetry\n"
        "    Match *\n"
        "    Host 127.0.0.1\n"
        "    Port 4318\n"
        "    Logs_uri /v1/logs\n"
        "[OUTPUT]\n"
        "    Name prometheus_exporter\n"
        "    Host 127.0.0.1\n"
        "    Port 9464\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->outputs.size(), 3u);
    EXPECT_EQ(r->outputs[0].kind, "forward");
    EXPECT_EQ(r->outputs[0].match, "exec");
    EXPECT_EQ(r->outputs[0].params.at("host"), "127.0.0.1");
    EXPECT_EQ(r->outputs[0].params.at("require_ack_response"), "true");
    EXPECT_EQ(r->outputs[1].kind, "otlp");
    EXPECT_EQ(r->outputs[1].params.at("logs_uri"), "/v1/logs");
    EXPECT_EQ(r->outputs[2].kind, "prometheus");
    EXPECT_EQ(r->outputs[2].params.at("port"), "9464");
}

TEST(ConfigNetworkOutputs, FileRotationSettings) {
    auto r = classic(
        "[INPUT]\n    Name ebpf\n[OUTPUT]\n    Name file\n    Match *\n    Path /tmp\n"
        "    Rotate_Size 10M\n    Rotate_Keep 3\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->outputs[0].params.at("rotate_size"), "10M");
    EXPECT_EQ(r->outputs[0].params.at("rotate_keep"), "3");
    auto bad = classic(
        "[INPUT]\n    Name ebpf\n[OUTPUT]\n    Name file\n    Match *\n    Rotate_Size lots\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message.rfind("fb.conf:3: file: rotate_size: 'lots' is not a size", 0),
              0u)
        << bad.error().message;
}

TEST(ConfigNetworkOutputs, ABadSettingIsReportedAtItsLine) {
    auto r = classic(
        "[INPUT]\n"
        "    Name ebpf\n"
        "[OUTPUT]\n"
        "    Name  forward\n"
        "    Match *\n"
        "    Host  127.0.0.1\n"
        "    Frobnicate yes\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.rfind("fb.conf:7: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find("frobnicate"), std::string::npos) << r.error().message;

    auto unknown = classic("[INPUT]\n    Name ebpf\n[OUTPUT]\n    Name kafka\n    Match *\n");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message,
              "fb.conf:4: output 'kafka' is not supported (supported: stdout, file, forward, "
              "opentelemetry, prometheus_exporter)");
}

}  // namespace
}  // namespace probelog
