#include "probes/resolve.hpp"

#include <algorithm>

#include "symbols/demangle.hpp"
#include "symbols/disasm.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/library.hpp"
#include "symbols/lookup.hpp"

namespace probelog::probes {
namespace {

using symbols::ElfFile;
using symbols::ElfSymbol;
using symbols::TypeClass;

constexpr size_t kMaxCandidatesShown = 8;
constexpr size_t kRawArgs = 6;

std::string symbol_list(const std::vector<const ElfSymbol*>& symbols) {
    std::string out;
    for (size_t i = 0; i < symbols.size() && i < kMaxCandidatesShown; ++i) {
        if (i > 0) out += ", ";
        out += fmt::format("{} at 0x{:x}", symbols[i]->display(), symbols[i]->address);
    }
    if (symbols.size() > kMaxCandidatesShown) {
        out += fmt::format(" and {} more", symbols.size() - kMaxCandidatesShown);
    }
    return out;
}

// The name a record shows for the function: the C name, or the C++ name without parameters.
std::string short_name(const ElfSymbol& s) {
    if (s.demangled.empty()) return s.name;
    return symbols::strip_abi_tags(
        symbols::strip_return_type(symbols::strip_parameters(s.demangled)));
}

// Whether `vaddr` is the first byte of an instruction of `fn` (decoded from its start).
Status check_instruction_boundary(const ElfFile& file, const ElfSymbol& fn, uint64_t vaddr,
                                  bool relative) {
    if (vaddr == fn.address) return {};
    auto code = file.read_at(fn.address, vaddr - fn.address + 16);
    if (!code) return code.error();
    auto insns = symbols::decode_instructions(*code, fn.address);
    if (!insns) return insns.error();
    auto where = [&](uint64_t a) {
        return relative ? fmt::format("{}+0x{:x}", fn.display(), a - fn.address)
                        : fmt::format("0x{:x}", a);
    };
    const symbols::Instruction* prev = nullptr;
    for (const symbols::Instruction& i : *insns) {
        if (i.address == vaddr) return {};
        if (i.address > vaddr && prev != nullptr) {
            return make_error(
                "{} is inside an instruction (of {} bytes, at {}): a probe there would corrupt "
                "the program; the nearest instructions start at {} and {}",
                where(vaddr), prev->size, where(prev->address), where(prev->address),
                where(i.address));
        }
        prev = &i;
    }
    return make_error("cannot decode the instructions of {} up to {}", fn.display(), where(vaddr));
}

Result<const ElfSymbol*> find_symbol(const ElfFile& file, const ProbeSpec& spec) {
    auto matches = symbols::find_functions(file, spec.symbol);
    if (matches.empty()) {
        if (file.functions().empty()) {
            return make_error(
                "function '{}' not found: {} has no function symbols (stripped?); probe an "
                "address instead (0x...)",
                spec.symbol, file.path());
        }
        // Go's table has every function with code of its own: a Go name
        // missing from it was inlined at every call (or is not there at all).
        const symbols::GoBinary* go = file.go();
        bool go_names = go != nullptr && !go->functions.empty();
        std::string inlined =
            "a Go function that the compiler inlined at every call has no code "
            "of its own to probe";
        auto close = symbols::suggest_functions(file, spec.symbol);
        if (close.empty()) {
            return make_error("function '{}' not found in {} (--probe-list {} shows them all{})",
                              spec.symbol, file.path(), file.path(),
                              go_names ? "; " + inlined : "");
        }
        std::string names;
        for (const std::string& n : close) {
            names += names.empty() ? "" : ", ";
            names += n;
        }
        inlined[0] = 'A';
        return make_error("function '{}' not found in {} (did you mean {}?{})", spec.symbol,
                          file.path(), names, go_names ? " " + inlined : "");
    }
    if (matches.size() > 1) {
        return make_error(
            "'{}' is ambiguous in {}: {} functions match: {}; quote the full C++ name or give "
            "an address",
            spec.symbol, file.path(), matches.size(), symbol_list(matches));
    }
    const ElfSymbol* sym = matches[0];
    if (sym->ifunc) {
        std::vector<const ElfSymbol*> impls;
        for (const ElfSymbol& s : file.functions()) {
            if (!s.ifunc && s.name.find(spec.symbol) != std::string::npos) impls.push_back(&s);
        }
        return make_error(
            "'{}' in {} is an IFUNC: the symbol is the resolver that picks an implementation at "
            "load time; probe an implementation instead{}{}",
            spec.symbol, file.path(), impls.empty() ? "" : ": ", symbol_list(impls));
    }
    return sym;
}

// Records name a probe by the file's base name: "app:main", "libc:malloc".
std::string display_target(const std::string& target) {
    size_t slash = target.rfind('/');
    return slash == std::string::npos ? target : target.substr(slash + 1);
}

std::string unique_name(std::string name, const std::vector<ParamSpec>& taken) {
    auto used = [&](const std::string& n) {
        return std::any_of(taken.begin(), taken.end(),
                           [&](const ParamSpec& p) { return p.name == n; });
    };
    if (is_reserved_field(name) || used(name)) name = "arg_" + name;
    std::string base = name;
    for (int k = 2; used(name); ++k)
        name = fmt::format("{}{}", base, k);
    return name;
}

std::string go_arg_name(const std::string& dwarf_name, size_t k) {
    if (dwarf_name.empty() || dwarf_name == "_" || dwarf_name.starts_with("~")) {
        return fmt::format("arg{}", k);
    }
    return dwarf_name;
}

// The Go type a --probe spec names for a value.
Result<symbols::GoType> go_type_of_spec(const std::string& name, const std::string& text,
                                        ValueType type) {
    // A buffer's Go value is its pointer (go_type_named knows "ptr").
    if (type == ValueType::Buf) return symbols::go_type_named("ptr").value();
    std::optional<symbols::GoType> t = symbols::go_type_named(text);
    if (!t) {
        return make_error(
            "{}: '{}' is not a type of Go (Go types: int, int8..int64, uint8..uint64, "
            "uintptr, bool, string, []byte, *T, error; or s8..u64, ptr, str)",
            name, text);
    }
    return std::move(*t);
}

// Parameters and results of a Go function: from the spec's list (Go type
// names), else DWARF, else the nine integer argument registers.
Status go_values(const ElfFile& file, const ElfSymbol& fn, const ProbeSpec& spec,
                 const std::optional<symbols::DwarfInfo>& dwarf, ResolvedProbe& out) {
    if (spec.params) {
        for (const ParamSpec& p : *spec.params) {
            auto t = go_type_of_spec(fmt::format("parameter {}", p.name), p.type_text, p.type);
            if (!t) return t.error();
            GoValue v;
            v.name = p.name;
            v.type = std::move(*t);
            v.reg = p.reg;
            v.buf = p.type == ValueType::Buf;
            v.len = p.len;
            if (v.reg && !v.buf && v.type.size > 8) {
                return make_error(
                    "parameter {} ({}) is more than one word: @REG reads one register", p.name,
                    p.type_text);
            }
            out.go_params.push_back(std::move(v));
        }
        out.params_from = "spec";
    } else if (out.function_entry) {
        std::optional<symbols::GoDwarfFunction> dfn;
        if (dwarf) dfn = dwarf->go_function_at(fn.address);
        if (dfn) {
            size_t k = 0;
            size_t j = 0;
            std::vector<ParamSpec> taken;  // for unique names
            for (const symbols::GoDwarfParam& p : dfn->params) {
                GoValue v;
                v.type = p.type;
                if (p.result) {
                    v.name = j == 0 ? "ret" : fmt::format("ret{}", j);
                    ++j;
                    out.go_results.push_back(std::move(v));
                } else {
                    v.name = unique_name(go_arg_name(p.name, k++), taken);
                    ParamSpec named;
                    named.name = v.name;
                    taken.push_back(std::move(named));
                    out.go_params.push_back(std::move(v));
                }
            }
            out.params_from = "DWARF";
        } else {
            for (size_t i = 0; i < kGoIntRegCount; ++i) {
                GoValue v;
                v.name = fmt::format("arg{}", i);
                v.type = *symbols::go_type_named("uint64");
                out.go_params.push_back(std::move(v));
            }
            out.params_from = "raw registers";
        }
    }
    if (spec.ret) {
        auto t = go_type_of_spec("ret", spec.ret_text, *spec.ret);
        if (!t) return t.error();
        out.go_results.clear();
        out.go_results.push_back(GoValue{.name = "ret", .type = std::move(*t)});
    }
    (void)file;
    return {};
}

// Every RET of the function, found by decoding it whole.
void find_rets(const ElfFile& file, const ElfSymbol& fn, ResolvedProbe& out) {
    if (fn.size == 0) {
        out.ret_error = "its size is unknown";
        return;
    }
    auto code = file.read_at(fn.address, fn.size);
    if (!code) {
        out.ret_error = code.error().message;
        return;
    }
    auto insns = symbols::decode_instructions(*code, fn.address);
    if (!insns) {
        out.ret_error = insns.error().message;
        return;
    }
    uint64_t end = fn.address;
    for (const symbols::Instruction& i : *insns) {
        if (i.is_ret) out.ret_vaddrs.push_back(i.address);
        end = i.address + i.size;
    }
    if (end < fn.address + code->size()) {
        out.ret_vaddrs.clear();
        out.ret_error = fmt::format("its code cannot be decoded past +0x{:x}", end - fn.address);
        return;
    }
    for (uint64_t v : out.ret_vaddrs) {
        auto off = file.file_offset(v);
        if (!off) {
            out.ret_error = off.error().message;
            out.ret_vaddrs.clear();
            out.ret_file_offsets.clear();
            return;
        }
        out.ret_file_offsets.push_back(*off);
    }
}

// A Go function: Go's register ABI, the entry past the stack check, the RETs.
Status resolve_go(const ElfFile& file, const ElfSymbol& fn, const ProbeSpec& spec,
                  ResolvedProbe& out) {
    const symbols::GoBinary& go = *file.go();
    out.go = true;
    if (go.version) out.go_version = go.version->text;
    bool too_old = go.version ? go.version->minor > 0 && !go.version->at_least(17)
                              : go.pclntab_format == "1.16";
    if (too_old) {
        return make_error(
            "{} was built by {}, which passes arguments on the stack (ABI0): probelog reads Go's "
            "register ABI (Go 1.17 and later)",
            file.path(), go.version ? go.version->text : "a Go before 1.18 (1.16 or 1.17)");
    }
    // Captures keep the DWARF after the file is closed.
    std::optional<symbols::DwarfInfo> dwarf =
        symbols::DwarfInfo::open(file, !reads_fields(spec) ? symbols::DwarfInfo::Lifetime::WithFile
                                                           : symbols::DwarfInfo::Lifetime::OwnFile);
    if (Status st = go_values(file, fn, spec, dwarf, out); !st) return st;
    if (dwarf && reads_fields(spec))
        out.dwarf = std::make_shared<const symbols::DwarfInfo>(std::move(*dwarf));
    out.go_abi = assign_go_values(out.go_params, out.go_results);
    for (const std::string& n : out.go_abi.notes)
        out.notes.push_back(n);
    if (!out.function_entry) {
        if (spec.ret) {
            return make_error(
                "ret: needs a probe at a function's entry, and {} is not one (the RET "
                "instructions pair with the entry)",
                out.name.substr(out.name.find(':') + 1));
        }
        out.go_results.clear();
        out.go_abi.results.clear();
        for (const GoPiece& p : out.go_abi.args) {
            if (p.on_stack) {
                return make_error(
                    "{} is on the stack, which can only be read at a function's entry; name its "
                    "register with @REG or probe the entry",
                    p.name);
            }
        }
        return {};
    }
    // The entry probe goes past the stack-bound check, which a call passes once.
    auto head = file.read_at(fn.address, std::min<uint64_t>(fn.size ? fn.size : 64, 64));
    if (head) {
        if (auto end = symbols::go_stack_check_end(*head, fn.address)) {
            auto off = file.file_offset(*end);
            if (off) {
                out.entry_skip = *end - fn.address;
                out.file_offset = *off;
            }
        }
    }
    find_rets(file, fn, out);
    std::optional<uint64_t> hi;
    if (dwarf) hi = dwarf->member_offset("runtime.g", {"stack", "hi"});
    if (hi) {
        out.g_stack_hi = static_cast<int32_t>(*hi);
        out.g_stack_hi_from = "DWARF (runtime.g)";
    } else {
        out.g_stack_hi_from = "the Go 1.17+ layout of runtime.g";
    }
    return {};
}

}  // namespace

std::optional<ValueType> probe_type_of(const symbols::DwarfType& type) {
    switch (type.cls) {
        case TypeClass::Signed:
            return type.size == 1   ? ValueType::S8
                   : type.size == 2 ? ValueType::S16
                   : type.size == 4 ? ValueType::S32
                                    : ValueType::S64;
        case TypeClass::Unsigned:
            return type.size == 1   ? ValueType::U8
                   : type.size == 2 ? ValueType::U16
                   : type.size == 4 ? ValueType::U32
                                    : ValueType::U64;
        case TypeClass::Bool:
            return ValueType::Bool;
        case TypeClass::Char:
            return ValueType::Char;
        case TypeClass::Pointer:
            return ValueType::Ptr;
        case TypeClass::CString:
            return ValueType::Str;
        case TypeClass::Struct:
            if (type.by_reference) return ValueType::Ptr;  // passed as a pointer to a copy
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

void params_from_dwarf(const symbols::DwarfFunction& fn, std::vector<ParamSpec>& params,
                       std::optional<ValueType>& ret, std::vector<std::string>& notes) {
    int abi = 0;
    ret.reset();
    const symbols::DwarfType& rt = fn.ret;
    if (rt.cls == TypeClass::Struct && (rt.by_reference || rt.size > 16)) {
        abi = 1;  // the caller passes where to put the result in rdi
        notes.push_back(
            fmt::format("returns {} in memory: the return value is not captured", rt.name));
    } else if (rt.cls != TypeClass::Void) {
        ret = probe_type_of(rt);
        if (!ret) {
            notes.push_back(fmt::format("returns {}{}: the return value is not captured", rt.name,
                                        rt.cls == TypeClass::Float
                                            ? " (in an SSE register, which uprobes cannot read)"
                                            : ""));
        }
    }
    for (size_t k = 0; k < fn.params.size(); ++k) {
        const symbols::DwarfParam& dp = fn.params[k];
        std::string name = dp.name.empty()
                               ? (dp.artificial ? std::string("this") : fmt::format("arg{}", k))
                               : dp.name;
        if (dp.type.cls == TypeClass::Float) {
            notes.push_back(fmt::format(
                "parameter {} ({}) is in an SSE register, which uprobes cannot read: left out",
                name, dp.type.name));
            continue;  // takes no integer register
        }
        auto type = probe_type_of(dp.type);
        if (!type) {
            notes.push_back(fmt::format(
                "parameter {} ({}) is passed by value in a way probelog does not decode: it and "
                "the parameters after it are left out",
                name, dp.type.name.empty() ? "unknown type" : dp.type.name));
            break;
        }
        if (params.size() == kMaxParams) {
            notes.push_back(fmt::format("only the first {} parameters are captured", kMaxParams));
            break;
        }
        ParamSpec p;
        p.type = *type;
        p.name = unique_name(name, params);
        p.abi_index = abi++;
        params.push_back(std::move(p));
    }
    if (fn.variadic) notes.emplace_back("variadic: only the named parameters are captured");
}

Result<ResolvedProbe> resolve_probe(const ProbeSpec& spec, const ResolveOptions& options) {
    ResolvedProbe out;
    out.spec = spec;
    auto target = symbols::resolve_target(spec.target, options.pid);
    if (!target) return target.error();
    auto file = ElfFile::open(target->path);
    if (!file) return file.error();
    out.binary = target->path;

    const ElfSymbol* fn = nullptr;
    if (spec.is_address) {
        out.vaddr = spec.address;
        auto containing = file->functions_containing(spec.address);
        for (const ElfSymbol* s : containing) {
            if (s->address == spec.address) fn = s;
        }
        if (fn == nullptr && !containing.empty()) fn = containing[0];
        out.function_entry = fn != nullptr && fn->address == spec.address;
        out.name = fmt::format("{}:0x{:x}", display_target(spec.target), spec.address);
        if (fn != nullptr) out.function = short_name(*fn);
    } else {
        auto sym = find_symbol(*file, spec);
        if (!sym) return sym.error();
        fn = *sym;
        if (spec.has_offset && fn->size != 0 && spec.offset >= fn->size) {
            return make_error("offset 0x{:x} is outside {} (its size is 0x{:x} bytes)", spec.offset,
                              fn->display(), fn->size);
        }
        out.vaddr = fn->address + spec.offset;
        out.function_entry = spec.offset == 0;
        out.function = short_name(*fn);
        out.name = spec.has_offset && spec.offset != 0
                       ? fmt::format("{}:{}+0x{:x}", display_target(spec.target), out.function,
                                     spec.offset)
                       : fmt::format("{}:{}", display_target(spec.target), out.function);
    }
    if (fn != nullptr && !out.function_entry) {
        if (Status st = check_instruction_boundary(*file, *fn, out.vaddr, !spec.is_address); !st)
            return st.error();
    }
    auto offset = file->file_offset(out.vaddr);
    if (!offset) return offset.error();
    out.file_offset = *offset;

    // Go functions have Go's calling convention, and must never get a uretprobe.
    if (const symbols::GoBinary* go = file->go(); go != nullptr && fn != nullptr) {
        if (go->function_containing(fn->address) != nullptr) {
            if (Status st = resolve_go(*file, *fn, spec, out); !st) return st.error();
            return out;
        }
        if (go->functions.empty()) {
            return make_error(
                "{} is a Go program whose function table is unreadable ({}): probelog cannot tell "
                "its Go functions (which must not get a uretprobe) from C ones",
                file->path(), go->pclntab_error);
        }
    }
    for (const ParamSpec& p : spec.params ? *spec.params : std::vector<ParamSpec>{}) {
        if (p.go_only) {
            return make_error("parameter {}: '{}' is a Go type, and {} is not a Go function{}",
                              p.name, p.type_text, out.function.empty() ? out.name : out.function,
                              p.type_text == "string" ? " (a C string is str)" : "");
        }
    }
    if (spec.ret_go_only) {
        return make_error("ret: '{}' is a Go type, and {} is not a Go function", spec.ret_text,
                          out.function.empty() ? out.name : out.function);
    }

    std::optional<symbols::DwarfInfo> dwarf;
    if (reads_fields(spec)) {  // kept after the file is closed
        dwarf = symbols::DwarfInfo::open(*file, symbols::DwarfInfo::Lifetime::OwnFile);
    } else if (!spec.params && out.function_entry) {
        dwarf = symbols::DwarfInfo::open(*file);
    }
    if (spec.params) {
        out.params = *spec.params;
        out.ret = spec.ret;
        out.params_from = "spec";
    } else if (out.function_entry) {
        std::optional<symbols::DwarfFunction> dfn;
        if (dwarf) dfn = dwarf->function_at(out.vaddr);
        if (dfn) {
            params_from_dwarf(*dfn, out.params, out.ret, out.notes);
            out.params_from = "DWARF";
        } else {
            for (size_t i = 0; i < kRawArgs; ++i) {
                ParamSpec p;
                p.type = ValueType::U64;
                p.name = fmt::format("arg{}", i);
                out.params.push_back(std::move(p));
            }
            out.params_from = "raw registers";
        }
        if (spec.ret) out.ret = spec.ret;
    }
    if (dwarf && reads_fields(spec))
        out.dwarf = std::make_shared<const symbols::DwarfInfo>(std::move(*dwarf));
    if (!out.function_entry) {
        if (out.ret || spec.ret) {
            return make_error(
                "ret: needs a probe at a function's entry, and {} is not one (uretprobes "
                "hijack the return address, which only the entry knows)",
                out.name.substr(out.name.find(':') + 1));
        }
        for (size_t k = 0; k < out.params.size(); ++k) {
            const ParamSpec& p = out.params[k];
            size_t abi = p.abi_index >= 0 ? static_cast<size_t>(p.abi_index) : k;
            if (!p.reg && abi >= 6) {
                return make_error(
                    "parameter {} is a stack argument, which can only be read at a function's "
                    "entry; name its register with @REG or probe the entry",
                    p.name);
            }
        }
    }
    return out;
}

}  // namespace probelog::probes
