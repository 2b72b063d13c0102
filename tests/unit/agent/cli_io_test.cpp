// The io trace's command-line options and their error messages.
#include <gtest/gtest.h>

#include "agent/cli.hpp"
#include "traces/io_trace.hpp"
#include "support/cli_text.hpp"

namespace probelog {
namespace {

TEST(CliIo, DefaultsArePerCallRegularFilesOnly) {
    auto r = parse_cli({"--trace", "io"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const IoSettings t = r->options.settings.value<IoSettings>();
    EXPECT_EQ(t.map_size, 10240u);
    EXPECT_FALSE(t.all_files);
    EXPECT_EQ(t.min_latency_ns, 0u);
    EXPECT_EQ(t.aggregate_ns, 0u);
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"io"}));
}

TEST(CliIo, EveryOption) {
    auto r = parse_cli({"-t", "trace_io", "--io-map-size", "64", "--io-all-files",
                        "--io-min-latency", "1.5ms", "--io-aggregate", "5s"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const IoSettings t = r->options.settings.value<IoSettings>();
    EXPECT_EQ(t.map_size, 64u);
    EXPECT_TRUE(t.all_files);
    EXPECT_EQ(t.min_latency_ns, 1'500'000u);
    EXPECT_EQ(t.aggregate_ns, 5'000'000'000u);
}

TEST(CliIo, ErrorMessages) {
    EXPECT_EQ(cli_error({"--io-map-size", "0"}),
              "--io-map-size: '0' is not a number of entries from 1 to 1048576");
    EXPECT_EQ(cli_error({"--io-map-size", "2000000"}),
              "--io-map-size: '2000000' is not a number of entries from 1 to 1048576");
    EXPECT_EQ(cli_error({"--io-min-latency", "slow"}),
              "--io-min-latency: 'slow' is not a duration (examples: 500ms, 10s, 2m, 1h)");
    EXPECT_EQ(cli_error({"--io-aggregate", "10ms"}),
              "--io-aggregate: '10ms' is too short an interval (at least 100ms)");
    EXPECT_EQ(cli_error({"--io-aggregate", "often"}),
              "--io-aggregate: 'often' is not a duration (examples: 500ms, 10s, 2m, 1h)");
}

}  // namespace
}  // namespace probelog
