#pragma once
// x86-64 instruction boundaries (capstone): a uprobe must sit on the first byte
// of an instruction, and Go return probes sit on every RET of a function.

#include <cstdint>
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

}  // namespace probelog::symbols
