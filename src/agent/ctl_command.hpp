#pragma once
// `probelog ctl list|stats|add|remove|enable|disable|xdp ...`: changes what a
// running agent traces, through its control socket (--control-socket, default
// /run/probelog/probelog.sock; root only). See control/ctl_request.hpp.

#include <string>
#include <vector>

#include "common/result.hpp"
#include "control/ctl_request.hpp"

namespace probelog {

// Where an agent listens unless --control-socket says otherwise.
inline constexpr const char* kDefaultControlSocket = "/run/probelog/probelog.sock";

struct CtlCommand {
    std::string socket_path = kDefaultControlSocket;
    control::CtlRequest request;
    bool help = false;
};

// Parses argv (argv[1] == "ctl"); pure.
Result<CtlCommand> parse_ctl_command(const std::vector<std::string>& args);

std::string ctl_command_help();

// Runs the subcommand; prints the answer or one error line; returns the exit
// code (0; 1 if the agent refused or could not be reached; 2 for bad usage).
int run_ctl_command(const std::vector<std::string>& args);

}  // namespace probelog
