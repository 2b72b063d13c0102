// Policy files (issue 21): parsing one file, every problem as FILE:LINE, loading
// files and directories (a Kubernetes ConfigMap mount), checks across files,
// and what changed between two sets.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "policy/policy_set.hpp"
#include "probes/spec.hpp"
#include "support/temp_dir.hpp"

namespace probelog::policy {
namespace {

using test::TempDir;
using Problems = std::vector<std::string>;

Problems problems_of(std::string_view text, const std::string& file = "web.yaml") {
    Loaded loaded = parse_policy(text, file);
    EXPECT_EQ(loaded.ok(), loaded.set.policies.size() == 1);
    return loaded.problems;
}

Policy parsed(std::string_view text, const std::string& file = "web.yaml") {
    Loaded loaded = parse_policy(text, file);
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
    return loaded.ok() ? loaded.set.policies.at(0) : Policy{};
}

std::string probe_error(std::string_view spec) {
    auto r = probes::parse_probe_spec(spec);
    return r.ok() ? "<no error>" : r.error().message;
}

using Options = std::vector<std::pair<std::string, std::string>>;

// docs/POLICIES.md's example (exec_args is a number: 1 to 128).
constexpr std::string_view kExample = R"(name: web
traces:
  - name: execs
    trace: exec
    options:
      exec_args: 64
    enabled: true
probes:
  - name: slow-requests
    probe: "./server:handle_request { req->path } if req->len > 1000"
    enabled: true
filters:
  comm: [server]
  pid: [1234]
  cgroup: [/system.slice/x.service]
  container: [web-1]
)";

TEST(PolicyParse, MinimalPoliciesParse) {
    Policy traces = parsed("traces: [{name: execs, trace: exec}]", "dir/web.yaml");
    EXPECT_EQ(traces.name, "web");
    EXPECT_EQ(traces.file, "dir/web.yaml");
    ASSERT_EQ(traces.traces.size(), 1u);
    EXPECT_EQ(traces.traces[0], (TraceItem{"execs", "exec", {}, true, {"dir/web.yaml", 1}}));
    EXPECT_TRUE(traces.probes.empty());
    EXPECT_EQ(traces.filters, Filters{});

    Policy probes = parsed("probes:\n  - {name: p, probe: './server:handle_request'}\n", "db.yml");
    EXPECT_EQ(probes.name, "db");
    ASSERT_EQ(probes.probes.size(), 1u);
    EXPECT_EQ(probes.probes[0], (ProbeItem{"p", "./server:handle_request", true, {"db.yml", 2}}));
}

TEST(PolicyParse, TheDocumentedExampleParses) {
    Policy p = parsed(kExample);
    EXPECT_EQ(p.name, "web");
    ASSERT_EQ(p.traces.size(), 1u);
    EXPECT_EQ(p.traces[0],
              (TraceItem{"execs", "exec", Options{{"exec_args", "64"}}, true, {"web.yaml", 3}}));
    ASSERT_EQ(p.probes.size(), 1u);
    EXPECT_EQ(p.probes[0], (ProbeItem{"slow-requests",
                                      "./server:handle_request { req->path } if req->len > 1000",
                                      true,
                                      {"web.yaml", 9}}));
    EXPECT_EQ(p.filters, (Filters{{1234}, {"server"}, {"/system.slice/x.service"}, {"web-1"}}));
}

// Every ```yaml block of docs/POLICIES.md parses; the first is kExample.
TEST(PolicyParse, TheDocsExamplesParse) {
    std::ifstream in(std::string(PROBELOG_SOURCE_DIR) + "/docs/POLICIES.md");
    ASSERT_TRUE(in) << "cannot read docs/POLICIES.md";
    std::stringstream doc;
    doc << in.rdbuf();
    std::string text = doc.str();
    std::vector<std::string> blocks;
    for (size_t at = text.find("```yaml\n"); at != std::string::npos;
         at = text.find("```yaml\n", at)) {
        at += 8;
        size_t end = text.find("```", at);
        ASSERT_NE(end, std::string::npos);
        blocks.push_back(text.substr(at, end - at));
    }
    ASSERT_EQ(blocks.size(), 3u);
    EXPECT_EQ(blocks[0], kExample);
    for (const std::string& block : blocks)
        EXPECT_EQ(problems_of(block), Problems{}) << block;
}

TEST(PolicyParse, ExecArgsIsANumberNotAFlag) {
    std::string text(kExample);
    text.replace(text.find("exec_args: 64"), 13, "exec_args: true");
    EXPECT_EQ(problems_of(text), Problems{"web.yaml:6: exec_args: 'true' is not a number from 1 "
                                          "to 128"});
}

TEST(PolicyParse, DefaultsAndSpellings) {
    Policy p = parsed(R"(traces:
  - trace: trace_exec
  - trace: io
    enabled: off
    options: {io_all_files: yes, io_min_latency: 5ms}
  - trace: dns
    options: {dns_ports: "53, 5353"}
  - trace: openssl
    options:
      openssl_lib: /a/libssl.so.3
filters:
  pid: 42
  comm: [b, a, b]
)");
    ASSERT_EQ(p.traces.size(), 4u);
    EXPECT_EQ(p.traces[0].name, "exec");  // the canonical trace name, for both
    EXPECT_EQ(p.traces[0].trace, "exec");
    EXPECT_FALSE(p.traces[1].enabled);
    EXPECT_EQ(p.traces[1].options, (Options{{"io_all_files", "true"}, {"io_min_latency", "5ms"}}));
    EXPECT_EQ(p.traces[2].options, (Options{{"dns_ports", "53"}, {"dns_ports", "5353"}}));
    EXPECT_EQ(p.traces[3].options, (Options{{"openssl_lib", "/a/libssl.so.3"}}));
    EXPECT_EQ(p.filters, (Filters{{42}, {"a", "b"}, {}, {}}));
    // A list option takes a YAML list too; one that is not, one value.
    EXPECT_EQ(
        parsed("traces: [{trace: dns, options: {dns_ports: [53, '5353,8053']}}]").traces[0].options,
        (Options{{"dns_ports", "53"}, {"dns_ports", "5353"}, {"dns_ports", "8053"}}));
}

// One problem of each kind, each on its own line of its file.
TEST(PolicyProblems, EachNamesItsFileAndLine) {
    struct Case {
        std::string text;
        std::string problem;
    };
    const std::vector<Case> cases = {
        {"traces:\n  - trace: exec\n  - {trace: vfs\n",
         "web.yaml:4: not valid YAML: end of map flow not found; fix the syntax"},
        {"traces: [{trace: exec}]\nfilter: {pid: 1}\n",
         "web.yaml:2: unknown key 'filter'; a policy takes name, traces, probes and filters"},
        {"traces:\n  - trace: exec\n    enable: false\n",
         "web.yaml:3: unknown key 'enable' in a trace; a trace takes name, trace, options and "
         "enabled"},
        {"probes:\n  - name: p\n    probe: ./s:f\n    rate: 5\n",
         "web.yaml:4: unknown key 'rate' in a probe; a probe takes name, probe and enabled"},
        {"traces: [{trace: exec}]\nfilters:\n  comm: [a]\n  uid: [0]\n",
         "web.yaml:4: unknown filter 'uid'; filters are comm, pid, cgroup and container"},
        {"name: web\ntraces:\n  - name: execs\n    trace: exce\n",
         "web.yaml:4: unknown trace 'exce'; see probelog --list-traces"},
        {"traces:\n  - trace: exec\n    options:\n      exec_arg: 4\n",
         "web.yaml:4: unknown option 'exec_arg' for trace 'exec'; its options are exec_args"},
        {"traces:\n  - trace: exit\n    options: {x: 1}\n",
         "web.yaml:3: unknown option 'x': trace 'exit' has no options; remove it"},
        {"traces:\n  - trace: exec\n    options:\n      exec_args: 0\n",
         "web.yaml:4: exec_args: '0' is not a number from 1 to 128"},
        {"traces:\n  - trace: io\n    options:\n      io_all_files: maybe\n",
         "web.yaml:4: io_all_files: 'maybe' is not true or false; write true or false"},
        {"traces:\n  - trace: exec\n    options:\n      exec_args: [1, 2]\n",
         "web.yaml:4: 'exec_args' must be a value, not a list; write one value"},
        {"probes:\n  - name: p\n    probe: 'nocolon'\n",
         "web.yaml:3: probe 'nocolon': " + probe_error("nocolon") + "; see docs/PROBES.md"},
        {"probes:\n  - probe: ./s:f\n",
         "web.yaml:2: a probe without name:; add name: NAME (its "
         "records carry it)"},
        {"probes:\n  - name: p\n",
         "web.yaml:2: a probe without probe:; add probe: "
         "\"FILE:FUNCTION\" (docs/PROBES.md)"},
        {"traces:\n  - name: x\n",
         "web.yaml:2: a trace without trace:; add trace: NAME (see probelog --list-traces)"},
        {"traces:\n  - trace: exec\n    name: 'a b'\n",
         "web.yaml:3: trace name 'a b' is not 1 to 64 letters, digits, '_', '.' or '-'; rename "
         "it"},
        {"name: " + std::string(65, 'n') + "\ntraces: [{trace: exec}]\n",
         "web.yaml:1: the policy name '" + std::string(65, 'n') +
             "' is not 1 to 64 letters, digits, '_', '.' or '-'; rename it"},
        {"traces:\n  - {name: t, trace: exec}\n  - {name: t, trace: vfs}\n",
         "web.yaml:3: a second trace named 't' (the first is at line 2); give it another name"},
        {"probes:\n  - {name: p, probe: ./a:f}\n\n  - {name: p, probe: ./a:g}\n",
         "web.yaml:4: a second probe named 'p' (the first is at line 2); give it another name"},
        {"traces:\n  - {name: a, trace: exec}\n  - {name: b, trace: trace_exec}\n",
         "web.yaml:3: trace 'exec' is already in this policy (line 2); a trace runs once: keep "
         "one"},
        {"traces: [{trace: exec}]\nfilters:\n  pid: [1, 0]\n",
         "web.yaml:3: pid '0' is not a process id; give a number from 1 to 4194304"},
        {"traces: [{trace: exec}]\nfilters:\n  pid:\n    - -5\n",
         "web.yaml:4: pid '-5' is not a process id; give a number from 1 to 4194304"},
        {"traces: [{trace: exec}]\nfilters:\n  comm: sixteen_chars_xx\n",
         "web.yaml:3: comm 'sixteen_chars_xx' is longer than 15 characters (the kernel keeps "
         "15); write its first 15"},
        {"name: [web]\ntraces: [{trace: exec}]\n",
         "web.yaml:1: 'name' must be a value, not a list; write name: NAME"},
        {"traces:\n  name: execs\n  trace: exec\n",
         "web.yaml:2: traces must be a list, not a mapping; write - trace: NAME for each trace"},
        {"traces:\n  - trace: exec\n    enabled: maybe\n",
         "web.yaml:3: enabled: 'maybe' is not true or false; write true or false"},
        {"",
         "web.yaml:1: the file is empty; a policy has traces: or probes: (see "
         "docs/POLICIES.md)"},
        {"name: web\nfilters: {pid: 1}\n",
         "web.yaml:1: the policy has no traces and no probes; add traces: or probes: (see "
         "docs/POLICIES.md)"},
        {"traces:\n  - trace: probe\n",
         "web.yaml:2: 'probe' is not a trace a policy names; put probes under probes: (- name: "
         "NAME, probe: SPEC)"},
        {"traces: [{trace: exec}]\ntraces: [{trace: vfs}]\n",
         "web.yaml:2: 'traces' is given twice; keep one"},
        {"traces: [{trace: exec}]\n---\ntraces: [{trace: vfs}]\n",
         "web.yaml:3: a second YAML document (---); put each policy in its own file"},
        {"- trace: exec\n",
         "web.yaml:1: a policy is a mapping, not a list; write traces: and probes: at the top "
         "level"},
    };
    for (const Case& c : cases) {
        Problems expected;
        if (!c.problem.empty()) expected.push_back(c.problem);
        EXPECT_EQ(problems_of(c.text), expected) << c.text;
    }
}

TEST(PolicyProblems, LimitsOfFiltersAndNames) {
    std::string pids = "traces: [{trace: exec}]\nfilters:\n  pid: [";
    for (int i = 1; i <= 65; ++i)
        pids += std::to_string(i) + (i < 65 ? "," : "]\n");
    EXPECT_EQ(problems_of(pids),
              Problems{"web.yaml:3: filter pid has 65 entries; at most 64: split the policy"});
    EXPECT_EQ(problems_of("traces: [{trace: exec}]\n", "dir/my web.yaml"),
              Problems{"dir/my web.yaml:1: the policy's name from its file name, 'my web', is "
                       "not 1 to 64 letters, digits, '_', '.' or '-'; add name: NAME or rename "
                       "the file"});
    EXPECT_TRUE(valid_name(std::string(64, 'a')));
    EXPECT_TRUE(valid_name("a.b_c-D9"));
    EXPECT_FALSE(valid_name(""));
    EXPECT_FALSE(valid_name("a/b"));
}

TEST(PolicyProblems, EveryProblemOfAFileIsReportedAtOnce) {
    Loaded loaded = parse_policy(R"(name: web
traces:
  - name: execs
    trace: exce
  - trace: exec
    options: {exec_args: 500}
probes:
  - probe: ./server:handle_request
  - name: ok
    probe: ./server:f
filters:
  pid: [abc]
  user: root
)",
                                 "web.yaml");
    EXPECT_TRUE(loaded.set.policies.empty());
    EXPECT_EQ(loaded.problems,
              (Problems{"web.yaml:4: unknown trace 'exce'; see probelog --list-traces",
                        "web.yaml:6: exec_args: '500' is not a number from 1 to 128",
                        "web.yaml:8: a probe without name:; add name: NAME (its records carry it)",
                        "web.yaml:12: pid 'abc' is not a process id; give a number from 1 to "
                        "4194304",
                        "web.yaml:13: unknown filter 'user'; filters are comm, pid, cgroup and "
                        "container"}));
}

TEST(PolicyProblems, AreOneLineAndFewAndNothingThrows) {
    std::string many = "traces:\n";
    for (int i = 0; i < 150; ++i)
        many += "  - trace: nope\n";
    Problems p = problems_of(many);
    ASSERT_EQ(p.size(), kMaxProblems + 1);
    EXPECT_EQ(p.back(), "web.yaml: ... and 50 more problems");

    Problems quoted = problems_of("traces: [{trace: \"a\\nb" + std::string(200, 'x') + "\"}]");
    ASSERT_EQ(quoted.size(), 1u);
    EXPECT_EQ(quoted[0].find('\n'), std::string::npos);
    EXPECT_NE(quoted[0].find("'a\\x0ab"), std::string::npos) << quoted[0];
    EXPECT_NE(quoted[0].find("... (123 more characters)'"), std::string::npos) << quoted[0];

    const std::vector<std::string> odd = {
        std::string(10000, '['),
        std::string("\0\xff\xfe: [", 6),
        "a: &x [1, 2]\nb: *x\ntraces: *x\nprobes: [*x]\nfilters: {pid: *x, comm: [[x]]}\n",
        "traces: [{trace: exec, options: [1]}, {trace: io, options: {io_all_files: {a: b}}}]\n",
        "traces: [{? [a]: b}]\nprobes: [{name: {x: y}, probe: null, enabled: []}]\n",
        "traces: [~, 1, [], {}]\nfilters: [pid]\n",
        "name:\ntraces:\nprobes:\nfilters:\n",
        "%YAML 1.2\n---\n!!map {? !!str traces : !!seq []}\n",
    };
    for (const std::string& text : odd) {
        Problems problems;
        EXPECT_NO_THROW(problems = problems_of(text));
        EXPECT_FALSE(problems.empty()) << text;
        for (const std::string& line : problems)
            EXPECT_TRUE(line.starts_with("web.yaml:")) << line;
    }
}

// --- files and directories ------------------------------------------------

std::vector<std::string> names_of(const Loaded& loaded) {
    std::vector<std::string> names;
    for (const Policy& p : loaded.set.policies)
        names.push_back(p.name + "@" + p.file);
    return names;
}

TEST(PolicyLoad, AConfigMapMountLoadsEachVisibleFileOnce) {
    TempDir dir{"probelog-policy"};
    // What the kubelet makes: the files in a timestamped directory, ..data
    // pointing at it, and each key a symlink through ..data.
    ASSERT_EQ(::mkdir(dir.file("..2024_01_01_00_00_00.1").c_str(), 0755), 0);
    dir.write("..2024_01_01_00_00_00.1/web.yaml", "traces: [{trace: exec}]\n");
    dir.write("..2024_01_01_00_00_00.1/db.yml", "probes: [{name: q, probe: ./db:query}]\n");
    ASSERT_EQ(::symlink("..2024_01_01_00_00_00.1", dir.file("..data").c_str()), 0);
    ASSERT_EQ(::symlink("..data/web.yaml", dir.file("web.yaml").c_str()), 0);
    ASSERT_EQ(::symlink("..data/db.yml", dir.file("db.yml").c_str()), 0);
    dir.write(".web.yaml.swp", "not yaml: [");
    dir.write("README.txt", "not a policy");
    Loaded loaded = load_policies({}, {dir.path()});
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
    EXPECT_EQ(names_of(loaded), (std::vector<std::string>{"db@" + dir.path() + "/db.yml",
                                                          "web@" + dir.path() + "/web.yaml"}));
}

TEST(PolicyLoad, FilesAndDirectoriesAndWhatCannotBeRead) {
    TempDir dir{"probelog-policy"};
    EXPECT_TRUE(load_policies({}, {dir.path()}).ok());  // empty: an empty set
    EXPECT_TRUE(load_policies({}, {dir.path()}).set.policies.empty());
    std::string file = dir.write("a.yaml", "traces: [{trace: exec}]\n");
    ASSERT_EQ(::mkdir(dir.file("sub").c_str(), 0755), 0);
    dir.write("sub/b.yaml", "traces: [{trace: vfs}]\n");
    Loaded both = load_policies({file}, {dir.file("sub")});
    EXPECT_EQ(names_of(both),
              (std::vector<std::string>{"a@" + file, "b@" + dir.file("sub") + "/b.yaml"}));

    std::string missing = dir.file("missing.yaml");
    std::string fifo = dir.file("sub/fifo.yaml");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    Loaded bad = load_policies({missing, dir.path(), file}, {dir.file("nodir"), file});
    EXPECT_TRUE(bad.set.policies.empty());  // refused whole
    EXPECT_EQ(bad.problems,
              (Problems{missing + ": cannot read the policy file: No such file or directory",
                        dir.path() + ": cannot read the policy file: it is a directory (name a "
                                     "file in it)",
                        dir.file("nodir") +
                            ": cannot read the policy directory: No such file or directory",
                        file + ": not a directory; give a file with --policy, a directory with "
                               "--policy-dir"}));
    EXPECT_EQ(load_policies({}, {dir.file("sub")}).problems,
              Problems{fifo + ": cannot read the policy file: it is not a regular file (a "
                              "device, FIFO or socket): name a file"});

    TempDir many{"probelog-policy"};
    for (int i = 0; i < 65; ++i)
        many.write("p" + std::to_string(i) + ".yaml", "traces: [{trace: exec}]\n");
    EXPECT_EQ(load_policies({}, {many.path()}).problems,
              Problems{many.path() + ": 65 policy files; at most 64 in a directory: merge some"});
}

TEST(PolicyLoad, ChecksAcrossFiles) {
    TempDir dir{"probelog-policy"};
    std::string a = dir.write("a.yaml", "name: web\ntraces:\n  - trace: exec\n");
    std::string b = dir.write("b.yaml", "name: web\nprobes: [{name: p, probe: ./s:f}]\n");
    std::string c = dir.write("c.yaml",
                              "probes: [{name: p, probe: ./s:f}]\ntraces:\n\n"
                              "  - {name: mine, trace: trace_exec}\n");
    std::string bad = dir.write("d.yaml", "traces: [{trace: nope}]\n");
    Loaded loaded = load_policies({}, {dir.path()});
    EXPECT_TRUE(loaded.set.policies.empty());
    EXPECT_EQ(loaded.problems,
              (Problems{bad + ":1: unknown trace 'nope'; see probelog --list-traces",
                        b + ":1: policy name 'web' is also the name of " + a +
                            "; policy names are unique: give one another name (name: NAME)",
                        c + ":4: trace 'exec' is also in policy 'web' (" + a +
                            ":3); a built-in trace can be in one policy only: remove one"}));

    TempDir probes{"probelog-policy"};
    std::string text = "probes:\n";
    for (int i = 0; i < 300; ++i)
        text += "  - {name: p" + std::to_string(i) + ", probe: ./s:f}\n";
    std::string first = probes.write("a.yaml", text);
    std::string second = probes.write("b.yaml", text);
    EXPECT_EQ(load_policies({}, {probes.path()}).problems,
              Problems{second + ":214: probe 'p212' is probe number 513; at most 512 probes in "
                                "all the policies: remove some"});
}

// --- diff -----------------------------------------------------------------

PolicySet set_of(const std::vector<std::pair<std::string, std::string>>& files) {
    PolicySet set;
    for (const auto& [file, text] : files)
        set.policies.push_back(parsed(text, file));
    return set;
}

ItemKey trace_key(std::string policy, std::string name) {
    return ItemKey{std::move(policy), ItemKind::Trace, std::move(name)};
}

ItemKey probe_key(std::string policy, std::string name) {
    return ItemKey{std::move(policy), ItemKind::Probe, std::move(name)};
}

using Keys = std::vector<ItemKey>;

TEST(PolicyDiff, AddedRemovedChangedUnchanged) {
    PolicySet before = set_of({{"web.yaml", R"(traces:
  - trace: exec
  - {trace: io, options: {io_all_files: true}}
  - trace: vfs
probes:
  - {name: a, probe: ./s:f}
  - {name: b, probe: ./s:g, enabled: false}
)"},
                               {"old.yaml", "traces: [{trace: tcp}]\n"}});
    PolicySet after = set_of({{"web.yaml", R"(traces:
  - trace: exec
  - {trace: io, options: {io_all_files: false}}
probes:
  - {name: a, probe: ./s:f}
  - {name: b, probe: ./s:g, enabled: true}
  - {name: c, probe: ./s:h}
)"},
                              {"new.yaml", "traces: [{trace: tcp}]\n"}});
    Diff d = diff(before, after);
    EXPECT_EQ(d.added, (Keys{trace_key("new", "tcp"), probe_key("web", "c")}));
    EXPECT_EQ(d.removed, (Keys{trace_key("old", "tcp"), trace_key("web", "vfs")}));
    EXPECT_EQ(d.changed, (Keys{trace_key("web", "io"), probe_key("web", "b")}));
    EXPECT_EQ(d.unchanged, (Keys{trace_key("web", "exec"), probe_key("web", "a")}));
    EXPECT_FALSE(d.empty());
    EXPECT_TRUE(diff(after, after).empty());
    EXPECT_EQ(diff(PolicySet{}, after).added.size(), 6u);
    EXPECT_EQ(to_string(probe_key("web", "c")), "web/probe/c");
}

TEST(PolicyDiff, AFiltersChangeChangesEveryItemOfItsPolicyOnly) {
    PolicySet before = set_of({{"web.yaml",
                                "traces: [{trace: exec}]\nprobes: [{name: p, probe: "
                                "./s:f}]\nfilters: {pid: [1, 2]}\n"},
                               {"db.yaml", "traces: [{trace: vfs}]\n"}});
    PolicySet after = set_of({{"web.yaml",
                               "traces: [{trace: exec}]\nprobes: [{name: p, probe: "
                               "./s:f}]\nfilters: {pid: [1, 3]}\n"},
                              {"db.yaml", "traces: [{trace: vfs}]\n"}});
    Diff d = diff(before, after);
    EXPECT_EQ(d.changed, (Keys{trace_key("web", "exec"), probe_key("web", "p")}));
    EXPECT_EQ(d.unchanged, Keys{trace_key("db", "vfs")});
    EXPECT_TRUE(d.added.empty());
    EXPECT_TRUE(d.removed.empty());
}

TEST(PolicyDiff, ReorderingMovingAndRespellingIsNoChange) {
    PolicySet before = set_of({{"web.yaml", R"(traces:
  - trace: exec
  - {trace: io, options: {io_all_files: true, io_min_latency: 5ms}}
probes:
  - {name: a, probe: ./s:f, enabled: false}
  - {name: b, probe: ./s:g}
filters: {pid: [2, 1], comm: x}
)"}});
    PolicySet after = set_of({{"dir/web.yml", R"(# moved down, reordered, respelled
probes:
  - {name: b, probe: ./s:g}

  - {name: a, probe: ./s:f, enabled: no}
traces:
  - {trace: io, options: {io_min_latency: 5ms, io_all_files: yes}}
  - trace: trace_exec
filters: {comm: [x, x], pid: [1, 2]}
)"}});
    Diff d = diff(before, after);
    EXPECT_TRUE(d.empty());
    EXPECT_EQ(d.unchanged.size(), 4u);
}

}  // namespace
}  // namespace probelog::policy
