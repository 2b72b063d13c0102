#pragma once
// Every option a run has, declared once: the run's own (filters, ring buffer,
// drains) here, and each trace's in its TraceDef. The command line, the config
// file's [INPUT] ebpf keys, --list-traces and docs/CONFIG.md are made from
// these tables, and each value is checked by one function.

#include <span>
#include <string>
#include <vector>

#include "common/option_def.hpp"

namespace probelog {

// The run's own options that are not about one trace.
std::span<const OptionDef> run_options();

// The run's options, then each trace's in --list-traces order.
std::vector<const OptionDef*> all_options();

// The options a config file's [INPUT] ebpf section takes (by config_key()).
std::vector<const OptionDef*> config_options();

}  // namespace probelog
