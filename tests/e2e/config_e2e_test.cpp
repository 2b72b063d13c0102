// probelog -c with Fluent Bit configuration files, as a user runs it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

TEST(ConfigE2E, YamlConfigWithAFileOutputPerEventType) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-config-e2e"};
    std::string conf = dir.write("fluent-bit.yaml",
                                 "service:\n"
                                 "  flush: 1\n"
                                 "pipeline:\n"
                                 "  inputs:\n"
                                 "    - name: ebpf\n"
                                 "      trace: [trace_exec, trace_vfs]\n"
                                 "      poll_ms: 20\n"
                                 "  outputs:\n"
                                 "    - name: file\n"
                                 "      match: exec\n"
                                 "      path: " +
                                     dir.path() +
                                     "/logs\n"
                                     "      file: exec.jsonl\n"
                                     "      mkdir: on\n"
                                     "    - name: stdout\n"
                                     "      match: '*'\n"
                                     "      format: json_lines\n");
    std::string token = unique_token("cfg");
    std::string touched = dir.path() + "/" + token;
    Finished f = run({probelog_bin(), "-c", conf, "--", "/usr/bin/touch", touched});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find("tracing exec, vfs"), std::string::npos) << f.err;

    // The file got the exec record only; stdout got both kinds.
    auto in_file = parse_json_lines(dir.read("logs/exec.jsonl"));
    ASSERT_EQ(in_file.size(), 1u);
    EXPECT_EQ(in_file[0].str("event_type"), "exec");
    EXPECT_EQ(in_file[0].str("argv1"), touched);
    auto on_stdout = parse_json_lines(f.out);
    auto opened = select(on_stdout, [&](const JsonRecord& r) {
        return r.str("event_type") == "vfs" && r.str("path") == touched;
    });
    ASSERT_EQ(opened.size(), 1u) << f.out;
    EXPECT_EQ(opened[0]->str("operation_name"), "openat");
    EXPECT_EQ(
        select(on_stdout, [](const JsonRecord& r) { return r.str("event_type") == "exec"; }).size(),
        1u);
}

TEST(ConfigE2E, ClassicConfigErrorIsOneLineWithFileAndLine) {
    TempDir dir{"probelog-config-e2e"};
    std::string conf = dir.write("config.conf",
                                 "[INPUT]\n"
                                 "    Name     ebpf\n"
                                 "    Trace    trace_exec\n"
                                 "    Trace    foo\n");
    Finished f = run({probelog_bin(), "-c", conf});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_EQ(f.err.rfind("probelog: " + conf + ":4: unknown trace 'foo' (known: ", 0), 0u)
        << f.err;
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
}

}  // namespace
}  // namespace probelog::test
