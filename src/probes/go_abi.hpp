#pragma once
// Go's register ABI (ABIInternal, Go 1.17+, amd64), as the Go source tree's
// src/cmd/compile/abi-internal.md specifies it: where each parameter and
// result of a Go function is, word by word, at its entry and at its RET.
//
// Integer words go to RAX, RBX, RCX, RDI, RSI, R8, R9, R10, R11 in order;
// floats to X0..X14 (which a uprobe does not see: such values are left out, and
// the integer words keep their registers). A string is two words (pointer,
// length), a slice three, an interface two, a struct its fields in order, an
// array of one element that element. A value that does not fit in the
// registers left (or an array of more than one element) goes on the stack
// instead, laid out like a struct after the return address, and later values
// may still take registers. Results start again from RAX and X0 after the
// arguments; stack-assigned results follow the stack-assigned arguments. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/spec.hpp"
#include "symbols/go_types.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::probes {

// Go's integer argument and result registers, in order (enum pl_probe_reg).
inline constexpr uint8_t kGoIntRegs[] = {PL_REG_RAX, PL_REG_RBX, PL_REG_RCX, PL_REG_RDI, PL_REG_RSI,
                                         PL_REG_R8,  PL_REG_R9,  PL_REG_R10, PL_REG_R11};
inline constexpr size_t kGoIntRegCount = std::size(kGoIntRegs);
inline constexpr size_t kGoFloatRegCount = 15;  // X0..X14
// The goroutine (runtime.g) is in r14 at every Go function boundary.
inline constexpr uint8_t kGoGReg = PL_REG_R14;

// A parameter or a result of a Go function.
struct GoValue {
    std::string name;
    symbols::GoType type;
    std::optional<uint8_t> reg;  // '@REG': one-word values, read from that register
    bool buf = false;            // the spec's 'buf NAME[LEN]' (type: a pointer)
    LenRef len;                  // buf: its length
};

// One word-sized value a probe reads: a slot of the probe's config.
struct GoPiece {
    std::string name;                 // the record field: "n", "r.W", "s", "err.type", "a[0]"
    ValueType type = ValueType::U64;  // how it decodes; Str: text, Buf: bytes
    bool counted = false;  // Str and Buf: the bytes are (pointer, length), not NUL-terminated
    pl_probe_loc value{};  // the word (Str/Buf: the pointer)
    pl_probe_loc len{};    // counted Str and Buf: the length (kind NONE for a spec buf)
    bool on_stack = false;
};

struct GoAssignment {
    std::vector<GoPiece> args;       // at the entry
    std::vector<GoPiece> results;    // at a RET
    std::vector<std::string> notes;  // values or parts left out, and why
};

// Where each word of `params` (receiver first) and `results` is. Values of a
// kind that cannot be placed (unknown types) end the list they are in, with a note.
GoAssignment assign_go_values(const std::vector<GoValue>& params,
                              const std::vector<GoValue>& results);

}  // namespace probelog::probes
