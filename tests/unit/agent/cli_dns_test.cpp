// The dns trace's command-line option and its error messages.
#include <gtest/gtest.h>

#include "agent/cli.hpp"
#include "support/cli_text.hpp"
#include "traces/dns_trace.hpp"

namespace probelog {
namespace {

TEST(CliDns, DefaultIsPort53) {
    auto r = parse_cli({"--trace", "dns"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->options.settings.value<DnsSettings>().ports.empty());  // 53 in the kernel
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"dns"}));
}

TEST(CliDns, PortsAreAListOnceEach) {
    auto r = parse_cli({"-t", "trace_dns", "--dns-ports", "53,5353", "--dns-ports", "5353,853"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.settings.value<DnsSettings>().ports,
              (std::vector<uint16_t>{53, 5353, 853}));
}

TEST(CliDns, ErrorMessages) {
    EXPECT_EQ(cli_error({"--dns-ports", "0"}),
              "--dns-ports: '0' is not a port from 1 to 65535 (example: 53,5353)");
    EXPECT_EQ(cli_error({"--dns-ports", "abc"}),
              "--dns-ports: 'abc' is not a port from 1 to 65535 (example: 53,5353)");
    EXPECT_EQ(cli_error({"--dns-ports", "65536"}),
              "--dns-ports: '65536' is not a port from 1 to 65535 (example: 53,5353)");
    EXPECT_EQ(cli_error({"--dns-ports", "1,2,3,4,5,6,7,8,9"}),
              "--dns-ports: '9' is one port too many (at most 8)");
}

}  // namespace
}  // namespace probelog
