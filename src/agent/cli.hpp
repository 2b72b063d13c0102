#pragma once
// Command-line parsing. Pure: no BPF, no root, so it is unit-tested as is.

#include <optional>
#include <string>
#include <vector>

#include "agent/options.hpp"
#include "common/result.hpp"

namespace probelog {

struct CliOutcome {
    Options options;
    // Set when the command line only asked for text (--help, --version):
    // print `text` to stdout and exit with `exit_code`.
    std::optional<int> exit_code;
    std::string text;
};

// Errors are one line naming the option, the bad value and what is expected.
Result<CliOutcome> parse_command_line(const std::vector<std::string>& args);

}  // namespace probelog
