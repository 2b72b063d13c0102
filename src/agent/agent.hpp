#pragma once

#include "agent/options.hpp"

namespace probelog {

// Runs probelog as configured; prints its own errors (one line each) and
// returns the process exit code.
int run_agent(const Options& options);

// The --list-traces text.
std::string list_traces_text();

}  // namespace probelog
