#include "probes/usdt_args.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace probelog::probes {
namespace {

// A register as the assembler names it: which pt_regs slot, and how many of
// its low bytes the name covers.
struct RegName {
    std::string_view name;
    uint8_t reg;
    uint8_t bytes;
};

constexpr RegName kRegs[] = {
    {"rax", PL_REG_RAX, 8},  {"eax", PL_REG_RAX, 4},  {"ax", PL_REG_RAX, 2},
    {"al", PL_REG_RAX, 1},   {"rbx", PL_REG_RBX, 8},  {"ebx", PL_REG_RBX, 4},
    {"bx", PL_REG_RBX, 2},   {"bl", PL_REG_RBX, 1},   {"rcx", PL_REG_RCX, 8},
    {"ecx", PL_REG_RCX, 4},  {"cx", PL_REG_RCX, 2},   {"cl", PL_REG_RCX, 1},
    {"rdx", PL_REG_RDX, 8},  {"edx", PL_REG_RDX, 4},  {"dx", PL_REG_RDX, 2},
    {"dl", PL_REG_RDX, 1},   {"rsi", PL_REG_RSI, 8},  {"esi", PL_REG_RSI, 4},
    {"si", PL_REG_RSI, 2},   {"sil", PL_REG_RSI, 1},  {"rdi", PL_REG_RDI, 8},
    {"edi", PL_REG_RDI, 4},  {"di", PL_REG_RDI, 2},   {"dil", PL_REG_RDI, 1},
    {"rbp", PL_REG_RBP, 8},  {"ebp", PL_REG_RBP, 4},  {"bp", PL_REG_RBP, 2},
    {"bpl", PL_REG_RBP, 1},  {"rsp", PL_REG_RSP, 8},  {"esp", PL_REG_RSP, 4},
    {"sp", PL_REG_RSP, 2},   {"spl", PL_REG_RSP, 1},  {"r8", PL_REG_R8, 8},
    {"r8d", PL_REG_R8, 4},   {"r8w", PL_REG_R8, 2},   {"r8b", PL_REG_R8, 1},
    {"r9", PL_REG_R9, 8},    {"r9d", PL_REG_R9, 4},   {"r9w", PL_REG_R9, 2},
    {"r9b", PL_REG_R9, 1},   {"r10", PL_REG_R10, 8},  {"r10d", PL_REG_R10, 4},
    {"r10w", PL_REG_R10, 2}, {"r10b", PL_REG_R10, 1}, {"r11", PL_REG_R11, 8},
    {"r11d", PL_REG_R11, 4}, {"r11w", PL_REG_R11, 2}, {"r11b", PL_REG_R11, 1},
    {"r12", PL_REG_R12, 8},  {"r12d", PL_REG_R12, 4}, {"r12w", PL_REG_R12, 2},
    {"r12b", PL_REG_R12, 1}, {"r13", PL_REG_R13, 8},  {"r13d", PL_REG_R13, 4},
    {"r13w", PL_REG_R13, 2}, {"r13b", PL_REG_R13, 1}, {"r14", PL_REG_R14, 8},
    {"r14d", PL_REG_R14, 4}, {"r14w", PL_REG_R14, 2}, {"r14b", PL_REG_R14, 1},
    {"r15", PL_REG_R15, 8},  {"r15d", PL_REG_R15, 4}, {"r15w", PL_REG_R15, 2},
    {"r15b", PL_REG_R15, 1},
};

class ArgParser {
  public:
    explicit ArgParser(std::string_view text) : s_(text) {}

    // Why the operand cannot be read, or the argument.
    Result<UsdtArg> run() {
        UsdtArg arg;
        arg.text = std::string(s_);
        size_t at = s_.find('@');
        if (at != std::string_view::npos) {
            auto size = integer(s_.substr(0, at));
            if (!size || (*size != 1 && *size != 2 && *size != 4 && *size != 8 && *size != -1 &&
                          *size != -2 && *size != -4 && *size != -8)) {
                return make_error("the size '{}' is not 1, 2, 4 or 8 (signed: -1, -2, -4, -8)",
                                  s_.substr(0, at));
            }
            arg.is_signed = *size < 0;
            arg.bytes = static_cast<uint8_t>(*size < 0 ? -*size : *size);
            i_ = at + 1;
        }
        std::string_view op = s_.substr(i_);
        if (op.starts_with('$')) {  // a constant
            auto imm = integer(op.substr(1));
            if (!imm) return make_error("'{}' is not an integer constant", op);
            arg.loc.kind = PL_LOC_CONST;
            arg.loc.imm = static_cast<uint64_t>(*imm);
            return arg;
        }
        if (op.starts_with('%')) {  // a register
            auto reg = reg_named(op.substr(1));
            if (!reg) return reg.error();
            arg.loc.kind = PL_LOC_REG;
            arg.loc.reg = reg->reg;
            // The note's size is what the value has; the name may say less (%al as 1@).
            if (reg->bytes < arg.bytes) arg.bytes = reg->bytes;
            return arg;
        }
        return memory(op, arg);
    }

  private:
    static std::optional<int64_t> integer(std::string_view s) {
        int64_t v = 0;
        bool neg = false;
        if (s.starts_with('-')) {
            neg = true;
            s.remove_prefix(1);
        } else if (s.starts_with('+')) {
            s.remove_prefix(1);
        }
        int base = 10;
        if (s.starts_with("0x") || s.starts_with("0X")) {
            s.remove_prefix(2);
            base = 16;
        }
        if (s.empty()) return std::nullopt;
        auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
        return neg ? -v : v;
    }

    static Result<RegName> reg_named(std::string_view name) {
        if (name == "rip" || name == "eip") {
            return make_error(
                "an address relative to %rip (a global variable) is not supported: the "
                "instruction it is relative to is not known at the probe's nop");
        }
        for (const RegName& r : kRegs) {
            if (r.name == name) return r;
        }
        return make_error("'%{}' is not a general-purpose register", name);
    }

    // OFF(%BASE) or OFF(%BASE,%INDEX[,SCALE]).
    Result<UsdtArg> memory(std::string_view op, UsdtArg& arg) {
        size_t open = op.find('(');
        if (open == std::string_view::npos || !op.ends_with(')')) {
            return make_error("'{}' is neither a register, a constant nor a memory operand", op);
        }
        std::string_view off_text = op.substr(0, open);
        int64_t off = 0;
        if (!off_text.empty()) {
            auto n = integer(off_text);
            if (!n) {
                // "foo(%rip)", "foo+8(%rip)": a symbol, which only %rip-relative forms use.
                return make_error(
                    "the offset '{}' is a symbol: addresses of global variables (relative to "
                    "%rip) are not supported",
                    off_text);
            }
            off = *n;
        }
        if (off < INT32_MIN || off > INT32_MAX) {
            return make_error("the offset {} does not fit in 32 bits", off);
        }
        std::string_view inner = op.substr(open + 1, op.size() - open - 2);
        std::vector<std::string_view> parts;
        size_t from = 0;
        while (true) {
            size_t comma = inner.find(',', from);
            parts.push_back(
                inner.substr(from, comma == std::string_view::npos ? inner.npos : comma - from));
            if (comma == std::string_view::npos) break;
            from = comma + 1;
        }
        if (parts.size() > 3 || parts[0].empty() || !parts[0].starts_with('%')) {
            return make_error(
                "'{}' is not a memory operand probelog reads (OFF(%BASE) or "
                "OFF(%BASE,%INDEX,SCALE))",
                op);
        }
        auto base = reg_named(parts[0].substr(1));
        if (!base) return base.error();
        if (base->bytes != 8) return make_error("'{}': the base register is not 64-bit", op);
        arg.loc.reg = base->reg;
        arg.loc.off = static_cast<int32_t>(off);
        if (parts.size() == 1) {
            arg.loc.kind = PL_LOC_MEM;
            return arg;
        }
        if (!parts[1].starts_with('%')) return make_error("'{}': the index is not a register", op);
        auto index = reg_named(parts[1].substr(1));
        if (!index) return index.error();
        if (index->bytes != 8) return make_error("'{}': the index register is not 64-bit", op);
        int64_t scale = 1;
        if (parts.size() == 3) {
            auto n = integer(parts[2]);
            if (!n || (*n != 1 && *n != 2 && *n != 4 && *n != 8)) {
                return make_error("'{}': the scale is not 1, 2, 4 or 8", op);
            }
            scale = *n;
        }
        arg.loc.kind = PL_LOC_MEM_INDEX;
        arg.loc.index = index->reg;
        arg.loc.scale = static_cast<uint8_t>(scale);
        return arg;
    }

    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace

Result<std::vector<UsdtArg>> parse_usdt_args(std::string_view recipe) {
    std::vector<UsdtArg> out;
    size_t i = 0;
    while (i < recipe.size()) {
        if (std::isspace(static_cast<unsigned char>(recipe[i]))) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < recipe.size() && !std::isspace(static_cast<unsigned char>(recipe[end])))
            ++end;
        std::string_view text = recipe.substr(i, end - i);
        auto arg = ArgParser(text).run();
        if (!arg) {
            return make_error("cannot read argument {} '{}': {}", out.size(), text,
                              arg.error().message);
        }
        out.push_back(std::move(*arg));
        i = end;
    }
    return out;
}

ValueType usdt_arg_type(const UsdtArg& arg) {
    switch (arg.bytes) {
        case 1:
            return arg.is_signed ? ValueType::S8 : ValueType::U8;
        case 2:
            return arg.is_signed ? ValueType::S16 : ValueType::U16;
        case 4:
            return arg.is_signed ? ValueType::S32 : ValueType::U32;
        default:
            return arg.is_signed ? ValueType::S64 : ValueType::U64;
    }
}

}  // namespace probelog::probes
