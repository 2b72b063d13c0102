#pragma once
// The command line `probelog ARGS...` for the agent's unit tests (the CLI is
// made from every trace's option table, so these tests link the traces).

#include <string>
#include <vector>

#include "agent/cli.hpp"
#include "support/error_text.hpp"

namespace probelog {

inline Result<CliOutcome> parse_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "probelog");
    return parse_command_line(args);
}

inline std::string cli_error(std::vector<std::string> args) {
    return error_text(parse_cli(std::move(args)));
}

}  // namespace probelog
