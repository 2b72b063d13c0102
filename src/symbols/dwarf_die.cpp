#include "symbols/dwarf_die.hpp"

#include <dwarf.h>

#include <string>

namespace probelog::symbols::dwarf_die {
namespace {

// "[4][2]": the lengths of an array type's dimensions ("[]" if unknown).
std::string array_dims(Dwarf_Die* array) {
    std::string out;
    Dwarf_Die child;
    if (dwarf_child(array, &child) != 0) return out;
    do {
        if (dwarf_tag(&child) != DW_TAG_subrange_type) continue;
        Dwarf_Word n = 0;
        if (attr_udata(&child, DW_AT_count, n)) {
            out += "[" + std::to_string(n) + "]";
        } else if (attr_udata(&child, DW_AT_upper_bound, n)) {
            out += "[" + std::to_string(n + 1) + "]";
        } else {
            out += "[]";
        }
    } while (dwarf_siblingof(&child, &child) == 0);
    return out;
}

}  // namespace

std::string attr_string(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    if (dwarf_attr_integrate(die, name, &attr) == nullptr) return {};
    const char* s = dwarf_formstring(&attr);
    return s != nullptr ? std::string(s) : std::string();
}

bool attr_udata(Dwarf_Die* die, unsigned name, Dwarf_Word& out) {
    Dwarf_Attribute attr;
    if (dwarf_attr_integrate(die, name, &attr) == nullptr) return false;
    return dwarf_formudata(&attr, &out) == 0;
}

bool attr_flag(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    bool flag = false;
    if (dwarf_attr_integrate(die, name, &attr) == nullptr) return false;
    return dwarf_formflag(&attr, &flag) == 0 && flag;
}

bool attr_die(Dwarf_Die* die, unsigned name, Dwarf_Die* out) {
    Dwarf_Attribute attr;
    if (dwarf_attr_integrate(die, name, &attr) == nullptr) return false;
    return dwarf_formref_die(&attr, out) != nullptr;
}

uint32_t byte_size(Dwarf_Die* die) {
    Dwarf_Word size = 0;
    return attr_udata(die, DW_AT_byte_size, size) ? static_cast<uint32_t>(size) : 0;
}

std::string type_name(Dwarf_Die* die, int depth) {
    if (depth > kMaxTypeDepth) return "?";
    Dwarf_Die inner;
    bool has_inner = attr_die(die, DW_AT_type, &inner);
    std::string name = attr_string(die, DW_AT_name);
    switch (dwarf_tag(die)) {
        case DW_TAG_base_type:
        case DW_TAG_typedef:
        case DW_TAG_unspecified_type:
            return name;
        case DW_TAG_structure_type:
            return "struct " + (name.empty() ? "<anonymous>" : name);
        case DW_TAG_class_type:
            return "class " + (name.empty() ? "<anonymous>" : name);
        case DW_TAG_union_type:
            return "union " + (name.empty() ? "<anonymous>" : name);
        case DW_TAG_enumeration_type:
            return "enum " + (name.empty() ? "<anonymous>" : name);
        case DW_TAG_const_type:
            return "const " + (has_inner ? type_name(&inner, depth + 1) : "void");
        case DW_TAG_volatile_type:
            return "volatile " + (has_inner ? type_name(&inner, depth + 1) : "void");
        case DW_TAG_pointer_type:
            return (has_inner ? type_name(&inner, depth + 1) : "void") + " *";
        case DW_TAG_reference_type:
            return (has_inner ? type_name(&inner, depth + 1) : "void") + " &";
        case DW_TAG_rvalue_reference_type:
            return (has_inner ? type_name(&inner, depth + 1) : "void") + " &&";
        case DW_TAG_subroutine_type:
            return "function";
        case DW_TAG_array_type:
            return (has_inner ? type_name(&inner, depth + 1) : "?") + array_dims(die);
        default:
            return has_inner ? type_name(&inner, depth + 1) : "?";
    }
}

bool strip_to_underlying(Dwarf_Die* die, Dwarf_Die* out) {
    Dwarf_Die cur = *die;
    for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
        int tag = dwarf_tag(&cur);
        if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
            tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type) {
            *out = cur;
            return true;
        }
        Dwarf_Die next;
        if (!attr_die(&cur, DW_AT_type, &next)) return false;
        cur = next;
    }
    return false;
}

bool is_go(Dwarf_Die* die) {
    Dwarf_Die cu;
    if (dwarf_diecu(die, &cu, nullptr, nullptr) == nullptr) return false;
    return dwarf_srclang(&cu) == DW_LANG_Go;
}

}  // namespace probelog::symbols::dwarf_die
