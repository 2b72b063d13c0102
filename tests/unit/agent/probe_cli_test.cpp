// --probe and its options on the command line.
#include <gtest/gtest.h>

#include "agent/cli.hpp"
#include "traces/probe_trace.hpp"
#include "support/cli_text.hpp"

namespace probelog {
namespace {

TEST(ProbeCli, ProbesAloneRunTheProbeTraceOnly) {
    auto r = parse_cli({"--probe", "app:f(int a)", "--probe", "libc:malloc(u64 n)", "--pid", "42"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Options& o = r->options;
    EXPECT_EQ(o.traces, (std::vector<std::string>{"probe"}));
    EXPECT_EQ(o.settings.value<ProbeSettings>().specs,
              (std::vector<std::string>{"app:f(int a)", "libc:malloc(u64 n)"}));
    EXPECT_EQ(o.pids, (std::vector<uint32_t>{42}));
    EXPECT_EQ(o.settings.value<ProbeSettings>().mode, "call");
    EXPECT_EQ(o.settings.value<ProbeSettings>().str_max, 128u);
    EXPECT_EQ(o.settings.value<ProbeSettings>().buf_max, 256u);
}

TEST(ProbeCli, ProbesWithOtherTraces) {
    auto r = parse_cli({"--trace", "exec", "--probe", "app:f", "--probe-mode", "split",
                        "--probe-str-max", "64", "--probe-buf-max", "1K"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec", "probe"}));
    EXPECT_EQ(r->options.settings.value<ProbeSettings>().mode, "split");
    EXPECT_EQ(r->options.settings.value<ProbeSettings>().str_max, 64u);
    EXPECT_EQ(r->options.settings.value<ProbeSettings>().buf_max, 1024u);
}

TEST(ProbeCli, CommandModeAttachesEverywhereAndFiltersInTheKernel) {
    auto r = parse_cli({"--probe", "app:f", "--", "app"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(uprobe_pids_for(r->options).empty());
    auto with_pid = parse_cli({"--probe", "app:f", "--pid", "7"});
    ASSERT_TRUE(with_pid.ok()) << with_pid.error().message;
    EXPECT_EQ(uprobe_pids_for(with_pid->options), (std::vector<uint32_t>{7}));
}

TEST(ProbeCli, ProbeList) {
    auto r = parse_cli({"--probe-list", "libc", "mall*"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.probe_list, (std::vector<std::string>{"libc", "mall*"}));
    auto one = parse_cli({"--probe-list", "/bin/ls"});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->options.probe_list, (std::vector<std::string>{"/bin/ls"}));
}

TEST(ProbeCli, Errors) {
    EXPECT_EQ(cli_error({"--probe", "app:f(int a,, int b)"}),
              "--probe 'app:f(int a,, int b)': column 13: expected a type (s8..s64, u8..u64, int, "
              "long, ptr, bool, char, str, buf), found ','");
    EXPECT_EQ(cli_error({"--probe", "app:f", "--probe-mode", "both"}),
              "--probe-mode: unknown probe mode 'both' (expected call, split or entry)");
    EXPECT_EQ(cli_error({"--probe", "app:f", "--probe-str-max", "3000"}),
              "--probe-str-max: '3000' is not a byte count from 1 to 2046");
    EXPECT_EQ(cli_error({"--probe", "app:f", "--probe-buf-max", "0"}),
              "--probe-buf-max: '0' is not a byte count from 1 to 2048");
    EXPECT_EQ(cli_error({"--trace", "probe"}), "--trace probe: needs at least one --probe SPEC");
}

}  // namespace
}  // namespace probelog
