// --hist and --hist-interval: on the command line and as config file keys,
// with the same checks.
#include <gtest/gtest.h>

#include "agent/run_options.hpp"
#include "config/config.hpp"
#include "support/cli_text.hpp"

namespace probelog {
namespace {

TEST(CliHist, OffByDefault) {
    auto r = parse_cli({});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->options.hist);
    EXPECT_FALSE(r->options.hist_interval.has_value());
}

TEST(CliHist, FlagAndIntervalWhichImpliesIt) {
    auto r = parse_cli({"--hist"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->options.hist);
    EXPECT_FALSE(r->options.hist_interval.has_value());

    r = parse_cli({"--hist-interval", "1.5s"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->options.hist);
    ASSERT_TRUE(r->options.hist_interval.has_value());
    EXPECT_EQ(r->options.hist_interval->count(), 1'500'000'000);
}

TEST(CliHist, IntervalMustBeAPositiveDuration) {
    EXPECT_EQ(cli_error({"--hist-interval", "0"}),
              "--hist-interval: '0' is not a positive duration (examples: 500ms, 5s, 1m)");
    EXPECT_EQ(cli_error({"--hist-interval", "0ms"}),
              "--hist-interval: '0ms' is not a positive duration (examples: 500ms, 5s, 1m)");
    EXPECT_EQ(cli_error({"--hist-interval", "soon"}),
              "--hist-interval: 'soon' is not a positive duration (examples: 500ms, 5s, 1m)");
    EXPECT_EQ(cli_error({"--hist-interval", "-1s"}),
              "--hist-interval: '-1s' is not a positive duration (examples: 500ms, 5s, 1m)");
}

config::Context hist_context() {
    config::Context c;
    c.known_traces = {"io", "probe"};
    c.options = config_options();
    c.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    return c;
}

TEST(CliHist, ConfigFileKeys) {
    auto r = config::parse_classic(
        "[INPUT]\n    Name ebpf\n    Trace io\n    hist on\n    hist_interval 250ms\n", "fb.conf",
        hist_context());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->hist);
    ASSERT_TRUE(r->hist_interval.has_value());
    EXPECT_EQ(r->hist_interval->count(), 250'000'000);

    auto bad = config::parse_classic("[INPUT]\n    Name ebpf\n    hist_interval 0s\n", "fb.conf",
                                     hist_context());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("hist_interval: '0s' is not a positive duration"),
              std::string::npos)
        << bad.error().message;
}

}  // namespace
}  // namespace probelog
