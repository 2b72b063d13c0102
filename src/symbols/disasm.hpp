#pragma once
// x86-64 instruction boundaries (capstone): a uprobe must sit on the first byte
// of an instruction, and Go return probes sit on every RET of a function.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.hpp"

namespace probelog::symbols {

struct Instruction {
    uint64_t address = 0;  // link-time address
    uint8_t size = 0;
    bool is_ret = false;
};

// Decodes `code`, which starts at link-time `address`, up to its end or the
// first byte that is not an instruction.
Result<std::vector<Instruction>> decode_instructions(std::span<const uint8_t> code,
                                                     uint64_t address);

// The end of a Go function's stack-bound check, if it starts with one:
//   cmp rsp, qword ptr [r14 + 0x10]; jbe MORESTACK          (small frames)
//   lea r12, [rsp - N]; cmp r12, qword ptr [r14 + 0x10]; jbe (bigger frames)
//   mov r12, rsp; sub r12, N; jb ...; cmp r12, [r14 + 0x10]; jbe (huge frames)
// (r14 is the goroutine, 0x10 its stackguard0). Right after it the arguments
// are still in their registers and the stack pointer is the entry's, and a
// call passes there once, whereas the entry runs again when the stack must
// grow first (morestack copies the stack and restarts the function).
std::optional<uint64_t> go_stack_check_end(std::span<const uint8_t> code, uint64_t address);

}  // namespace probelog::symbols
