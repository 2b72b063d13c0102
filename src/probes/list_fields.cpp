#include "probes/list_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "probes/capture_compile.hpp"
#include "probes/capture_spec.hpp"
#include "symbols/dwarf_types.hpp"

namespace probelog::probes {
namespace {

using symbols::MemberDesc;
using symbols::TypeDesc;
using symbols::TypeKind;
using symbols::TypeRef;

// A parameter or the return value, as a capture names it.
struct Root {
    std::string name;  // "req", "this", "ret"
    TypeRef type;
};

// One row of a member table.
struct Row {
    std::string offset;
    std::string name;
    std::string type;
    std::string capture;
    std::string note;
};

bool aggregate(TypeKind k) {
    return k == TypeKind::Struct || k == TypeKind::Union;
}

// "+16", or for a bitfield "+64.1:3" (its storage unit at byte 64, bits 1
// to 3 counted from the least significant: the `.BIT:WIDTH` of the docs).
std::string offset_text(const MemberDesc& m) {
    if (m.bit_size == 0) return fmt::format("+{}", m.offset);
    return fmt::format("+{}.{}:{}", m.offset, m.bit_offset, m.bit_size);
}

// Whether `expr` compiles as a capture over `root`: the listing shows only
// captures the spec would accept (a Go interface member, a function pointer
// or a long double would be refused).
bool compiles(const symbols::DwarfInfo& dwarf, const Root& root, const std::string& expr) {
    std::string text = "{" + expr + "}";
    size_t at = 0;
    auto parsed = parse_captures(text, at);
    if (!parsed || parsed->size() != 1) return false;
    CaptureRoot cr;
    cr.name = root.name;
    cr.loc.kind = PL_LOC_REG;  // where the value is does not change what compiles
    cr.type = root.type;
    return compile_capture(parsed->front(), cr, &dwarf, CaptureLimits{}).ok();
}

Row row_of(const symbols::DwarfInfo& dwarf, const Root& root, const std::string& prefix,
           const MemberDesc& m, bool go) {
    TypeDesc t = symbols::describe_type(dwarf, m.type);
    Row r{offset_text(m), m.name, t.name.empty() ? "?" : t.name, "", ""};
    if (m.base_or_embedded) r.note = go ? "# embedded" : "# base class";
    if (m.base_or_embedded && aggregate(t.kind)) {
        // Name lookup searches bases and embedded fields: their members are
        // named as the object's own (this->base_id, req.ID).
        r.capture = prefix + "…";
    } else if (aggregate(t.kind)) {
        r.capture = prefix + m.name + ".…";  // a struct is captured member by member
    } else if (compiles(dwarf, root, prefix + m.name)) {
        r.capture = prefix + m.name;
    } else if (t.kind == TypeKind::Array && t.count > 0 &&
               compiles(dwarf, root, prefix + m.name + "[0]")) {
        // An array of arrays is captured a row at a time.
        r.capture = prefix + m.name + "[0]";
        r.note = fmt::format("# by element: [0] to [{}]", t.count - 1);
    } else {
        r.capture = "-";
        r.note = t.kind == TypeKind::GoInterface ? "# an interface: captured only as a parameter"
                                                 : "# cannot be captured";
    }
    return r;
}

// The member table of one root: its header line and a row per member.
std::string expand(const symbols::DwarfInfo& dwarf, const Root& root, bool go) {
    TypeDesc t = symbols::describe_type(dwarf, root.type);
    TypeDesc object = t;
    if (t.kind == TypeKind::Pointer && t.target) object = symbols::describe_type(dwarf, t.target);
    // Go and C++ references name members through a pointer with '.'.
    std::string op = t.kind == TypeKind::Pointer && !go && !t.name.ends_with("&") ? "->" : ".";
    if (!aggregate(object.kind)) return "";
    std::string head = fmt::format("    {}: {}", root.name, t.name);
    if (object.incomplete) {
        return head + fmt::format(
                          " (declared, not defined in the DWARF: use byte offsets, "
                          "{}+OFFSET:TYPE)\n",
                          root.name);
    }
    if (t.kind != TypeKind::Pointer) {
        // Only one word (a register) is a capture's root: a struct passed by
        // value has no address to start from.
        return head +
               fmt::format(" ({} bytes, passed by value: not a capture root)\n", object.size);
    }
    std::string out = head + fmt::format(" ({} bytes)\n", object.size);
    std::vector<Row> rows;
    for (const MemberDesc& m : symbols::type_members(dwarf, t.target))
        rows.push_back(row_of(dwarf, root, root.name + op, m, go));
    size_t w_off = 0, w_name = 0, w_type = 0, w_cap = 0;
    for (const Row& r : rows) {
        w_off = std::max(w_off, r.offset.size());
        w_name = std::max(w_name, r.name.size());
        w_type = std::max(w_type, r.type.size());
        w_cap = std::max(w_cap, r.capture.size());
    }
    for (const Row& r : rows) {
        std::string line = fmt::format("      {:<{}}  {:<{}}  {:<{}}  {}", r.offset, w_off, r.name,
                                       w_name, r.type, w_type, r.capture);
        if (!r.note.empty())
            line += fmt::format("{:<{}}  {}", "", w_cap - r.capture.size(), r.note);
        out += line + "\n";
    }
    return out;
}

// The roots of a C or C++ function: its parameters as the signature names
// them (this, argN for unnamed ones), then `ret`.
std::vector<Root> c_roots(const symbols::DwarfInfo& dwarf, uint64_t address,
                          const symbols::FunctionTypes& ft) {
    std::vector<Root> roots;
    auto fn = dwarf.function_at(address);
    for (size_t k = 0; k < ft.types.size(); ++k) {
        std::string name = k < ft.names.size() ? ft.names[k] : "";
        if (name.empty() && fn && k < fn->params.size() && fn->params[k].artificial) name = "this";
        if (name.empty()) name = fmt::format("arg{}", k);
        roots.push_back({name, ft.types[k]});
    }
    if (ft.ret) roots.push_back({"ret", ft.ret});
    return roots;
}

// Go: the receiver and arguments as the signature names them, and the first
// result as `ret` (the only result a capture starts from).
std::vector<Root> go_roots(const symbols::DwarfInfo& dwarf, uint64_t address,
                           const symbols::FunctionTypes& ft) {
    std::vector<Root> roots;
    auto fn = dwarf.go_function_at(address);
    if (!fn) return roots;
    size_t k = 0;
    bool first_result = true;
    for (size_t i = 0; i < fn->params.size() && i < ft.types.size(); ++i) {
        const symbols::GoDwarfParam& p = fn->params[i];
        if (p.result) {
            if (first_result) roots.push_back({"ret", ft.types[i]});
            first_result = false;
            continue;
        }
        std::string name = p.name.empty() || p.name == "_" || p.name.starts_with("~")
                               ? fmt::format("arg{}", k)
                               : p.name;
        ++k;
        roots.push_back({name, ft.types[i]});
    }
    return roots;
}

}  // namespace

std::string list_fields(const symbols::DwarfInfo* dwarf, uint64_t address, bool go) {
    std::optional<symbols::FunctionTypes> ft;
    if (dwarf != nullptr) ft = symbols::function_types(*dwarf, address);
    if (!ft) {
        return fmt::format(
            "    # no DWARF for this function: member names and types are unknown; capture "
            "byte offsets, e.g. {{ arg0+16:u32, *(arg0+8):str }}\n");
    }
    std::string out;
    for (const Root& root : go ? go_roots(*dwarf, address, *ft) : c_roots(*dwarf, address, *ft))
        out += expand(*dwarf, root, go);
    return out;
}

}  // namespace probelog::probes
