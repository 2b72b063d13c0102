#include "probes/compile.hpp"

#include <algorithm>
#include <set>

#include "pipeline/record.hpp"
#include "probes/capture_compile.hpp"
#include "probes/clause_compile.hpp"
#include "probes/go_type_names.hpp"
#include "symbols/dwarf_types.hpp"

namespace probelog::probes {
namespace {

using decode::ProbeSlotInfo;
using decode::ProbeValueKind;

constexpr uint8_t kSysvArgRegs[] = {PL_REG_RDI, PL_REG_RSI, PL_REG_RDX,
                                    PL_REG_RCX, PL_REG_R8,  PL_REG_R9};
constexpr uint32_t kUretprobeSpDelta = 8;  // `ret` popped the return address
// Fields of every probe record: the common ones, probe, stage, latency_ns.
constexpr size_t kCommonFields = 11 + 3;

pl_probe_loc reg_loc(uint8_t reg) {
    pl_probe_loc loc{};
    loc.kind = PL_LOC_REG;
    loc.reg = reg;
    return loc;
}

ProbeSlotInfo slot_info(ValueType type, const std::string& name) {
    ProbeSlotInfo s;
    s.name = name;
    s.bytes = static_cast<uint8_t>(type_size(type));
    switch (type) {
        case ValueType::S8:
        case ValueType::S16:
        case ValueType::S32:
        case ValueType::S64:
            s.kind = ProbeValueKind::Int;
            break;
        case ValueType::U8:
        case ValueType::U16:
        case ValueType::U32:
        case ValueType::U64:
            s.kind = ProbeValueKind::Uint;
            break;
        case ValueType::Ptr:
            s.kind = ProbeValueKind::Hex;
            break;
        case ValueType::Bool:
            s.kind = ProbeValueKind::Bool;
            break;
        case ValueType::Char:
            s.kind = ProbeValueKind::Char;
            break;
        case ValueType::Str:
            s.kind = ProbeValueKind::Str;
            s.truncated_name = name + "_truncated";
            break;
        case ValueType::Buf:
            s.kind = ProbeValueKind::Buf;
            s.len_name = name + "_len";
            s.truncated_name = name + "_truncated";
            break;
    }
    s.error_name = name + "_error";
    return s;
}

// The ':FORMAT' the spec gives the parameter a Go value is named after.
BytesFormat spec_format(const ProbeSpec& spec, const std::string& name) {
    if (!spec.params) return BytesFormat::Default;
    for (const ParamSpec& p : *spec.params) {
        if (p.name == name) return p.format;
    }
    return BytesFormat::Default;
}

size_t abi_index_of(const ResolvedProbe& probe, size_t k) {
    int abi = probe.params[k].abi_index;
    return abi >= 0 ? static_cast<size_t>(abi) : k;
}

pl_probe_loc sysv_argument_loc(uint32_t index);

// Where argument `index` is: by the SysV ABI at a function's entry, or where
// a USDT site's note says.
pl_probe_loc argument_loc(const ResolvedProbe& probe, size_t index) {
    if (probe.usdt)
        return index < probe.usdt_args.size() ? probe.usdt_args[index].loc : pl_probe_loc{};
    return sysv_argument_loc(static_cast<uint32_t>(index));
}

// A stack argument read away from a function's entry (where it is not at a
// known place); USDT arguments are where their note says.
bool stack_arg_off_entry(const ResolvedProbe& probe, size_t index) {
    return !probe.usdt && !probe.function_entry && index >= std::size(kSysvArgRegs);
}

// Captures that records show (not those read for a condition only).
bool has_shown_captures(const ProbeSpec& spec) {
    return std::any_of(spec.captures.begin(), spec.captures.end(),
                       [](const CaptureSpec& c) { return !c.hidden; });
}

// The captures of a probe, compiled: those read at the entry, those read at
// the return (rooted at ret).
struct CaptureSlots {
    std::vector<CompiledCapture> entry;
    std::vector<CompiledCapture> at_return;
};

std::string root_names(const std::vector<std::string>& names, bool has_ret) {
    std::string out;
    for (const std::string& n : names) {
        out += out.empty() ? "" : ", ";
        out += n;
    }
    if (has_ret) out += out.empty() ? "ret" : ", ret";
    return out.empty() ? "none" : out;
}

template <typename FindRoot>
Result<CaptureSlots> compile_captures(const ResolvedProbe& probe, const CompileOptions& options,
                                      ProbeMode mode, FindRoot find_root) {
    CaptureSlots out;
    CaptureLimits limits{options.str_max, options.buf_max};
    for (const CaptureSpec& c : probe.spec.captures) {
        if (c.root == "ret" && mode == ProbeMode::Entry) {
            return make_error(
                "capture {}: ret is read when the call returns, and --probe-mode entry (or a "
                "probe inside a function) records no return: use --probe-mode call or split",
                c.expr);
        }
        auto root = find_root(c);
        if (!root) return root.error();
        auto compiled = compile_capture(c, *root, probe.dwarf.get(), limits);
        if (!compiled) return compiled.error();
        for (CompiledCapture& part : *compiled) {
            part.info.hidden = c.hidden;
            (c.root == "ret" ? out.at_return : out.entry).push_back(std::move(part));
        }
    }
    return out;
}

// Names must be unique across parameters and captures.
Status check_unique_names(const std::vector<ProbeSlotInfo>& slots) {
    std::set<std::string_view> seen;
    for (const ProbeSlotInfo& s : slots) {
        for (const std::string* n : {&s.name, &s.len_name, &s.truncated_name, &s.error_name}) {
            if (n->empty()) continue;
            if (!seen.insert(*n).second) {
                return make_error(
                    "two fields of this probe would be named '{}': rename a capture (NAME = EXPR) "
                    "or a parameter",
                    *n);
            }
        }
    }
    return {};
}

// The DWARF types of a C function's parameters and return value, if known.
std::optional<symbols::FunctionTypes> types_of(const ResolvedProbe& probe) {
    if (!probe.dwarf || !probe.function_entry) return std::nullopt;
    return symbols::function_types(*probe.dwarf, probe.vaddr);
}

// A parameter's DWARF type: by name, else (a spec's list names them its own
// way) by position.
symbols::TypeRef param_type(const std::optional<symbols::FunctionTypes>& ft,
                            const std::string& name, size_t position) {
    if (!ft) return {};
    for (size_t i = 0; i < ft->names.size() && i < ft->types.size(); ++i) {
        if (ft->names[i] == name) return ft->types[i];
    }
    if (position < ft->types.size()) return ft->types[position];
    return {};
}

}  // namespace

Result<ProbeMode> parse_probe_mode(std::string_view text) {
    if (text == "call") return ProbeMode::Call;
    if (text == "split") return ProbeMode::Split;
    if (text == "entry") return ProbeMode::Entry;
    return make_error("unknown probe mode '{}' (expected call, split or entry)", text);
}

pl_probe_loc sysv_argument(uint32_t index) {
    return sysv_argument_loc(index);
}

namespace {
pl_probe_loc sysv_argument_loc(uint32_t index) {
    if (index < std::size(kSysvArgRegs)) return reg_loc(kSysvArgRegs[index]);
    // At the entry the stack pointer points at the return address; the 7th
    // integer argument is just above it.
    pl_probe_loc loc{};
    loc.kind = PL_LOC_STACK;
    loc.off = static_cast<int32_t>(8 * (index - std::size(kSysvArgRegs) + 1));
    return loc;
}
}  // namespace

namespace {

// Every field a record of this probe can have must fit in a Record, and all
// captures of a call in PL_PROBE_DATA_MAX.
Status check_sizes(const CompiledProbe& out, uint32_t budget, const CompileOptions& options) {
    size_t fields = kCommonFields + (out.info.usdt_provider.empty() ? 0 : 2);
    for (const ProbeSlotInfo& info : out.info.slots) {
        fields += 2;  // the value, and its _error field if a read faults
        if (info.kind == decode::ProbeValueKind::Str) fields += info.len_name.empty() ? 1 : 2;
        if (info.kind == decode::ProbeValueKind::Buf) fields += 2;
    }
    if (fields > Record::kMaxFields) {
        return make_error(
            "a record of this probe could need {} fields, more than the {} a record holds: "
            "capture fewer values (each str takes 3 fields, each buf 4)",
            fields, Record::kMaxFields);
    }
    if (budget > PL_PROBE_DATA_MAX) {
        return make_error(
            "this probe captures up to {} bytes per call, more than the {} allowed: lower "
            "--probe-str-max (now {}) or --probe-buf-max (now {})",
            budget, PL_PROBE_DATA_MAX, options.str_max, options.buf_max);
    }
    return {};
}

Result<CompiledProbe> compile_go_probe(const ResolvedProbe& probe, const CompileOptions& options) {
    CompiledProbe out;
    pl_probe_config& cfg = out.config;
    ProbeMode mode = options.mode;
    if (!probe.function_entry) mode = ProbeMode::Entry;
    std::vector<GoPiece> args = probe.go_abi.args;
    std::vector<GoPiece> results = probe.go_abi.results;
    if (mode == ProbeMode::Entry && !results.empty()) {
        if (probe.spec.ret && probe.function_entry) {
            return make_error(
                "--probe-mode entry records no return value: drop ret:{} or use --probe-mode "
                "call or split",
                probe.spec.ret_text);
        }
        results.clear();  // from DWARF, not asked for
    }
    std::string fn = probe.function.empty() ? probe.name : probe.function;
    if (mode != ProbeMode::Entry && probe.ret_file_offsets.empty()) {
        if (!probe.ret_error.empty()) {
            return make_error(
                "cannot find the RET instructions of {} ({}), where a Go function's return is "
                "read (never with a uretprobe, which crashes Go programs): use --probe-mode entry",
                fn, probe.ret_error);
        }
        return make_error(
            "{} has no RET instruction (it never returns normally): use --probe-mode entry", fn);
    }
    // Roots of the captures: one-word parameters (a pointer, an integer) and results.
    std::optional<symbols::FunctionTypes> ft;
    if (probe.dwarf && probe.function_entry)
        ft = symbols::function_types(*probe.dwarf, probe.vaddr);
    std::shared_ptr<GoTypeNames> type_names;  // opened by the first capture
    auto captures =
        compile_captures(probe, options, mode, [&](const CaptureSpec& c) -> Result<CaptureRoot> {
            CaptureRoot root;
            root.name = c.root;
            if (!type_names) type_names = GoTypeNames::open(probe.binary);
            root.type_names = type_names;
            const std::vector<GoPiece>& pieces =
                c.root == "ret" ? probe.go_abi.results : probe.go_abi.args;
            auto position_of = [&]() -> size_t {
                // Go's DWARF lists the receiver and arguments, then the results.
                if (c.root == "ret") return probe.go_params.size();
                for (size_t i = 0; i < probe.go_params.size(); ++i) {
                    if (probe.go_params[i].name == c.root) return i;
                }
                return 0;
            };
            // An interface parameter (error, any): its two words.
            auto type_word = std::find_if(pieces.begin(), pieces.end(), [&](const GoPiece& p) {
                return p.name == c.root + ".type";
            });
            auto data_word = std::find_if(pieces.begin(), pieces.end(), [&](const GoPiece& p) {
                return p.name == c.root + ".data";
            });
            if (type_word != pieces.end() && data_word != pieces.end()) {
                root.loc = type_word->value;
                root.data_loc = data_word->value;
                root.spec_type = ValueType::Ptr;
                if (ft) root.type = param_type(ft, c.root, position_of());
                return root;
            }
            std::vector<std::string> names;
            for (const GoPiece& p : pieces) {
                names.push_back(p.name);
                if (p.name != c.root) continue;
                if (p.counted || p.type == ValueType::Buf) {
                    return make_error(
                        "capture {}: {} is a string or a slice, not a pointer: "
                        "capture it as a parameter",
                        c.expr, p.name);
                }
                root.loc = p.value;
                root.spec_type = p.type;
                if (ft) root.type = param_type(ft, c.root, position_of());
                return root;
            }
            return make_error(
                "capture {}: '{}' is not a one-word parameter{} of {} (one-word values: {})",
                c.expr, c.root, c.root == "ret" ? " or result" : "", fn, root_names(names, false));
        });
    if (!captures) return captures.error();
    if (!probe.spec.params && has_shown_captures(probe.spec)) args.clear();
    if (args.size() + results.size() + captures->entry.size() + captures->at_return.size() >
        PL_PROBE_SLOTS_MAX) {
        if (!captures->entry.empty() || !captures->at_return.empty()) {
            return make_error(
                "too many values: a probe reads at most {} (each capture is one, a parameter "
                "one per word)",
                PL_PROBE_SLOTS_MAX);
        }
    }
    if (args.size() + results.size() > PL_PROBE_SLOTS_MAX) {
        if (probe.params_from == "spec") {
            return make_error(
                "too many values: a probe reads at most {} words (a string or a "
                "[]byte is one, an interface or another slice two)",
                PL_PROBE_SLOTS_MAX);
        }
        // From DWARF: the results and the first parameters.
        size_t words = args.size() + results.size();
        results.resize(std::min<size_t>(results.size(), PL_PROBE_SLOTS_MAX / 2));
        args.resize(PL_PROBE_SLOTS_MAX - results.size());
        out.notes.push_back(fmt::format(
            "{} words to read, more than the {} a probe reads: the first {} of the parameters "
            "and {} of the results are read",
            words, PL_PROBE_SLOTS_MAX, args.size(), results.size()));
    }
    // Unique field names (a parameter may be called like a result or a part).
    std::set<std::string> names;
    for (std::vector<GoPiece>* list : {&args, &results}) {
        for (GoPiece& p : *list) {
            std::string base = p.name;
            for (int k = 2; !names.insert(p.name).second; ++k)
                p.name = fmt::format("{}{}", base, k);
        }
    }

    uint32_t budget = 0;
    size_t k = 0;
    auto add_captures = [&](std::vector<CompiledCapture>& list) {
        for (CompiledCapture& c : list) {
            cfg.slots[k++] = c.slot;
            budget += c.bytes;
            out.info.slots.push_back(std::move(c.info));
        }
    };
    for (const std::vector<GoPiece>* list : {&args, &results}) {
        if (list == &results) add_captures(captures->entry);
        for (const GoPiece& p : *list) {
            pl_probe_slot& slot = cfg.slots[k++];
            slot.value = p.value;
            ProbeSlotInfo info = slot_info(p.type, p.name);
            info.format = spec_format(probe.spec, p.name);
            if (p.type == ValueType::Str && p.counted) {
                slot.capture = PL_CAPTURE_BUF;  // a Go string: (pointer, length), shown as text
                slot.len = p.len;
                slot.cap = static_cast<uint16_t>(options.str_max);
                budget += options.str_max;
                info.len_name = p.name + "_len";
            } else if (p.type == ValueType::Str) {
                slot.capture = PL_CAPTURE_STR;
                slot.cap = static_cast<uint16_t>(options.str_max);
                budget += options.str_max;
            } else if (p.type == ValueType::Buf) {
                slot.capture = PL_CAPTURE_BUF;
                uint32_t cap = options.buf_max;
                if (p.counted) {
                    slot.len = p.len;
                } else {  // the spec's buf NAME[LEN]
                    const GoValue* v = nullptr;
                    for (const GoValue& gv : probe.go_params) {
                        if (gv.name == p.name) v = &gv;
                    }
                    LenRef len = v != nullptr ? v->len : LenRef{};
                    if (len.kind == LenRef::Kind::Param) {
                        auto it = std::find_if(args.begin(), args.end(), [&](const GoPiece& o) {
                            return o.name == len.param;
                        });
                        if (it == args.end() || it->type == ValueType::Str ||
                            it->type == ValueType::Buf || it->type == ValueType::Ptr) {
                            return make_error(
                                "the length of buf {} is '{}', which is not an integer parameter",
                                p.name, len.param);
                        }
                        slot.len = it->value;
                    } else if (len.kind == LenRef::Kind::Arg) {
                        if (len.arg >= kGoIntRegCount) {
                            return make_error(
                                "the length of buf {} is arg{}, but Go has {} integer argument "
                                "registers (arg0..arg{})",
                                p.name, len.arg, kGoIntRegCount, kGoIntRegCount - 1);
                        }
                        slot.len.kind = PL_LOC_REG;
                        slot.len.reg = kGoIntRegs[len.arg];
                    } else if (len.kind == LenRef::Kind::Fixed) {
                        slot.len.kind = PL_LOC_CONST;
                        slot.len.imm = len.fixed;
                        cap = static_cast<uint32_t>(std::min<uint64_t>(len.fixed, cap));
                    } else {
                        return make_error("buf {} has no length", p.name);
                    }
                    if (len.kind == LenRef::Kind::Param && len.param == info.len_name) {
                        info.len_name.clear();
                    }
                }
                slot.cap = static_cast<uint16_t>(cap);
                budget += cap;
            }
            out.info.slots.push_back(std::move(info));
        }
    }
    size_t n_entry = args.size() + captures->entry.size();
    add_captures(captures->at_return);
    cfg.n_entry = static_cast<uint8_t>(n_entry);
    cfg.n_slots = static_cast<uint8_t>(k);
    if (Status st = check_unique_names(out.info.slots); !st) return st.error();
    if (Status st = check_sizes(out, budget, options); !st) return st.error();
    cfg.mode = mode == ProbeMode::Call    ? PL_PROBE_MODE_CALL
               : mode == ProbeMode::Split ? PL_PROBE_MODE_SPLIT
                                          : PL_PROBE_MODE_ENTRY;
    // Paired by goroutine, and by the stack pointer's distance from the
    // goroutine's stack top (which survives the stack being moved). At a RET
    // the stack pointer is the entry's: the return address is still there.
    cfg.key_kind = PL_KEY_REG;
    cfg.key_reg = kGoGReg;
    cfg.flags = PL_PROBE_KEY_SP | PL_PROBE_KEY_SP_BASE;
    if (budget > 0) cfg.flags |= PL_PROBE_HAS_DATA;
    cfg.key_base.kind = PL_LOC_MEM;
    cfg.key_base.reg = kGoGReg;
    cfg.key_base.off = probe.g_stack_hi;
    cfg.ret_sp_delta = 0;
    out.attach_return = false;  // never a uretprobe on a Go function
    if (mode != ProbeMode::Entry) out.ret_probe_offsets = probe.ret_file_offsets;
    out.info.name = probe.name;
    out.info.n_entry = cfg.n_entry;
    return out;
}

}  // namespace

namespace {

Result<CompiledProbe> compile_c_probe(const ResolvedProbe& probe, const CompileOptions& options) {
    CompiledProbe out;
    out.info.usdt_provider = probe.usdt_provider;
    out.info.usdt_name = probe.usdt_name;
    pl_probe_config& cfg = out.config;
    ProbeMode mode = options.mode;
    if (!probe.function_entry) mode = ProbeMode::Entry;
    std::optional<ValueType> ret = probe.ret;
    if (mode == ProbeMode::Entry && ret) {
        if (probe.spec.ret && probe.function_entry) {
            return make_error(
                "--probe-mode entry records no return value: drop ret:{} or use --probe-mode "
                "call or split",
                type_name(*probe.spec.ret));
        }
        ret.reset();  // from DWARF, not asked for
    }
    // With captures and no parameter list, the parameters (from DWARF) are
    // only what captures start from: records carry the captures.
    bool emit_params = probe.spec.params.has_value() || !has_shown_captures(probe.spec);
    size_t n_params = emit_params ? probe.params.size() : 0;
    std::optional<symbols::FunctionTypes> ft = types_of(probe);
    auto captures =
        compile_captures(probe, options, mode, [&](const CaptureSpec& c) -> Result<CaptureRoot> {
            CaptureRoot root;
            root.name = c.root;
            if (c.root == "ret") {
                root.loc = reg_loc(PL_REG_RAX);
                if (ft) root.type = ft->ret;
                root.spec_type = ret;
                if (!ret && !root.type) {
                    return make_error(
                        "capture {}: the function's return type is not known: "
                        "add ret:TYPE to the spec",
                        c.expr);
                }
                return root;
            }
            std::vector<std::string> names;
            for (size_t k = 0; k < probe.params.size(); ++k) {
                const ParamSpec& p = probe.params[k];
                names.push_back(p.name);
                if (p.name != c.root) continue;
                size_t abi = abi_index_of(probe, k);
                if (!p.reg && stack_arg_off_entry(probe, abi)) {
                    return make_error(
                        "capture {}: {} is a stack argument, which can only be read "
                        "at a function's entry",
                        c.expr, p.name);
                }
                root.loc = p.reg ? reg_loc(*p.reg) : argument_loc(probe, abi);
                root.spec_type = p.type;
                if (probe.params_from == "DWARF" || p.type == ValueType::Ptr)
                    root.type = param_type(ft, p.name, abi);
                return root;
            }
            return make_error("capture {}: '{}' is not a parameter of {} (parameters: {})", c.expr,
                              c.root, probe.function.empty() ? probe.name : probe.function,
                              root_names(names, ret.has_value() || (ft && ft->ret)));
        });
    if (!captures) return captures.error();
    size_t n_slots = n_params + captures->entry.size() + (ret ? 1 : 0) + captures->at_return.size();
    if (n_slots > PL_PROBE_SLOTS_MAX) {
        return make_error(
            "too many values: a probe captures at most {} (parameters, captures and ret)",
            PL_PROBE_SLOTS_MAX);
    }

    std::set<std::string> names;
    for (const ParamSpec& p : probe.params)
        names.insert(p.name);
    uint32_t budget = 0;
    auto fill_capture = [&](pl_probe_slot& slot, ValueType type, uint32_t fixed_len) {
        if (type == ValueType::Str) {
            slot.capture = PL_CAPTURE_STR;
            slot.cap = static_cast<uint16_t>(options.str_max);
            budget += options.str_max;
        } else if (type == ValueType::Buf) {
            slot.capture = PL_CAPTURE_BUF;
            uint32_t cap = std::min(options.buf_max, fixed_len);
            slot.cap = static_cast<uint16_t>(cap);
            budget += cap;
        }
    };

    for (size_t k = 0; k < n_params; ++k) {
        const ParamSpec& p = probe.params[k];
        pl_probe_slot& slot = cfg.slots[k];
        slot.value = p.reg ? reg_loc(*p.reg) : argument_loc(probe, abi_index_of(probe, k));
        uint32_t fixed_len = UINT32_MAX;
        if (p.type == ValueType::Buf) {
            switch (p.len.kind) {
                case LenRef::Kind::Param: {
                    auto it =
                        std::find_if(probe.params.begin(), probe.params.end(),
                                     [&](const ParamSpec& o) { return o.name == p.len.param; });
                    if (it == probe.params.end()) {
                        return make_error("the length of buf {} is '{}', which is not a parameter",
                                          p.name, p.len.param);
                    }
                    size_t j = static_cast<size_t>(it - probe.params.begin());
                    slot.len =
                        it->reg ? reg_loc(*it->reg) : argument_loc(probe, abi_index_of(probe, j));
                    break;
                }
                case LenRef::Kind::Arg:
                    if (stack_arg_off_entry(probe, p.len.arg)) {
                        return make_error(
                            "the length of buf {} is a stack argument (arg{}), which "
                            "can only be read at a function's entry",
                            p.name, p.len.arg);
                    }
                    slot.len = argument_loc(probe, p.len.arg);
                    break;
                case LenRef::Kind::Fixed:
                    slot.len.kind = PL_LOC_CONST;
                    slot.len.imm = p.len.fixed;
                    fixed_len = static_cast<uint32_t>(std::min<uint64_t>(p.len.fixed, UINT32_MAX));
                    break;
                case LenRef::Kind::None:
                    return make_error("buf {} has no length", p.name);
            }
        }
        fill_capture(slot, p.type, fixed_len);
        ProbeSlotInfo info = slot_info(p.type, p.name);
        info.format = p.format;
        // "buf data[data_len], u64 data_len": the length field is the parameter itself.
        if (!info.len_name.empty() && names.count(info.len_name) != 0) {
            if (p.len.kind == LenRef::Kind::Param && p.len.param == info.len_name) {
                info.len_name.clear();
            } else {
                return make_error("parameter '{}' has the name of buf {}'s length field; rename it",
                                  info.len_name, p.name);
            }
        }
        for (const std::string* derived : {&info.truncated_name, &info.error_name}) {
            if (!derived->empty() && names.count(*derived) != 0) {
                return make_error("parameter '{}' has the name of a field of {}; rename it",
                                  *derived, p.name);
            }
        }
        out.info.slots.push_back(std::move(info));
    }
    size_t next = n_params;
    auto add_captures = [&](std::vector<CompiledCapture>& list) {
        for (CompiledCapture& c : list) {
            cfg.slots[next++] = c.slot;
            budget += c.bytes;
            out.info.slots.push_back(std::move(c.info));
        }
    };
    add_captures(captures->entry);
    cfg.n_entry = static_cast<uint8_t>(next);
    if (ret) {
        pl_probe_slot& slot = cfg.slots[next++];
        slot.value = reg_loc(PL_REG_RAX);
        fill_capture(slot, *ret, UINT32_MAX);
        out.info.slots.push_back(slot_info(*ret, "ret"));
    }
    add_captures(captures->at_return);
    if (Status st = check_unique_names(out.info.slots); !st) return st.error();
    if (Status st = check_sizes(out, budget, options); !st) return st.error();
    cfg.n_slots = static_cast<uint8_t>(n_slots);
    cfg.mode = mode == ProbeMode::Call    ? PL_PROBE_MODE_CALL
               : mode == ProbeMode::Split ? PL_PROBE_MODE_SPLIT
                                          : PL_PROBE_MODE_ENTRY;
    cfg.key_kind = PL_KEY_TID;
    cfg.flags = PL_PROBE_KEY_SP;
    if (budget > 0) cfg.flags |= PL_PROBE_HAS_DATA;
    cfg.ret_sp_delta = kUretprobeSpDelta;
    out.attach_return = mode != ProbeMode::Entry;
    out.info.name = probe.name;
    out.info.n_entry = cfg.n_entry;
    return out;
}

}  // namespace

Result<CompiledProbe> compile_probe(const ResolvedProbe& probe, const CompileOptions& options) {
    auto compile = [&](const ResolvedProbe& p) {
        return p.go ? compile_go_probe(p, options) : compile_c_probe(p, options);
    };
    auto out = compile(probe);
    if (!out) return out;
    // A condition on values the records do not carry: compile again with
    // them as hidden captures.
    std::vector<CaptureSpec> hidden = condition_captures(probe.spec, out->info);
    if (!hidden.empty()) {
        ResolvedProbe with = probe;
        for (CaptureSpec& c : hidden)
            with.spec.captures.push_back(std::move(c));
        out = compile(with);
        if (!out) return out.error().prefixed(fmt::format("if {}: ", probe.spec.clauses.cond_text));
        if (Status st = compile_clauses(with.spec, *out); !st) return st.error();
        return out;
    }
    if (Status st = compile_clauses(probe.spec, *out); !st) return st.error();
    return out;
}

}  // namespace probelog::probes
