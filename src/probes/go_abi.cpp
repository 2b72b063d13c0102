#include "probes/go_abi.hpp"

#include <fmt/format.h>

namespace probelog::probes {
namespace {

using symbols::GoKind;
using symbols::GoType;

// At the entry and at a RET the stack pointer points at the return address;
// the stack-assigned values start right above it.
constexpr int32_t kStackArgsAt = 8;
constexpr size_t kMaxArrayElements = 16;  // of a stack-assigned array, read one by one

pl_probe_loc reg_loc(uint8_t reg) {
    pl_probe_loc loc{};
    loc.kind = PL_LOC_REG;
    loc.reg = reg;
    return loc;
}

pl_probe_loc stack_loc(uint64_t offset) {
    pl_probe_loc loc{};
    loc.kind = PL_LOC_STACK;
    loc.off = static_cast<int32_t>(kStackArgsAt + offset);
    return loc;
}

uint64_t align_up(uint64_t v, uint64_t a) {
    return a <= 1 ? v : (v + a - 1) / a * a;
}

ValueType scalar_type(const GoType& t) {
    switch (t.kind) {
        case GoKind::Bool:
            return ValueType::Bool;
        case GoKind::Int:
            return t.size == 1   ? ValueType::S8
                   : t.size == 2 ? ValueType::S16
                   : t.size == 4 ? ValueType::S32
                                 : ValueType::S64;
        case GoKind::Uint:
            return t.size == 1   ? ValueType::U8
                   : t.size == 2 ? ValueType::U16
                   : t.size == 4 ? ValueType::U32
                                 : ValueType::U64;
        case GoKind::CString:
            return ValueType::Str;
        default:
            return ValueType::Ptr;
    }
}

bool is_word(GoKind k) {
    return k == GoKind::Bool || k == GoKind::Int || k == GoKind::Uint || k == GoKind::Pointer ||
           k == GoKind::CString;
}

class Assigner {
  public:
    explicit Assigner(std::vector<std::string>& notes) : notes_(notes) {}

    // Assigns one value; false if its type cannot be placed at all.
    bool assign(const GoValue& v, std::vector<GoPiece>& out, bool result) {
        const GoType& t = v.type;
        if (!placeable(t)) return false;
        result_ = result;
        if (t.size == 0) {
            stack_ = align_up(stack_, t.align());
            return true;
        }
        size_t ireg = ireg_;
        size_t freg = freg_;
        size_t before = out.size();
        std::vector<std::string> left_out;
        if (v.buf) {
            // The spec's buf: a pointer in one word, its length given separately.
            if (ireg_ < kGoIntRegCount) {
                GoPiece p = piece(v.name, ValueType::Buf, reg_loc(kGoIntRegs[ireg_++]));
                p.value = v.reg ? reg_loc(*v.reg) : p.value;
                out.push_back(std::move(p));
                return true;
            }
            GoPiece p = piece(v.name, ValueType::Buf, stack_loc(stack_ = align_up(stack_, 8)));
            p.on_stack = true;
            stack_ += 8;
            out.push_back(std::move(p));
            return true;
        }
        if (!in_registers(t, v.name, out, left_out)) {
            ireg_ = ireg;
            freg_ = freg;
            out.resize(before);
            left_out.clear();
            stack_ = align_up(stack_, t.align());
            in_memory(t, v.name, stack_, out, left_out);
            stack_ += t.size;
        }
        if (v.reg && out.size() == before + 1 && is_word(t.kind))
            out.back().value = reg_loc(*v.reg);
        for (const std::string& what : left_out)
            notes_.push_back(what);
        return true;
    }

    // Between the arguments and the results: the stack sequence is pointer
    // aligned and the registers start again.
    void start_results() {
        stack_ = align_up(stack_, 8);
        ireg_ = 0;
        freg_ = 0;
    }

  private:
    static bool placeable(const GoType& t) {
        switch (t.kind) {
            case GoKind::Unknown:
                return false;
            case GoKind::Struct:
                for (const symbols::GoField& f : t.fields) {
                    if (!placeable(f.type)) return false;
                }
                return true;
            case GoKind::Array:
                return t.count == 0 || (!t.elem.empty() && placeable(t.elem[0]));
            default:
                return true;
        }
    }

    GoPiece piece(const std::string& name, ValueType type, pl_probe_loc value) const {
        GoPiece p;
        p.name = name;
        p.type = type;
        p.value = value;
        return p;
    }

    std::string float_note(const std::string& name, const GoType& t, bool in_reg) const {
        return fmt::format("{} {} ({}) is {}, which a uprobe cannot read: left out{}",
                           result_ ? "result" : "parameter", name,
                           t.name.empty() ? "float" : t.name,
                           in_reg ? "in an X (SSE) register" : "a float",
                           in_reg ? " (the integer values keep their registers)" : "");
    }

    // Register assignment (abi-internal.md); false if it does not fit.
    bool in_registers(const GoType& t, const std::string& name, std::vector<GoPiece>& out,
                      std::vector<std::string>& left_out) {
        auto next = [&]() { return reg_loc(kGoIntRegs[ireg_++]); };
        switch (t.kind) {
            case GoKind::Bool:
            case GoKind::Int:
            case GoKind::Uint:
            case GoKind::Pointer:
            case GoKind::CString:
                if (ireg_ + 1 > kGoIntRegCount) return false;
                out.push_back(piece(name, scalar_type(t), next()));
                return true;
            case GoKind::Float:
            case GoKind::Complex: {
                size_t n = t.kind == GoKind::Complex ? 2 : 1;
                if (freg_ + n > kGoFloatRegCount) return false;
                freg_ += n;
                left_out.push_back(float_note(name, t, true));
                return true;
            }
            case GoKind::String: {
                if (ireg_ + 2 > kGoIntRegCount) return false;
                GoPiece p = piece(name, ValueType::Str, next());
                p.counted = true;
                p.len = next();
                out.push_back(std::move(p));
                return true;
            }
            case GoKind::Slice: {
                if (ireg_ + 3 > kGoIntRegCount) return false;
                pl_probe_loc data = next();
                pl_probe_loc len = next();
                ++ireg_;  // cap
                add_slice(t, name, data, len, out);
                return true;
            }
            case GoKind::Interface: {
                if (ireg_ + 2 > kGoIntRegCount) return false;
                out.push_back(piece(name + ".type", ValueType::Ptr, next()));
                out.push_back(piece(name + ".data", ValueType::Ptr, next()));
                return true;
            }
            case GoKind::Struct:
                for (const symbols::GoField& f : t.fields) {
                    if (!in_registers(f.type, name + "." + f.name, out, left_out)) return false;
                }
                return true;
            case GoKind::Array:
                if (t.count == 0) return true;
                if (t.count == 1) return in_registers(t.elem[0], name + "[0]", out, left_out);
                return false;
            case GoKind::Unknown:
                return false;
        }
        return false;
    }

    void add_slice(const GoType& t, const std::string& name, pl_probe_loc data, pl_probe_loc len,
                   std::vector<GoPiece>& out) const {
        if (t.byte_slice()) {
            GoPiece p = piece(name, ValueType::Buf, data);
            p.counted = true;
            p.len = len;
            out.push_back(std::move(p));
            return;
        }
        out.push_back(piece(name, ValueType::Ptr, data));
        out.push_back(piece(name + "_len", ValueType::U64, len));
    }

    // A stack-assigned value: its words in memory from `at`.
    void in_memory(const GoType& t, const std::string& name, uint64_t at, std::vector<GoPiece>& out,
                   std::vector<std::string>& left_out) {
        size_t before = out.size();
        switch (t.kind) {
            case GoKind::Bool:
            case GoKind::Int:
            case GoKind::Uint:
            case GoKind::Pointer:
            case GoKind::CString:
                out.push_back(piece(name, scalar_type(t), stack_loc(at)));
                break;
            case GoKind::Float:
            case GoKind::Complex:
                left_out.push_back(float_note(name, t, false));
                break;
            case GoKind::String: {
                GoPiece p = piece(name, ValueType::Str, stack_loc(at));
                p.counted = true;
                p.len = stack_loc(at + 8);
                out.push_back(std::move(p));
                break;
            }
            case GoKind::Slice:
                add_slice(t, name, stack_loc(at), stack_loc(at + 8), out);
                break;
            case GoKind::Interface:
                out.push_back(piece(name + ".type", ValueType::Ptr, stack_loc(at)));
                out.push_back(piece(name + ".data", ValueType::Ptr, stack_loc(at + 8)));
                break;
            case GoKind::Struct:
                for (const symbols::GoField& f : t.fields)
                    in_memory(f.type, name + "." + f.name, at + f.offset, out, left_out);
                break;
            case GoKind::Array: {
                uint64_t n = std::min<uint64_t>(t.count, kMaxArrayElements);
                for (uint64_t i = 0; i < n; ++i) {
                    in_memory(t.elem[0], fmt::format("{}[{}]", name, i), at + i * t.elem[0].size,
                              out, left_out);
                }
                if (t.count > n) {
                    left_out.push_back(fmt::format(
                        "{}: only the first {} of its {} elements are read", name, n, t.count));
                }
                break;
            }
            case GoKind::Unknown:
                break;
        }
        for (size_t i = before; i < out.size(); ++i)
            out[i].on_stack = true;
    }

    std::vector<std::string>& notes_;
    size_t ireg_ = 0;
    size_t freg_ = 0;
    uint64_t stack_ = 0;  // the stack sequence's size so far
    bool result_ = false;
};

}  // namespace

GoAssignment assign_go_values(const std::vector<GoValue>& params,
                              const std::vector<GoValue>& results) {
    GoAssignment out;
    Assigner a(out.notes);
    for (size_t i = 0; i < params.size(); ++i) {
        if (!a.assign(params[i], out.args, false)) {
            out.notes.push_back(fmt::format(
                "parameter {} ({}) has a type probelog cannot place: it and the parameters after "
                "it are left out",
                params[i].name, params[i].type.name.empty() ? "unknown" : params[i].type.name));
            // Its size is unknown: nothing after it, results included, can be placed.
            if (!results.empty()) out.notes.emplace_back("the results are left out");
            return out;
        }
    }
    a.start_results();
    for (const GoValue& r : results) {
        if (!a.assign(r, out.results, true)) {
            out.notes.push_back(fmt::format(
                "result {} ({}) has a type probelog cannot place: it and the results after it "
                "are left out",
                r.name, r.type.name.empty() ? "unknown" : r.type.name));
            break;
        }
    }
    return out;
}

}  // namespace probelog::probes
