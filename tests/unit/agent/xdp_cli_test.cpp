// The --xdp options and the `probelog xdp ...` subcommand's command line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "agent/cli.hpp"
#include "traces/xdp_trace.hpp"
#include "support/cli_text.hpp"
#include "agent/xdp_command.hpp"

namespace probelog {
namespace {

TEST(XdpCli, XdpAloneIsTheOnlyTrace) {
    auto r = parse_cli({"--xdp", "veth0"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"xdp"}));
    const xdp::Options x = r->options.settings.value<XdpSettings>().options;
    EXPECT_EQ(x.interface, "veth0");
    EXPECT_EQ(x.mode, xdp::Mode::Auto);
    EXPECT_FALSE(x.force);
    EXPECT_EQ(x.max_sources, 16384u);
    EXPECT_EQ(x.interval, std::chrono::seconds(10));
    EXPECT_EQ(x.top, 10u);
    EXPECT_EQ(x.drop_records_per_sec, 100u);
    EXPECT_EQ(x.control_socket(), "/run/probelog/xdp-veth0.sock");
}

TEST(XdpCli, WithOtherTracesItIsAdded) {
    auto r = parse_cli({"--trace", "exec", "--xdp", "eth0"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec", "xdp"}));
    r = parse_cli({"--trace", "exec,xdp", "--xdp", "eth0"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec", "xdp"}));
}

TEST(XdpCli, EveryXdpOption) {
    auto r = parse_cli({"--xdp",
                        "eth0",
                        "--xdp-mode",
                        "generic",
                        "--xdp-force",
                        "--xdp-block",
                        "10.1.2.0/24",
                        "--xdp-block",
                        "2001:db8::1,192.0.2.9",
                        "--xdp-blocklist",
                        "/etc/bl",
                        "--xdp-interval",
                        "500ms",
                        "--xdp-top",
                        "3",
                        "--xdp-max-sources",
                        "1024",
                        "--xdp-socket",
                        "/tmp/x.sock",
                        "--xdp-drop-records",
                        "0"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const xdp::Options x = r->options.settings.value<XdpSettings>().options;
    EXPECT_EQ(x.mode, xdp::Mode::Generic);
    EXPECT_TRUE(x.force);
    ASSERT_EQ(x.block.size(), 3u);
    EXPECT_EQ(xdp::to_string(x.block[0]), "10.1.2.0/24");
    EXPECT_EQ(xdp::to_string(x.block[2]), "192.0.2.9");
    EXPECT_EQ(x.blocklist_file, "/etc/bl");
    EXPECT_EQ(x.interval, std::chrono::milliseconds(500));
    EXPECT_EQ(x.top, 3u);
    EXPECT_EQ(x.max_sources, 1024u);
    EXPECT_EQ(x.control_socket(), "/tmp/x.sock");
    EXPECT_EQ(x.drop_records_per_sec, 0u);
    EXPECT_EQ(parse_cli({"--xdp", "eth0", "--xdp-mode", "native"})
                  ->options.settings.value<XdpSettings>()
                  .options.mode,
              xdp::Mode::Native);
}

TEST(XdpCli, ErrorsAreOneLineNamingTheOption) {
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-block", "10.1.2.0/33"}),
              "--xdp-block: '10.1.2.0/33': prefix length 33 is out of range for IPv4 (0 to 32)");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-block", "10.1.2.5/24"}),
              "--xdp-block: '10.1.2.5/24' has bits set past the prefix length (did you mean "
              "10.1.2.0/24?)");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-block", "example.com"}),
              "--xdp-block: 'example.com' is not an IPv4 or IPv6 address");
    EXPECT_EQ(cli_error({"--xdp", "eth0/1"}),
              "--xdp: 'eth0/1' is not an interface name (such as eth0; ip link lists them)");
    EXPECT_EQ(cli_error({"--xdp", "a-very-long-interface-name"}),
              "--xdp: 'a-very-long-interface-name' is not an interface name (such as eth0; ip "
              "link lists them)");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-mode", "fast"}),
              "--xdp-mode: 'fast' is not a mode (expected auto, native or generic)");
    EXPECT_EQ(cli_error({"--xdp-block", "10.0.0.1"}), "--xdp-block: needs --xdp IFACE");
    EXPECT_EQ(cli_error({"--xdp-force"}), "--xdp-force: needs --xdp IFACE");
    EXPECT_EQ(cli_error({"--trace", "xdp"}),
              "--trace xdp: needs --xdp IFACE (the interface to attach to)");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-top", "26"}),
              "--xdp-top: '26' is not a number from 0 to 25");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-max-sources", "8"}),
              "--xdp-max-sources: '8' is not a number from 16 to 16777216");
    EXPECT_EQ(cli_error({"--xdp", "eth0", "--xdp-interval", "1ms"}),
              "--xdp-interval: '1ms' is shorter than 10ms");
}

TEST(XdpCli, XdpOptionsSurviveAConfigFile) {
    std::string path = "/tmp/probelog-xdp-cli-" + std::to_string(getpid()) + ".conf";
    { std::ofstream(path) << "[INPUT]\n    Name ebpf\n    Trace trace_exec\n"; }
    auto r = parse_cli({"-c", path, "--xdp", "veth0", "--xdp-block", "10.0.0.0/8"});
    unlink(path.c_str());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->options.traces, (std::vector<std::string>{"exec", "xdp"}));
    EXPECT_EQ(r->options.settings.value<XdpSettings>().options.interface, "veth0");
    ASSERT_EQ(r->options.settings.value<XdpSettings>().options.block.size(), 1u);
}

Result<XdpCommand> sub(std::vector<std::string> args) {
    args.insert(args.begin(), {"probelog", "xdp"});
    return parse_xdp_command(args);
}

TEST(XdpCommandLine, VerbsAndWhereTheAgentIs) {
    auto c = sub({"-i", "veth0", "block", "10.1.2.0/24", "::1"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->socket_path, "/run/probelog/xdp-veth0.sock");
    EXPECT_EQ(c->words, (std::vector<std::string>{"block", "10.1.2.0/24", "::1"}));
    c = sub({"--socket", "/tmp/a.sock", "stats"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->socket_path, "/tmp/a.sock");
    c = sub({"--interface=eth1", "list"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->socket_path, "/run/probelog/xdp-eth1.sock");
    EXPECT_TRUE(sub({"--help"})->help);
}

TEST(XdpCommandLine, BadInputIsOneLine) {
    EXPECT_EQ(sub({"-i", "veth0"}).error().message,
              "xdp: expected a command: block, unblock, list or stats (see probelog xdp --help)");
    EXPECT_EQ(sub({"-i", "veth0", "block", "10.1.2.0/24", "10.1.2.300"}).error().message,
              "xdp: '10.1.2.300' is not an IPv4 or IPv6 address");
    EXPECT_EQ(sub({"-i", "veth0", "flush"}).error().message,
              "xdp: unknown command 'flush' (expected block, unblock, list or stats)");
    EXPECT_EQ(sub({"-x", "list"}).error().message,
              "xdp: unknown option '-x' (see probelog xdp --help)");
    EXPECT_EQ(sub({"-i", "a", "--socket", "/b", "list"}).error().message,
              "xdp: give -i IFACE or --socket PATH, not both");
    EXPECT_EQ(sub({"-i"}).error().message, "xdp: -i needs a value");
}

}  // namespace
}  // namespace probelog
