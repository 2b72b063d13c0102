// The `probelog ctl` command line (agent/ctl_command.hpp): pure parsing.
#include <gtest/gtest.h>

#include "agent/ctl_command.hpp"

namespace probelog {
namespace {

Result<CtlCommand> parse(std::vector<std::string> words) {
    words.insert(words.begin(), {"probelog", "ctl"});
    return parse_ctl_command(words);
}

TEST(CtlCommand, ParsesEveryCommand) {
    auto add = parse({"--socket", "/tmp/s", "add", "--name", "n", "./a:f(int x) if x > 1"});
    ASSERT_TRUE(add.ok()) << add.error().message;
    EXPECT_EQ(add->socket_path, "/tmp/s");
    EXPECT_EQ(add->request.verb, control::CtlVerb::Add);
    EXPECT_EQ(add->request.name, "n");
    EXPECT_EQ(add->request.spec, "./a:f(int x) if x > 1");
    auto replace = parse({"add", "--replace", "--name=n", "./a:f"});
    ASSERT_TRUE(replace.ok());
    EXPECT_TRUE(replace->request.replace);
    auto json = parse({"-o", "json", "stats"});
    ASSERT_TRUE(json.ok());
    EXPECT_TRUE(json->request.json);
    EXPECT_EQ(json->socket_path, kDefaultControlSocket);
    auto xdp = parse({"xdp", "block", "10.0.0.0/8"});
    ASSERT_TRUE(xdp.ok());
    EXPECT_EQ(xdp->request.args, (std::vector<std::string>{"block", "10.0.0.0/8"}));
    EXPECT_EQ(parse({"disable", "exec"})->request.verb, control::CtlVerb::Disable);
    EXPECT_TRUE(parse({"--help"})->help);
}

TEST(CtlCommand, BadCommandLinesSayWhatToDo) {
    EXPECT_EQ(parse({}).error().message,
              "ctl: expected a command: list, stats, add, remove, enable, disable or xdp (see "
              "probelog ctl --help)");
    EXPECT_EQ(parse({"list", "all"}).error().message, "ctl list: takes no arguments");
    EXPECT_EQ(parse({"remove"}).error().message,
              "ctl remove: expected one probe or trace name (see probelog ctl list)");
    EXPECT_EQ(parse({"add", "./a:f", "extra"}).error().message,
              "ctl add: one probe spec, quoted as one argument (e.g. probelog ctl add "
              "'./app:f(int x)')");
    EXPECT_EQ(parse({"add", "--replace", "./a:f"}).error().message,
              "ctl add --replace: name the probe to replace (--name NAME)");
    EXPECT_EQ(parse({"-o", "yaml", "list"}).error().message,
              "ctl: -o takes json or text, not 'yaml'");
    EXPECT_EQ(parse({"--bogus", "list"}).error().message,
              "ctl: unknown option '--bogus' (see probelog ctl --help)");
}

}  // namespace
}  // namespace probelog
