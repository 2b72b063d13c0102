#pragma once
// What tests compare error messages with: the message, or "<no error>" when
// the call succeeded (so a wrong success shows up in the failure output).

#include <string>
#include <vector>

#include "agent/cli.hpp"
#include "common/result.hpp"

namespace probelog {

template <typename T>
std::string error_text(const Result<T>& r) {
    return r.ok() ? "<no error>" : r.error().message;
}

// The command line `probelog ARGS...`.
inline Result<CliOutcome> parse_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "probelog");
    return parse_command_line(args);
}

inline std::string cli_error(std::vector<std::string> args) {
    return error_text(parse_cli(std::move(args)));
}

}  // namespace probelog
