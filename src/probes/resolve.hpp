#pragma once
// From a parsed spec to a place in a file and a typed parameter list: finds the
// file (path, library short name, program), the function (symbol, demangled
// C++ name, address, symbol+offset), checks that the probe sits on an
// instruction, converts the link-time address to a file offset, and takes
// parameter names and types from DWARF when the spec lists none.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "probes/go_abi.hpp"
#include "probes/spec.hpp"
#include "probes/usdt_args.hpp"
#include "symbols/dwarf.hpp"

namespace probelog::probes {

struct ResolveOptions {
    std::optional<int> pid;  // the traced process: whose libraries short names mean
};

struct ResolvedProbe {
    ProbeSpec spec;
    std::string binary;  // the file to attach to
    std::string name;    // the probe's name in records: "app:compute+0x10"
    uint64_t vaddr = 0;  // link-time address
    uint64_t file_offset = 0;
    bool function_entry = true;  // the first instruction of a function: args and return readable
    std::string function;        // the function's display name, if known
    std::vector<ParamSpec> params;
    std::optional<ValueType> ret;
    std::string params_from;         // "spec", "DWARF", "raw registers"
    std::vector<std::string> notes;  // what was left out and why
    // The file's DWARF (or its debug file's), kept for the captures' field
    // expressions; null if it has none or none was needed.
    std::shared_ptr<const symbols::DwarfInfo> dwarf;

    // A Go function (issue 6): Go's register ABI instead of params/ret, and
    // returns read by uprobes at its RET instructions, never a uretprobe.
    bool go = false;
    std::string go_version;          // "go1.19.8"; empty if the build info is unreadable
    std::vector<GoValue> go_params;  // receiver and arguments
    std::vector<GoValue> go_results;
    GoAssignment go_abi;               // where each of their words is
    uint64_t entry_skip = 0;           // the entry probe is this far in: past the stack check
    std::vector<uint64_t> ret_vaddrs;  // the function's RET instructions
    std::vector<uint64_t> ret_file_offsets;
    std::string ret_error;        // why they could not be found, if not
    int32_t g_stack_hi = 8;       // offsetof(runtime.g, stack.hi): the pairing key's base
    std::string g_stack_hi_from;  // "DWARF (runtime.g)" or "the Go 1.17+ layout"

    // One site of a USDT probe (issue 17, usdt_resolve.hpp): its arguments
    // are where the note's recipe says (params' abi_index is the argument's
    // position), it has no return, and its semaphore is counted by the
    // kernel while the uprobe is attached.
    bool usdt = false;
    std::string usdt_provider;
    std::string usdt_name;
    std::vector<UsdtArg> usdt_args;
    uint64_t ref_ctr_offset = 0;  // file offset of the semaphore; 0: none
};

// Errors are one line: what is wrong and what to do about it.
Result<ResolvedProbe> resolve_probe(const ProbeSpec& spec, const ResolveOptions& options);

// Parameters and return type of a DWARF function in probe terms (x86-64 SysV).
// Parameters that cannot be read are left out with a note.
void params_from_dwarf(const symbols::DwarfFunction& fn, std::vector<ParamSpec>& params,
                       std::optional<ValueType>& ret, std::vector<std::string>& notes);

// A DWARF type as a probe type, if it has one.
std::optional<ValueType> probe_type_of(const symbols::DwarfType& type);

}  // namespace probelog::probes
