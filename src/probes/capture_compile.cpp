#include "probes/capture_compile.hpp"

#include "symbols/lookup.hpp"

#include <algorithm>
#include <limits>

namespace probelog::probes {
namespace {

using decode::ProbeValueKind;
using symbols::TypeDesc;
using symbols::TypeKind;
using symbols::TypeRef;

// The members of a type, closest to `name` first, for "no member" errors.
std::string members_by_closeness(const std::vector<symbols::MemberDesc>& members,
                                 std::string_view name) {
    std::vector<std::pair<size_t, std::string>> ranked;
    for (const symbols::MemberDesc& m : members) {
        if (!m.name.empty()) ranked.emplace_back(symbols::edit_distance(m.name, name), m.name);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (size_t k = 0; k < ranked.size() && k < 12; ++k) {
        out += out.empty() ? "" : ", ";
        out += ranked[k].second;
    }
    if (ranked.size() > 12) out += ", ...";
    return out.empty() ? "none" : out;
}

// Memory reads through pointers per capture (the loads and the final read).
constexpr size_t kMaxDereferences = 8;

// Walks a capture's expression: where the object it names is, step by step.
class Walker {
  public:
    Walker(const CaptureSpec& capture, const CaptureRoot& root, const symbols::DwarfInfo* dwarf,
           const CaptureLimits& limits)
        : c_(capture), root_(root), dwarf_(dwarf), limits_(limits) {
        text_ = root.name;
        ptr_text_ = root.name;
        typed_ = dwarf != nullptr && root.type;
        type_ = root.type;
    }

    Result<std::vector<CompiledCapture>> run() {
        for (const ExprStep& step : c_.steps) {
            if (Status st = apply(step); !st) return st.error();
        }
        if (typed_ && !c_.type && c_.type_text.empty() && desc().kind == TypeKind::GoInterface)
            return finish_interface();
        auto one = finish();
        if (!one) return one.error();
        std::vector<CompiledCapture> out;
        out.push_back(std::move(*one));
        return out;
    }

  private:
    Error fail(std::string_view what) const { return make_error("capture {}: {}", c_.expr, what); }
    TypeDesc desc() const { return symbols::describe_type(*dwarf_, type_); }

    Error too_deep() const {
        return fail(
            fmt::format("more than {} dereferences (pointers followed); capture a "
                        "shorter path",
                        kMaxDereferences));
    }

    // v becomes the pointer stored at the object: one more load.
    Status load() {
        if (path_.n_loads == PL_PROBE_PATH_LOADS) return too_deep();
        if (pending_ < std::numeric_limits<int32_t>::min() ||
            pending_ > std::numeric_limits<int32_t>::max()) {
            return fail("an offset beyond 2 GiB");
        }
        path_.loads[path_.n_loads++] = static_cast<int32_t>(pending_);
        access_.push_back(ptr_text_);
        ptr_text_ = text_;
        pending_ = 0;
        lvalue_ = false;
        return {};
    }

    // The object a pointer points to.
    Status to_pointee() {
        if (lvalue_) {
            if (Status st = load(); !st) return st;
        }
        lvalue_ = true;
        pending_ = 0;
        bit_size_ = 0;
        if (typed_) type_ = desc().target;
        return {};
    }

    Status need_type(std::string_view what) const {
        if (typed_) return {};
        if (dwarf_ == nullptr) {
            return fail(fmt::format(
                "{} needs the type of {}, and there is no DWARF for it (a stripped binary?): "
                "use byte offsets ({}+OFFSET:TYPE, *({}+OFFSET):str) or install its debug file",
                what, text_, text_, text_));
        }
        return fail(
            fmt::format("{} needs the type of {}, which is not known (a byte offset "
                        "or a '+N' before made it raw memory): use byte offsets "
                        "({}+OFFSET:TYPE)",
                        what, text_, text_));
    }

    Status member(const ExprStep& step) {
        std::string op = step.kind == ExprStep::Kind::Arrow ? "->" : ".";
        if (Status st = need_type(fmt::format("'{}{}'", op, step.field)); !st) return st;
        TypeDesc d = desc();
        if (d.kind == TypeKind::Pointer) {
            if (!d.target) {
                return fail(
                    fmt::format("{} is a {} (void *): it has no members; use byte "
                                "offsets ({}+OFFSET:TYPE)",
                                text_, d.name, text_));
            }
            if (Status st = to_pointee(); !st) return st;
            d = desc();
        } else if (step.kind == ExprStep::Kind::Arrow) {
            return fail(fmt::format("{} is a {}, not a pointer: write {}.{}", text_, d.name, text_,
                                    step.field));
        }
        if (d.kind != TypeKind::Struct && d.kind != TypeKind::Union) {
            return fail(fmt::format("{} is a {}, which has no member '{}'", text_,
                                    d.name.empty() ? "value" : d.name, step.field));
        }
        if (d.incomplete) {
            return fail(
                fmt::format("{} is incomplete here (declared, never defined in this "
                            "binary's DWARF): its members are unknown; use byte offsets "
                            "({}+OFFSET:TYPE)",
                            d.name, text_));
        }
        if (!lvalue_) {
            return fail(
                fmt::format("{} is a {} passed by value in registers: probelog reads "
                            "members of structs in memory",
                            text_, d.name));
        }
        auto m = symbols::find_member(*dwarf_, type_, step.field);
        if (!m) {
            return fail(fmt::format(
                "{} has no member '{}' (members: {})", d.name, step.field,
                members_by_closeness(symbols::type_members(*dwarf_, type_), step.field)));
        }
        pending_ += static_cast<int64_t>(m->offset);
        type_ = m->type;
        bit_offset_ = m->bit_offset;
        bit_size_ = m->bit_size;
        text_ += op + step.field;
        return {};
    }

    Status index(const ExprStep& step) {
        if (Status st = need_type("an index"); !st) return st;
        TypeDesc d = desc();
        std::string what = fmt::format("{}[{}]", text_, step.n);
        uint64_t elem = 0;
        switch (d.kind) {
            case TypeKind::Array:
                if (d.count > 0 && step.n >= d.count) {
                    return fail(
                        fmt::format("index {} is past the end of {} ({})", step.n, text_, d.name));
                }
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                elem = d.elem_size;
                type_ = d.target;
                break;
            case TypeKind::Pointer: {
                if (Status st = to_pointee(); !st) return st;
                if (!type_)
                    return fail(fmt::format("{} is a void *: index with byte offsets", text_));
                elem = desc().size;
                break;
            }
            case TypeKind::GoSlice:
            case TypeKind::CxxVector:
                // The elements are behind the first word (the data pointer).
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                if (Status st = load(); !st) return st;
                lvalue_ = true;
                elem = d.elem_size;
                type_ = d.target;
                break;
            default:
                return fail(
                    fmt::format("{} is a {}: only arrays, pointers, Go slices and "
                                "std::vector take an index",
                                text_, d.name));
        }
        if (elem == 0) return fail(fmt::format("the elements of {} have no known size", text_));
        pending_ += static_cast<int64_t>(step.n * elem);
        bit_size_ = 0;
        text_ = std::move(what);
        return {};
    }

    Status apply(const ExprStep& step) {
        switch (step.kind) {
            case ExprStep::Kind::Arrow:
            case ExprStep::Kind::Dot:
                return member(step);
            case ExprStep::Kind::Index:
                return index(step);
            case ExprStep::Kind::Offset:
                // Raw memory from here on: a byte offset has no type.
                if (!lvalue_) {
                    lvalue_ = true;
                    pending_ = 0;
                }
                pending_ += static_cast<int64_t>(step.n);
                typed_ = false;
                bit_size_ = 0;
                text_ = fmt::format("{}+{}", text_, step.n);
                return {};
            case ExprStep::Kind::Deref: {
                if (typed_) {
                    TypeDesc d = desc();
                    if (d.kind != TypeKind::Pointer) {
                        return fail(
                            fmt::format("{} is a {}, not a pointer: it cannot be "
                                        "dereferenced",
                                        text_, d.name));
                    }
                }
                if (Status st = to_pointee(); !st) return st;
                text_ = fmt::format("*({})", text_);
                return {};
            }
        }
        return {};
    }

    // The final read: `size` bytes at the object (0: its address).
    pl_probe_path read_path(int64_t extra, uint8_t size) const {
        pl_probe_path p = path_;
        p.add = static_cast<int32_t>(pending_ + extra);
        p.size = size;
        return p;
    }

    void set_scalar(CompiledCapture& out, ProbeValueKind kind, uint32_t size) {
        out.info.kind = kind;
        out.info.bytes = static_cast<uint8_t>(size);
        if (lvalue_) {
            uint32_t read = size;
            if (bit_size_ > 0) {
                read = (bit_offset_ + bit_size_ + 7) / 8;
                out.info.bit_offset = static_cast<uint8_t>(bit_offset_);
                out.info.bit_size = static_cast<uint8_t>(bit_size_);
                out.info.bytes = static_cast<uint8_t>(std::min<uint32_t>(read, 8));
            }
            out.slot.value_path = read_path(0, static_cast<uint8_t>(std::min<uint32_t>(read, 8)));
            final_access_ = true;
        } else {
            out.slot.value_path = path_;
        }
    }

    // A NUL-terminated string: at the object's address (inline chars) or at
    // the pointer it holds.
    void set_string(CompiledCapture& out, bool inline_chars, uint32_t cap) {
        out.info.kind = ProbeValueKind::Str;
        out.info.truncated_name = c_.name + "_truncated";
        out.slot.capture = PL_CAPTURE_STR;
        out.slot.cap = static_cast<uint16_t>(cap);
        out.bytes = cap;
        if (lvalue_) {
            out.slot.value_path = read_path(0, inline_chars ? 0 : 8);
            final_access_ = true;
        } else {
            out.slot.value_path = path_;
        }
    }

    // Bytes counted by a word of the object: (pointer at ptr_off, count at len_off).
    void set_counted(CompiledCapture& out, ProbeValueKind kind, int64_t ptr_off, int64_t len_off,
                     uint32_t cap) {
        out.info.kind = kind;
        out.info.len_name = c_.name + "_len";
        out.info.truncated_name = c_.name + "_truncated";
        out.slot.capture = PL_CAPTURE_BUF;
        out.slot.cap = static_cast<uint16_t>(cap);
        out.slot.value = root_.loc;
        out.slot.len = root_.loc;
        out.slot.value_path = read_path(ptr_off, 8);
        out.slot.len_path = read_path(len_off, 8);
        out.bytes = cap;
        final_access_ = true;
    }

    // The elements of an array, a slice or a vector, as numbers.
    Status set_elements(CompiledCapture& out, TypeRef elem, uint32_t elem_size) {
        TypeDesc e = symbols::describe_type(*dwarf_, elem);
        ProbeValueKind kind;
        switch (e.kind) {
            case TypeKind::Signed:
            case TypeKind::Char:
                kind = ProbeValueKind::Int;
                break;
            case TypeKind::Unsigned:
            case TypeKind::Enum:
                kind = ProbeValueKind::Uint;
                break;
            case TypeKind::Bool:
                kind = ProbeValueKind::Bool;
                break;
            case TypeKind::Float:
                kind = ProbeValueKind::Float;
                break;
            case TypeKind::Pointer:
                kind = ProbeValueKind::Hex;
                break;
            default:
                return fail(
                    fmt::format("the elements of {} are {}: capture their members one "
                                "by one ({}[0].FIELD)",
                                text_, e.name, text_));
        }
        if (elem_size == 0 || elem_size > 8 || (elem_size & (elem_size - 1)) != 0) {
            return fail(fmt::format("the elements of {} are {} bytes wide", text_, elem_size));
        }
        out.info.elem_kind = kind;
        out.info.elem_bytes = static_cast<uint8_t>(elem_size);
        return {};
    }

    uint32_t elements_cap(uint32_t elem_size) const {
        uint32_t cap = limits_.buf_max - limits_.buf_max % elem_size;
        return cap;
    }

    Result<CompiledCapture> finish_typed(CompiledCapture out) {
        TypeDesc d = desc();
        switch (d.kind) {
            case TypeKind::Signed:
                set_scalar(out, ProbeValueKind::Int, d.size);
                break;
            case TypeKind::Unsigned:
                set_scalar(out, ProbeValueKind::Uint, d.size);
                break;
            case TypeKind::Bool:
                set_scalar(out, ProbeValueKind::Bool, d.size);
                break;
            case TypeKind::Char:
                set_scalar(out, ProbeValueKind::Char, 1);
                break;
            case TypeKind::Enum:
                set_scalar(out, ProbeValueKind::Enum, d.size);
                out.info.is_signed = d.is_signed;
                for (const symbols::Enumerator& e : symbols::type_enumerators(*dwarf_, type_))
                    out.info.enumerators.emplace_back(e.value, e.name);
                break;
            case TypeKind::Float:
                if (!lvalue_) {
                    return fail(
                        fmt::format("{} is a {} in an SSE register, which a uprobe "
                                    "cannot read (floats in memory can be captured)",
                                    text_, d.name));
                }
                if (d.size != 4 && d.size != 8) {
                    return fail(fmt::format("{} is a {} ({} bytes): float and double only", text_,
                                            d.name, d.size));
                }
                set_scalar(out, ProbeValueKind::Float, d.size);
                break;
            case TypeKind::Pointer: {
                TypeDesc t = d.target ? symbols::describe_type(*dwarf_, d.target) : TypeDesc{};
                if (t.kind == TypeKind::Char) {
                    set_string(out, false, limits_.str_max);
                } else {
                    set_scalar(out, ProbeValueKind::Hex, 8);
                }
                break;
            }
            case TypeKind::Array: {
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                TypeDesc e = symbols::describe_type(*dwarf_, d.target);
                if (e.kind == TypeKind::Char) {
                    uint32_t cap =
                        d.count > 0
                            ? static_cast<uint32_t>(std::min<uint64_t>(d.count, limits_.str_max))
                            : limits_.str_max;
                    set_string(out, true, cap);
                    break;
                }
                if (Status st = set_elements(out, d.target, d.elem_size); !st) return st.error();
                uint64_t bytes = d.count * d.elem_size;
                uint32_t cap =
                    static_cast<uint32_t>(std::min<uint64_t>(bytes, elements_cap(d.elem_size)));
                out.info.kind = ProbeValueKind::Buf;
                out.info.len_name = c_.name + "_len";
                out.info.truncated_name = c_.name + "_truncated";
                out.slot.capture = PL_CAPTURE_BUF;
                out.slot.cap = static_cast<uint16_t>(cap);
                out.slot.value_path = read_path(0, 0);
                out.slot.len.kind = PL_LOC_CONST;
                out.slot.len.imm = bytes;
                out.bytes = cap;
                final_access_ = true;
                break;
            }
            case TypeKind::GoString:
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                set_counted(out, ProbeValueKind::Str, 0, 8, limits_.str_max);
                break;
            case TypeKind::CxxString:
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                set_counted(out, ProbeValueKind::Str, 0, 8, limits_.str_max);
                break;
            case TypeKind::CxxStringView:
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                set_counted(out, ProbeValueKind::Str, 8, 0, limits_.str_max);
                break;
            case TypeKind::GoSlice:
            case TypeKind::CxxVector: {
                if (!lvalue_) return fail(fmt::format("{} is not in memory", text_));
                TypeDesc e = symbols::describe_type(*dwarf_, d.target);
                bool bytes =
                    d.elem_size == 1 && (e.kind == TypeKind::Unsigned || e.kind == TypeKind::Char);
                if (!bytes) {
                    if (Status st = set_elements(out, d.target, d.elem_size); !st)
                        return st.error();
                }
                uint32_t cap = bytes ? limits_.buf_max : elements_cap(d.elem_size);
                set_counted(out, ProbeValueKind::Buf, 0, 8, cap);
                if (d.kind == TypeKind::CxxVector) {
                    out.slot.len_mode = PL_LEN_END;
                } else {
                    out.slot.len_scale = static_cast<uint16_t>(d.elem_size);
                }
                break;
            }
            case TypeKind::GoMap:
                // A map is a pointer to its header, whose first word is the count.
                if (lvalue_) {
                    if (Status st = load(); !st) return st.error();
                }
                lvalue_ = true;
                pending_ = 0;
                bit_size_ = 0;
                set_scalar(out, ProbeValueKind::Uint, 8);
                break;
            case TypeKind::Struct:
            case TypeKind::Union: {
                std::string names;
                for (const symbols::MemberDesc& m : symbols::type_members(*dwarf_, type_)) {
                    names += names.empty() ? "" : ", ";
                    names += m.name;
                }
                return fail(
                    fmt::format("{} is a {}: capture its members ({})", text_, d.name, names));
            }
            default:
                return fail(fmt::format("{} is a {}, which probelog cannot capture", text_,
                                        d.name.empty() ? "type without a name" : d.name));
        }
        return out;
    }

    // ':TYPE' says what to read.
    Result<CompiledCapture> finish_as(CompiledCapture out) {
        if (c_.type_text == "string" || c_.type_text == "[]byte") {
            if (!lvalue_) {
                return fail(
                    fmt::format("a Go {} is two words in memory: name where it is "
                                "({}+OFFSET:{})",
                                c_.type_text, text_, c_.type_text));
            }
            set_counted(out, c_.type_text == "string" ? ProbeValueKind::Str : ProbeValueKind::Buf,
                        0, 8, c_.type_text == "string" ? limits_.str_max : limits_.buf_max);
            return out;
        }
        ValueType t = *c_.type;
        if (t == ValueType::Str) {
            bool inline_chars = true;
            if (typed_) {
                TypeDesc d = desc();
                inline_chars = d.kind != TypeKind::Pointer;
            }
            set_string(out, inline_chars, limits_.str_max);
            return out;
        }
        ProbeValueKind kind = ProbeValueKind::Uint;
        switch (t) {
            case ValueType::S8:
            case ValueType::S16:
            case ValueType::S32:
            case ValueType::S64:
                kind = ProbeValueKind::Int;
                break;
            case ValueType::Ptr:
                kind = ProbeValueKind::Hex;
                break;
            case ValueType::Bool:
                kind = ProbeValueKind::Bool;
                break;
            case ValueType::Char:
                kind = ProbeValueKind::Char;
                break;
            default:
                break;
        }
        bit_size_ = 0;
        set_scalar(out, kind, type_size(t));
        return out;
    }

    // A Go interface: three slots. Its dynamic type (the eface's type word, or
    // the iface's itab's _type at +8); a string at its data word (a string, an
    // *errors.errorString or a *fmt.wrapError start with one), whose value is
    // also the data's first word (a boxed number); the data word itself.
    Result<std::vector<CompiledCapture>> finish_interface() {
        TypeDesc d = desc();
        std::vector<CompiledCapture> out(3);
        // The type's slot names the fields for all three (the decoder reads them together).
        out[0].info.name = c_.name;
        out[0].info.error_name = c_.name + "_error";
        CompiledCapture& type = out[0];
        CompiledCapture& text = out[1];
        CompiledCapture& data = out[2];
        type.info.kind = ProbeValueKind::GoInterface;
        type.info.type_name = c_.name + "_type";
        type.info.type_names = root_.type_names;
        text.info.kind = ProbeValueKind::Str;
        data.info.kind = ProbeValueKind::Hex;
        text.slot.capture = PL_CAPTURE_BUF;
        text.slot.cap = static_cast<uint16_t>(limits_.str_max);
        text.bytes = limits_.str_max;
        pl_probe_path type_path = path_;
        pl_probe_path data_path = path_;
        pl_probe_path str = path_;
        pl_probe_loc type_loc = root_.loc;
        pl_probe_loc data_loc = root_.loc;
        if (lvalue_) {
            // The two words are in memory: the type word at +0, the data word at +8.
            if (path_.n_loads + 2 > PL_PROBE_PATH_LOADS) return too_deep();
            if (d.go_empty_interface) {
                type_path.add = static_cast<int32_t>(pending_);
            } else {
                type_path.loads[type_path.n_loads++] = static_cast<int32_t>(pending_);
                type_path.add = 8;  // itab._type
            }
            type_path.size = 8;
            data_path.add = static_cast<int32_t>(pending_ + 8);
            data_path.size = 8;
            str.loads[str.n_loads++] = static_cast<int32_t>(pending_ + 8);
        } else if (root_.data_loc) {
            data_loc = *root_.data_loc;
            if (!d.go_empty_interface) {
                type_path.add = 8;  // itab._type
                type_path.size = 8;
            }
        } else {
            return fail(fmt::format("{} is an interface that is not in memory", text_));
        }
        type.slot.value = type_loc;
        type.slot.value_path = type_path;
        data.slot.value = data_loc;
        data.slot.value_path = data_path;
        text.slot.value = data_loc;
        text.slot.len = data_loc;
        text.slot.value_path = str;
        text.slot.value_path.size = 8;
        text.slot.len_path = str;
        text.slot.len_path.add = 8;
        text.slot.len_path.size = 8;
        std::vector<std::string> access = access_;
        access.push_back(ptr_text_);
        if (access.size() + 1 > kMaxDereferences) return too_deep();
        for (CompiledCapture& c : out) {
            c.info.access = access;
            c.info.len_access = access;
        }
        return out;
    }

    Result<CompiledCapture> finish_root(CompiledCapture out) {
        // The root itself, typed by the spec's parameter list.
        ValueType t = *root_.spec_type;
        if (t == ValueType::Str) {
            set_string(out, false, limits_.str_max);
            return out;
        }
        if (t == ValueType::Buf) {
            return fail(
                "a buf parameter is captured as a parameter; capture members behind it "
                "with byte offsets and ':TYPE'");
        }
        CaptureSpec typed = c_;
        typed.type = t;
        Walker w(typed, root_, dwarf_, limits_);
        auto r = w.run();
        if (!r) return r.error();
        return std::move(r->front());
    }

    Result<CompiledCapture> finish() {
        CompiledCapture out;
        out.info.name = c_.name;
        out.info.error_name = c_.name + "_error";
        out.info.format = c_.format;
        out.slot.value = root_.loc;
        Result<CompiledCapture> r = [&]() -> Result<CompiledCapture> {
            if (c_.type || !c_.type_text.empty()) return finish_as(std::move(out));
            if (typed_) return finish_typed(std::move(out));
            if (!lvalue_ && root_.spec_type) return finish_root(std::move(out));
            return fail(fmt::format(
                "what to read at {} is not known (no DWARF type): add ':TYPE' ({}:u32, {}:str, "
                "{}:ptr)",
                text_, c_.expr, c_.expr, c_.expr));
        }();
        if (!r) return r;
        if (r->info.format != BytesFormat::Default && r->info.kind != ProbeValueKind::Str &&
            (r->info.kind != ProbeValueKind::Buf || r->info.elem_bytes != 0)) {
            return fail("a format (hex, text, base64, msgpack) applies to strings and bytes");
        }
        // The accesses, for errors: each load's pointer, then the final read's.
        r->info.access = access_;
        if (final_access_) r->info.access.push_back(ptr_text_);
        if (r->info.access.size() > kMaxDereferences) return too_deep();
        r->info.len_access = r->info.access;
        if (r->info.kind == ProbeValueKind::Str || r->info.kind == ProbeValueKind::Buf) {
            // A final read loaded the pointer to the bytes; without one the
            // bytes are inside the struct the last pointer points to.
            r->info.bytes_access = final_access_ ? text_ : ptr_text_;
        }
        return r;
    }

    const CaptureSpec& c_;
    const CaptureRoot& root_;
    const symbols::DwarfInfo* dwarf_;
    const CaptureLimits& limits_;

    pl_probe_path path_{};
    int64_t pending_ = 0;  // lvalue: the object is at v + pending_
    bool lvalue_ = false;  // false: v is the value itself (the root, or a pointer just loaded)
    bool typed_ = false;
    TypeRef type_;
    uint32_t bit_offset_ = 0;
    uint32_t bit_size_ = 0;
    std::string text_;      // the expression so far
    std::string ptr_text_;  // the expression whose value v is
    std::vector<std::string> access_;
    bool final_access_ = false;
};

}  // namespace

Result<std::vector<CompiledCapture>> compile_capture(const CaptureSpec& capture,
                                                     const CaptureRoot& root,
                                                     const symbols::DwarfInfo* dwarf,
                                                     const CaptureLimits& limits) {
    Walker w(capture, root, dwarf, limits);
    return w.run();
}

}  // namespace probelog::probes
