// Command-line parsing and the exact error messages users see.
#include <gtest/gtest.h>

#include "agent/cli.hpp"
#include "traces/exec_trace.hpp"
#include "support/cli_text.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

TEST(Cli, DefaultsWithNoArguments) {
    auto r = parse_cli({});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->options.traces.empty());
    EXPECT_TRUE(r->options.outputs.empty());
    EXPECT_EQ(r->options.poll_ms, 100u);
    EXPECT_EQ(r->options.ringbuf_size, 4u << 20);
    EXPECT_FALSE(r->exit_code.has_value());
}

TEST(Cli, RepeatableAndCommaSeparatedTraces) {
    auto r = parse_cli({"--trace", "exec", "-t", "trace_exec,exec"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec", "trace_exec", "exec"}));
}

TEST(Cli, EveryValueOption) {
    auto r = parse_cli({"--pid", "12", "--pid", "34", "--comm", "bash", "--duration", "1.5s",
                        "--max-records", "10", "--ringbuf-size", "256K", "--poll-ms", "20", "-o",
                        "json", "--exec-args", "64", "-v"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Options& o = r->options;
    EXPECT_EQ(o.pids, (std::vector<uint32_t>{12, 34}));
    EXPECT_EQ(o.comm, "bash");
    EXPECT_EQ(o.duration->count(), 1'500'000'000);
    EXPECT_EQ(*o.max_records, 10u);
    EXPECT_EQ(o.ringbuf_size, 256u * 1024);
    EXPECT_EQ(o.poll_ms, 20u);
    ASSERT_EQ(o.outputs.size(), 1u);
    EXPECT_EQ(o.outputs[0].kind, "stdout");
    EXPECT_EQ(o.outputs[0].format, OutputFormat::Json);
    EXPECT_EQ(o.settings.value<ExecSettings>().args_max, 64u);
    EXPECT_TRUE(o.verbose);
}

TEST(Cli, CommandAfterDoubleDashIsTakenVerbatim) {
    auto r = parse_cli({"--trace", "exec", "--", "ls", "-l", "--trace", "--"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.command, (std::vector<std::string>{"ls", "-l", "--trace", "--"}));
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec"}));
}

TEST(Cli, HelpAndVersionPrintAndExit) {
    auto help = parse_cli({"--help"});
    ASSERT_TRUE(help.ok());
    EXPECT_EQ(help->exit_code, 0);
    EXPECT_NE(help->text.find("--list-traces"), std::string::npos);
    auto version = parse_cli({"--version"});
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(version->text.rfind("probelog ", 0), 0u);
}

TEST(Cli, ErrorMessages) {
    EXPECT_EQ(
        cli_error({"--trace", "nope"}), "--trace: unknown trace 'nope' (known: " + [] {
            std::string names;
            for (const TraceDef* t : trace_defs())
                names += (names.empty() ? "" : ", ") + std::string(t->info.name);
            return names;
        }() + "; see --list-traces)");
    EXPECT_EQ(cli_error({"--pid", "abc"}),
              "--pid: 'abc' is not a process id (expected a number such as 1234)");
    EXPECT_EQ(cli_error({"--pid", "0"}),
              "--pid: '0' is not a process id (expected a number such as 1234)");
    EXPECT_EQ(cli_error({"--duration", "soon"}),
              "--duration: 'soon' is not a duration (examples: 500ms, 10s, 2m, 1h)");
    EXPECT_EQ(cli_error({"--ringbuf-size", "12Q"}),
              "--ringbuf-size: '12Q' is not a size from 4K to 1G");
    EXPECT_EQ(cli_error({"--ringbuf-size", "100"}),
              "--ringbuf-size: '100' is not a size from 4K to 1G");
    EXPECT_EQ(cli_error({"--poll-ms", "0"}),
              "--poll-ms: '0' is not a number of milliseconds from 1 to 60000");
    EXPECT_EQ(cli_error({"--max-records", "-1"}),
              "--max-records: '-1' is not a positive whole number");
    EXPECT_TRUE(
        cli_error({"-o", "xml"})
            .starts_with(
                "-o: unknown output 'xml' (expected json, table, null, or a URL: forward://"))
        << cli_error({"-o", "xml"});
    EXPECT_EQ(cli_error({"--exec-args", "500"}),
              "--exec-args: '500' is not a number from 1 to 128");
    EXPECT_EQ(cli_error({"--comm", "a-very-long-command-name"}),
              "--comm: 'a-very-long-command-name' is longer than the 15 characters the kernel "
              "keeps of a command name: use 'a-very-long-com'");
    EXPECT_EQ(cli_error({"--"}), "--: expected a command after it");
    std::string unknown = cli_error({"--frobnicate"});
    EXPECT_NE(unknown.find("--frobnicate"), std::string::npos) << unknown;
    EXPECT_TRUE(unknown.ends_with("(see probelog --help)")) << unknown;
    EXPECT_EQ(unknown.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace probelog
