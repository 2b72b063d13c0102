#pragma once
// One option, declared once: its command-line flag, its key in a Fluent Bit
// config file's [INPUT] ebpf section (the flag without "--", with '_' for '-':
// --exec-args is exec_args), its help, and the function that checks and applies
// a value. The command line, the config file, --list-traces and docs/CONFIG.md
// are all made from these tables (the run's own in src/agent, each trace's in
// its file).

#include <span>
#include <string_view>

#include "common/result.hpp"

namespace probelog {

struct Options;

struct OptionDef {
    enum class Where {
        Everywhere,   // command line and config file
        CommandLine,  // command line only (-o, --duration, ...)
    };
    std::string_view flag;        // "--exec-args"
    std::string_view short_flag;  // "-p", or empty
    // The value's placeholder in --help ("N", "TIME"); empty: a flag without a
    // value (on/off in a config file).
    std::string_view value;
    std::string_view help;
    // Applies one value (a flag's is "true" or "false"). An error's message
    // is the problem only ("'0' is not a number from 1 to 128"): the caller
    // puts the flag or the config file's key and line before it.
    Status (*apply)(std::string_view value, Options& options) = nullptr;
    // Several values: repeatable, and when `commas`, comma-separated in one
    // value too (not for values that contain commas, such as --probe specs).
    bool list = false;
    bool commas = false;
    Where where = Where::Everywhere;
    // Errors name the value before the problem ("--probe 'SPEC': why") instead
    // of after the option ("--exec-args: '0' is not ..."): for long values
    // whose problem is somewhere inside.
    bool error_names_value = false;
};

// The one-line message of an error applying `value` to an option named `name`
// (the flag, or a config file's key as written).
std::string option_error(const OptionDef& option, std::string_view name, std::string_view value,
                         std::string_view message);

// "--exec-args" -> "exec_args": the option's key in a config file.
std::string config_key(const OptionDef& option);

}  // namespace probelog
