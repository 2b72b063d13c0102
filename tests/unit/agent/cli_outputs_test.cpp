// Outputs from the command line: --metrics adds prometheus outputs next to -o.
#include <gtest/gtest.h>

#include "agent/cli.hpp"
#include "sinks/factory.hpp"

namespace probelog {
namespace {

TEST(CliOutputs, MetricsFlagAddsPrometheusOutputs) {
    auto cli = parse_command_line(
        {"probelog", "--metrics", "127.0.0.1:9464", "--metrics", "0", "-o", "json"});
    ASSERT_TRUE(cli.ok()) << cli.error().message;
    const auto& outs = cli->options.outputs;
    ASSERT_EQ(outs.size(), 3u);
    EXPECT_EQ(outs[0].kind, "stdout");
    EXPECT_EQ(outs[1].kind, "prometheus");
    EXPECT_EQ(metrics_endpoint(outs[1])->port, 9464);
    EXPECT_EQ(metrics_endpoint(outs[2])->host, "127.0.0.1");
    EXPECT_EQ(metrics_endpoint(outs[2])->port, 0);

    auto bad = parse_command_line({"probelog", "--metrics", "localhost:http"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message,
              "--metrics: prometheus: port='http' is not a number from 0 to 65535");
}

}  // namespace
}  // namespace probelog
