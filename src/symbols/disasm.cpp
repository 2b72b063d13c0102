#include "symbols/disasm.hpp"

#include <capstone/capstone.h>

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

}  // namespace probelog::symbols
