#pragma once
// A USDT probe's argument recipe (issue 17), as <sys/sdt.h> writes it in the
// note: one GNU assembler operand per argument, separated by blanks, each with
// its size and sign ("-4@%eax" is a signed 32-bit value in eax):
//
//   SIZE@%REG               a register (rax, eax, ax, al, r8d...)
//   SIZE@$IMM               a constant
//   SIZE@OFF(%REG)          memory at a register plus an offset
//   SIZE@OFF(%BASE,%INDEX,SCALE)  memory at base + index * scale + offset
//
// Each becomes a pl_probe_loc of the generic uprobe program and a probe value
// type (s8..u64). Pure: no BPF, no root.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "probes/spec.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::probes {

struct UsdtArg {
    std::string text;  // as the note spells it: "-4@-20(%rbp)"
    pl_probe_loc loc{};
    uint8_t bytes = 8;  // 1, 2, 4 or 8
    bool is_signed = false;
};

// Errors name the argument and why it cannot be read: "argument 2 '8@foo(%rip)':
// ...".
Result<std::vector<UsdtArg>> parse_usdt_args(std::string_view recipe);

// s8..s64 or u8..u64 by the argument's size and sign.
ValueType usdt_arg_type(const UsdtArg& arg);

}  // namespace probelog::probes
