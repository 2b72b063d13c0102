#include <fmt/format.h>

#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/cli.hpp"
#include "agent/ctl_command.hpp"
#include "agent/xdp_command.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    // Subcommands, before the options of a run.
    if (args.size() >= 2 && args[1] == "xdp") return probelog::run_xdp_command(args);
    if (args.size() >= 2 && args[1] == "ctl") return probelog::run_ctl_command(args);
    auto outcome = probelog::parse_command_line(args);
    if (!outcome) {
        fmt::print(stderr, "probelog: {}\n", outcome.error().message);
        return 2;
    }
    if (outcome->exit_code) {
        fmt::print("{}", outcome->text);
        return *outcome->exit_code;
    }
    return probelog::run_agent(outcome->options);
}
