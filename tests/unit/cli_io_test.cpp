// The io trace's command-line options and their error messages.
#include <gtest/gtest.h>

#include "agent/cli.hpp"

namespace probelog {
namespace {

Result<CliOutcome> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "probelog");
    return parse_command_line(args);
}

std::string error_of(std::vector<std::string> args) {
    auto r = parse(std::move(args));
    return r.ok() ? "<no error>" : r.error().message;
}

TEST(CliIo, DefaultsArePerCallRegularFilesOnly) {
    auto r = parse({"--trace", "io"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const TraceOptions& t = r->options.trace;
    EXPECT_EQ(t.io_map_size, 10240u);
    EXPECT_FALSE(t.io_all_files);
    EXPECT_EQ(t.io_min_latency_ns, 0u);
    EXPECT_EQ(t.io_aggregate_ns, 0u);
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"io"}));
}

TEST(CliIo, EveryOption) {
    auto r = parse({"-t", "trace_io", "--io-map-size", "64", "--io-all-files", "--io-min-latency",
                    "1.5ms", "--io-aggregate", "5s"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const TraceOptions& t = r->options.trace;
    EXPECT_EQ(t.io_map_size, 64u);
    EXPECT_TRUE(t.io_all_files);
    EXPECT_EQ(t.io_min_latency_ns, 1'500'000u);
    EXPECT_EQ(t.io_aggregate_ns, 5'000'000'000u);
}

TEST(CliIo, ErrorMessages) {
    EXPECT_EQ(error_of({"--io-map-size", "0"}),
              "--io-map-size: '0' is not a number of entries from 1 to 1048576");
    EXPECT_EQ(error_of({"--io-map-size", "2000000"}),
              "--io-map-size: '2000000' is not a number of entries from 1 to 1048576");
    EXPECT_EQ(error_of({"--io-min-latency", "slow"}),
              "--io-min-latency: 'slow' is not a duration (examples: 500ms, 10s, 2m, 1h)");
    EXPECT_EQ(error_of({"--io-aggregate", "10ms"}),
              "--io-aggregate: '10ms' is too short an interval (at least 100ms)");
    EXPECT_EQ(error_of({"--io-aggregate", "often"}),
              "--io-aggregate: 'often' is not a duration (examples: 500ms, 10s, 2m, 1h)");
}

}  // namespace
}  // namespace probelog
