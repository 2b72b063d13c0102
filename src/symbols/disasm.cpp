#include "symbols/disasm.hpp"

#include <capstone/capstone.h>

#include <string_view>

namespace probelog::symbols {

Result<std::vector<Instruction>> decode_instructions(std::span<const uint8_t> code,
                                                     uint64_t address) {
    csh handle = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        return make_error("cannot start the x86-64 disassembler (capstone)");
    }
    cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn* insn = cs_malloc(handle);
    std::vector<Instruction> out;
    const uint8_t* bytes = code.data();
    size_t left = code.size();
    uint64_t at = address;
    while (left > 0 && cs_disasm_iter(handle, &bytes, &left, &at, insn)) {
        Instruction i;
        i.address = insn->address;
        i.size = static_cast<uint8_t>(insn->size);
        i.is_ret = cs_insn_group(handle, insn, CS_GRP_RET);
        out.push_back(i);
    }
    cs_free(insn, 1);
    cs_close(&handle);
    return out;
}

std::optional<uint64_t> go_stack_check_end(std::span<const uint8_t> code, uint64_t address) {
    constexpr size_t kMaxPrologue = 6;  // instructions
    csh handle = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return std::nullopt;
    cs_insn* insn = cs_malloc(handle);
    const uint8_t* bytes = code.data();
    size_t left = code.size();
    uint64_t at = address;
    std::optional<uint64_t> end;
    bool compared = false;
    for (size_t n = 0; n < kMaxPrologue && cs_disasm_iter(handle, &bytes, &left, &at, insn); ++n) {
        std::string_view m = insn->mnemonic;
        std::string_view ops = insn->op_str;
        bool jcc = m.starts_with("j") && m != "jmp";
        if (m == "cmp" && ops.ends_with("qword ptr [r14 + 0x10]") &&
            (ops.starts_with("rsp,") || ops.starts_with("r12,"))) {
            compared = true;
        } else if (jcc && compared) {
            end = insn->address + insn->size;
            break;
        } else if (jcc || ((m == "lea" || m == "mov" || m == "sub") && ops.starts_with("r12,"))) {
            continue;  // computing the frame's lowest address in r12, or its wraparound check
        } else {
            break;
        }
    }
    cs_free(insn, 1);
    cs_close(&handle);
    return end;
}

}  // namespace probelog::symbols
