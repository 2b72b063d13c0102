// DwarfInfo::definition_of: from a type's declaration to its definition in
// another compilation unit, through an index of every named struct, class,
// union and enum defined at namespace scope, built on first use.
#include <dwarf.h>
#include <elfutils/libdw.h>

#include <cstdlib>
#include <string>

#include "symbols/dwarf.hpp"
#include "symbols/dwarf_die.hpp"

namespace probelog::symbols {
namespace {

// Namespaces nest deeper than this only in code no probe will read.
constexpr int kMaxScopeDepth = 8;

// struct and class are one kind: C++ may declare `struct X;` and define `class X`.
char tag_class(int tag) {
    switch (tag) {
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
            return 's';
        case DW_TAG_union_type:
            return 'u';
        case DW_TAG_enumeration_type:
            return 'e';
        default:
            return 0;
    }
}

bool scope_tag(int tag) {
    return tag == DW_TAG_namespace || tag_class(tag) != 0;
}

// Records the definitions among `parent`'s children (and in nested scopes).
void index_scope(Dwarf_Die* parent, const std::string& prefix, int depth,
                 std::unordered_map<std::string, uint64_t>& out) {
    Dwarf_Die child;
    if (depth > kMaxScopeDepth || dwarf_child(parent, &child) != 0) return;
    do {
        int tag = dwarf_tag(&child);
        if (!scope_tag(tag)) continue;
        std::string name = dwarf_die::attr_string(&child, DW_AT_name);
        if (name.empty()) continue;
        std::string qualified = prefix + name;
        char cls = tag_class(tag);
        if (cls != 0 && !dwarf_die::attr_flag(&child, DW_AT_declaration)) {
            out.emplace(std::string(1, cls) + ":" + qualified, dwarf_dieoffset(&child));
        }
        // Types nested in namespaces and in classes (std::vector<T>::iterator).
        if (tag != DW_TAG_enumeration_type && dwarf_haschildren(&child) != 0)
            index_scope(&child, qualified + "::", depth + 1, out);
    } while (dwarf_siblingof(&child, &child) == 0);
}

// Only C++ nests types in namespaces and classes; finding a DIE's scopes
// walks its unit from the top, which C (Fluent Bit's big units) can skip.
bool in_cxx(Dwarf_Die* die) {
    Dwarf_Die cu;
    if (dwarf_diecu(die, &cu, nullptr, nullptr) == nullptr) return false;
    int lang = dwarf_srclang(&cu);
    return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
           lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

// "c:ns::outer::name" for a type DIE: its enclosing namespaces and classes.
std::string qualified_key(Dwarf_Die* type) {
    char cls = tag_class(dwarf_tag(type));
    std::string name = dwarf_die::attr_string(type, DW_AT_name);
    if (cls == 0 || name.empty()) return {};
    if (!in_cxx(type)) return std::string(1, cls) + ":" + name;  // C: no scopes to look up
    Dwarf_Die* scopes = nullptr;
    int n = dwarf_getscopes_die(type, &scopes);
    // scopes[0] is the type itself; scopes[n - 1] the compilation unit.
    for (int i = 1; i < n - 1; ++i) {
        if (!scope_tag(dwarf_tag(&scopes[i]))) break;  // a type local to a function
        std::string outer = dwarf_die::attr_string(&scopes[i], DW_AT_name);
        name.insert(0, outer + "::");
    }
    std::free(scopes);  // NOLINT(cppcoreguidelines-no-malloc): libdw allocated it
    return std::string(1, cls) + ":" + name;
}

}  // namespace

uint64_t DwarfInfo::definition_of(uint64_t declaration) const {
    Dwarf_Die decl;
    if (dwarf_offdie(dwarf_, declaration, &decl) == nullptr) return 0;
    std::string key = qualified_key(&decl);
    if (key.empty()) return 0;
    if (!definitions_indexed_) {
        definitions_indexed_ = true;
        Dwarf_Off off = 0;
        Dwarf_Off next = 0;
        size_t header_size = 0;
        while (dwarf_nextcu(dwarf_, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
            Dwarf_Die cu;
            if (dwarf_offdie(dwarf_, off + header_size, &cu) != nullptr)
                index_scope(&cu, "", 0, definitions_);
            off = next;
        }
    }
    auto it = definitions_.find(key);
    return it != definitions_.end() ? it->second : 0;
}

}  // namespace probelog::symbols
