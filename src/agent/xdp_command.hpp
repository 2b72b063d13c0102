#pragma once
// `probelog xdp block|unblock|list|stats ...`: talks to a running `probelog
// --xdp IFACE` through its control socket (src/xdp/control.hpp).

#include <string>
#include <vector>

#include "common/result.hpp"

namespace probelog {

struct XdpCommand {
    std::string socket_path;         // resolved: --socket, -i IFACE, or the only agent running
    std::vector<std::string> words;  // the request: verb and its arguments
    bool help = false;
};

// Parses argv (argv[1] == "xdp"). Pure but for finding the running agent when
// neither -i nor --socket is given (a look into /run/probelog).
Result<XdpCommand> parse_xdp_command(const std::vector<std::string>& args);

std::string xdp_command_help();

// Runs the subcommand; prints the answer or one error line; returns the exit code.
int run_xdp_command(const std::vector<std::string>& args);

}  // namespace probelog
