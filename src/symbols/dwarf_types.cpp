#include "symbols/dwarf_types.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <cstdlib>
#include <deque>

#include "symbols/dwarf_die.hpp"

namespace probelog::symbols {

using namespace dwarf_die;  // the DIE readers shared with dwarf.cpp

namespace {

// A sub-array of a multi-dimensional array (int m[3][4]: m[1] is an int[4])
// has no DIE of its own: its TypeRef is the array's DIE offset with the index
// of its first dimension in the top byte. Real DIE offsets never get there.
constexpr int kDimShift = 56;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kDimShift) - 1;
constexpr size_t kMaxDims = 8;
// Base classes, embedded fields and anonymous members nest at most this deep
// for lookups; members listed per struct at most this many.
constexpr int kMaxMemberDepth = 8;
constexpr size_t kMaxMembers = 4096;

TypeRef ref_of(Dwarf_Die* die) {
    return TypeRef{dwarf_dieoffset(die)};
}

bool die_of(const DwarfInfo& dwarf, TypeRef type, Dwarf_Die* out, unsigned* dim) {
    *dim = static_cast<unsigned>(type.die >> kDimShift);
    return type && dwarf_offdie(dwarf.handle(), type.die & kOffsetMask, out) != nullptr;
}

// The member's offset in its struct: a constant, or DWARF 2's
// DW_OP_plus_uconst expression. False for what only runs can tell (virtual bases).
bool member_location(Dwarf_Die* member, uint64_t& out) {
    Dwarf_Attribute attr;
    out = 0;
    if (dwarf_attr_integrate(member, DW_AT_data_member_location, &attr) == nullptr)
        return true;  // union members, and bitfields located by DW_AT_data_bit_offset
    Dwarf_Word value = 0;
    if (dwarf_formudata(&attr, &value) == 0) {
        out = value;
        return true;
    }
    Dwarf_Op* ops = nullptr;
    size_t n = 0;
    if (dwarf_getlocation(&attr, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
        out = ops[0].number;
        return true;
    }
    return false;
}

// The lengths of an array's dimensions (0: unknown, a flexible array member).
std::vector<uint64_t> array_dims(Dwarf_Die* array) {
    std::vector<uint64_t> dims;
    Dwarf_Die child;
    if (dwarf_child(array, &child) != 0) return dims;
    do {
        if (dwarf_tag(&child) != DW_TAG_subrange_type) continue;
        Dwarf_Word n = 0;
        if (attr_udata(&child, DW_AT_count, n)) {
            dims.push_back(n);
        } else if (attr_udata(&child, DW_AT_upper_bound, n)) {
            dims.push_back(n + 1);
        } else {
            dims.push_back(0);
        }
    } while (dims.size() < kMaxDims && dwarf_siblingof(&child, &child) == 0);
    return dims;
}

// The enclosing namespaces' names, innermost first (at most two are needed).
std::vector<std::string> enclosing_names(Dwarf_Die* die) {
    std::vector<std::string> out;
    Dwarf_Die* scopes = nullptr;
    int n = dwarf_getscopes_die(die, &scopes);
    for (int i = 1; i < n - 1 && out.size() < 2; ++i)
        out.push_back(attr_string(&scopes[i], DW_AT_name));
    std::free(scopes);  // NOLINT(cppcoreguidelines-no-malloc): libdw allocated it
    return out;
}

// libstdc++'s string (new ABI), string_view and vector, by the class's name
// and namespace as g++ writes them: "basic_string<char, std::char_traits<char>,
// std::allocator<char> >" in std::__cxx11, "basic_string_view<char, ...>" and
// "vector<int, std::allocator<int> >" in std.
TypeKind libstdcxx_kind(Dwarf_Die* cls) {
    std::string name = attr_string(cls, DW_AT_name);
    bool string = name.starts_with("basic_string<char,");
    bool view = name.starts_with("basic_string_view<char,");
    bool vector = name.starts_with("vector<");
    if (!string && !view && !vector) return TypeKind::Struct;
    std::vector<std::string> outer = enclosing_names(cls);
    if (string && outer.size() == 2 && outer[0] == "__cxx11" && outer[1] == "std")
        return TypeKind::CxxString;
    if ((view || vector) && !outer.empty() && outer[0] == "std")
        return view ? TypeKind::CxxStringView : TypeKind::CxxVector;
    return TypeKind::Struct;  // the old string ABI, or another namespace's vector
}

// The first template type parameter of a class (std::vector<T>: T).
bool template_param(Dwarf_Die* cls, Dwarf_Die* out) {
    Dwarf_Die child;
    if (dwarf_child(cls, &child) != 0) return false;
    do {
        if (dwarf_tag(&child) == DW_TAG_template_type_parameter)
            return attr_die(&child, DW_AT_type, out);
    } while (dwarf_siblingof(&child, &child) == 0);
    return false;
}

bool is_aggregate(int tag) {
    return tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type ||
           tag == DW_TAG_enumeration_type;
}

// A declared-only struct, class, union or enum: its definition elsewhere if
// the DWARF has one. False if `die` stays a declaration.
bool complete(const DwarfInfo& dwarf, Dwarf_Die* die) {
    if (!is_aggregate(dwarf_tag(die)) || !attr_flag(die, DW_AT_declaration)) return true;
    uint64_t def = dwarf.definition_of(dwarf_dieoffset(die));
    return def != 0 && dwarf_offdie(dwarf.handle(), def, die) != nullptr;
}

TypeDesc describe(const DwarfInfo& dwarf, TypeRef type, int depth);

void describe_base(Dwarf_Die* die, TypeDesc& t) {
    Dwarf_Word enc = 0;
    attr_udata(die, DW_AT_encoding, enc);
    std::string base = attr_string(die, DW_AT_name);
    bool integer_size = t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8;
    if (enc == DW_ATE_boolean) {
        t.kind = TypeKind::Bool;
    } else if (enc == DW_ATE_float) {
        // long double (x87, 10 bytes in 16) is not a value a probe can convert.
        t.kind = t.size == 4 || t.size == 8 ? TypeKind::Float : TypeKind::Unknown;
    } else if (base == "char") {
        t.kind = TypeKind::Char;
    } else if ((enc == DW_ATE_signed || enc == DW_ATE_signed_char) && integer_size) {
        t.kind = TypeKind::Signed;
    } else if ((enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_UTF) &&
               integer_size) {
        t.kind = TypeKind::Unsigned;
    }
}

void describe_enum(const DwarfInfo& dwarf, Dwarf_Die* die, TypeDesc& t, int depth) {
    t.kind = TypeKind::Enum;
    Dwarf_Die base;
    if (attr_die(die, DW_AT_type, &base)) {
        t.is_signed = describe(dwarf, ref_of(&base), depth + 1).kind == TypeKind::Signed;
    } else {
        Dwarf_Word enc = 0;
        t.is_signed = attr_udata(die, DW_AT_encoding, enc) && enc == DW_ATE_signed;
    }
}

// The array at `array` seen from its dimension `dim` on.
void describe_array(const DwarfInfo& dwarf, Dwarf_Die* array, unsigned dim, TypeDesc& t,
                    int depth) {
    std::vector<uint64_t> dims = array_dims(array);
    Dwarf_Die elem;
    if (dim >= dims.size() || !attr_die(array, DW_AT_type, &elem)) return;  // Unknown
    t.kind = TypeKind::Array;
    t.count = dims[dim];
    TypeDesc e = describe(dwarf, ref_of(&elem), depth + 1);
    uint64_t elem_size = e.size;
    if (dim + 1 < dims.size()) {
        t.target = TypeRef{dwarf_dieoffset(array) | (uint64_t{dim} + 1) << kDimShift};
        for (size_t i = dim + 1; i < dims.size(); ++i)
            elem_size *= dims[i];
    } else {
        t.target = ref_of(&elem);
    }
    t.elem_size = static_cast<uint32_t>(elem_size);
    t.size = static_cast<uint32_t>(elem_size * t.count);
    if (dim > 0) {
        t.name = e.name;
        for (size_t i = dim; i < dims.size(); ++i)
            t.name += "[" + std::to_string(dims[i]) + "]";
    }
}

// The slice's element: DW_AT_go_elem, else the pointee of its `array` member.
bool go_slice_elem(Dwarf_Die* slice, Dwarf_Die* out) {
    if (attr_die(slice, kDwAtGoElem, out)) return true;
    Dwarf_Die child;
    if (dwarf_child(slice, &child) != 0) return false;
    Dwarf_Die ptr;
    return attr_string(&child, DW_AT_name) == "array" && attr_die(&child, DW_AT_type, &ptr) &&
           attr_die(&ptr, DW_AT_type, out);
}

void describe_struct(const DwarfInfo& dwarf, Dwarf_Die* die, bool go, TypeDesc& t, int depth) {
    int tag = dwarf_tag(die);
    t.kind = tag == DW_TAG_union_type ? TypeKind::Union : TypeKind::Struct;
    if (go) {
        // Go marks its runtime's string and slice headers with their kind;
        // older toolchains only by name.
        Dwarf_Word kind = 0;
        attr_udata(die, kDwAtGoKind, kind);
        std::string name = attr_string(die, DW_AT_name);
        Dwarf_Die elem;
        if (kind == kGoString || name == "string") {
            t.kind = TypeKind::GoString;
        } else if ((kind == kGoSlice || name.starts_with("[]")) && go_slice_elem(die, &elem)) {
            t.kind = TypeKind::GoSlice;
            t.target = ref_of(&elem);
            t.elem_size = describe(dwarf, t.target, depth + 1).size;
        } else if (name == "runtime.iface" || name == "runtime.eface") {
            t.kind = TypeKind::GoInterface;
            t.go_empty_interface = name == "runtime.eface";
        }
        return;
    }
    if (tag == DW_TAG_union_type) return;
    t.kind = libstdcxx_kind(die);
    if (t.kind != TypeKind::Struct && t.incomplete) {
        // Declared only in this unit (an extern template): the layout is libstdc++'s.
        t.incomplete = false;
        t.size = t.kind == TypeKind::CxxString ? 32 : t.kind == TypeKind::CxxVector ? 24 : 16;
    }
    Dwarf_Die elem;
    if (t.kind == TypeKind::CxxVector) {
        if (template_param(die, &elem)) {
            t.target = ref_of(&elem);
            t.elem_size = describe(dwarf, t.target, depth + 1).size;
        } else {
            t.kind = TypeKind::Struct;
        }
    }
}

TypeDesc describe(const DwarfInfo& dwarf, TypeRef type, int depth) {
    TypeDesc t;
    Dwarf_Die die;
    unsigned dim = 0;
    if (!type) {
        t.kind = TypeKind::Void;
        t.name = "void";
        return t;
    }
    if (depth > kMaxTypeDepth || !die_of(dwarf, type, &die, &dim)) return t;
    bool go = is_go(&die);
    t.name = go ? attr_string(&die, DW_AT_name) : std::string();
    if (t.name.empty()) t.name = type_name(&die);

    // Down typedefs and qualifiers, where Go also marks its interfaces, maps,
    // channels and functions (named types over runtime structs or pointers).
    Dwarf_Die cur = die;
    for (int step = 0;; ++step) {
        Dwarf_Word kind = 0;
        if (go && attr_udata(&cur, kDwAtGoKind, kind)) {
            Dwarf_Die elem;
            if (kind == kGoMap) {
                t.kind = TypeKind::GoMap;
                t.size = 8;
                if (attr_die(&cur, kDwAtGoElem, &elem)) t.target = ref_of(&elem);
                return t;
            }
            if ((kind == kGoChan || kind == kGoFunc) && dwarf_tag(&cur) == DW_TAG_typedef) {
                t.kind = TypeKind::Pointer;
                t.size = 8;
                return t;
            }
        }
        int tag = dwarf_tag(&cur);
        if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
            tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
            break;
        Dwarf_Die next;
        if (!attr_die(&cur, DW_AT_type, &next)) {
            t.kind = TypeKind::Void;  // const void, a typedef of void
            return t;
        }
        if (step == kMaxTypeDepth) return t;
        cur = next;
    }

    if (!complete(dwarf, &cur)) t.incomplete = true;
    t.size = byte_size(&cur);
    switch (dwarf_tag(&cur)) {
        case DW_TAG_base_type:
            describe_base(&cur, t);
            break;
        case DW_TAG_enumeration_type:
            describe_enum(dwarf, &cur, t, depth);
            break;
        case DW_TAG_pointer_type:
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type: {
            t.kind = TypeKind::Pointer;
            t.size = 8;
            Dwarf_Die pointee;
            if (attr_die(&cur, DW_AT_type, &pointee)) t.target = ref_of(&pointee);
            break;
        }
        case DW_TAG_unspecified_type:  // decltype(nullptr)
            t.kind = TypeKind::Pointer;
            t.size = 8;
            break;
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
            describe_struct(dwarf, &cur, go, t, depth);
            break;
        case DW_TAG_array_type:
            describe_array(dwarf, &cur, dim, t, depth);
            break;
        case DW_TAG_subroutine_type:
            t.kind = TypeKind::Function;
            break;
        default:
            break;
    }
    return t;
}

// A struct's or union's DIE, its definition if `type` names a declaration.
bool struct_die(const DwarfInfo& dwarf, TypeRef type, Dwarf_Die* out) {
    Dwarf_Die die;
    unsigned dim = 0;
    if (!die_of(dwarf, type, &die, &dim) || dim != 0 || !strip_to_underlying(&die, out))
        return false;
    int tag = dwarf_tag(out);
    return (tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type) &&
           complete(dwarf, out);
}

// Normalizes a bitfield to its storage unit (the size of its declared type):
// `offset` the unit's first byte, `bit_offset` counted from its least
// significant bit. A field that straddles units (packed structs) is located
// from the byte it starts in.
void place_bitfield(uint64_t bit_pos, uint32_t unit, MemberDesc& m) {
    if (unit == 0 || unit > 8) unit = 8;
    uint64_t start = bit_pos / (uint64_t{unit} * 8) * unit;
    if (bit_pos - start * 8 + m.bit_size > uint64_t{unit} * 8) start = bit_pos / 8;
    m.offset += start;
    m.bit_offset = static_cast<uint16_t>(bit_pos - start * 8);
}

// DWARF 4/5's DW_AT_data_bit_offset counts from the struct's start; DWARF
// 2/3's DW_AT_bit_offset from the most significant bit of a storage unit of
// DW_AT_byte_size bytes at DW_AT_data_member_location.
void read_bitfield(const DwarfInfo& dwarf, Dwarf_Die* member, uint64_t location, MemberDesc& m) {
    Dwarf_Word bits = 0;
    if (!attr_udata(member, DW_AT_bit_size, bits) || bits == 0) return;
    m.bit_size = static_cast<uint16_t>(bits);
    uint32_t unit = describe(dwarf, m.type, 0).size;
    Dwarf_Word data_bit = 0;
    Dwarf_Word msb_bit = 0;
    uint64_t bit_pos = location * 8;
    if (attr_udata(member, DW_AT_data_bit_offset, data_bit)) {
        bit_pos = data_bit;
    } else if (attr_udata(member, DW_AT_bit_offset, msb_bit)) {
        uint32_t storage = byte_size(member);
        if (storage == 0) storage = unit;
        bit_pos = location * 8 + uint64_t{storage} * 8 - msb_bit - bits;
    }
    place_bitfield(bit_pos, unit, m);
}

// Appends the members of the struct at `die`, those of anonymous structs and
// unions in it flattened, at `base` bytes into the object.
void collect_members(const DwarfInfo& dwarf, Dwarf_Die* die, uint64_t base, int depth,
                     std::vector<MemberDesc>& out) {
    Dwarf_Die child;
    if (depth > kMaxMemberDepth || dwarf_child(die, &child) != 0) return;
    bool go = is_go(die);
    do {
        int tag = dwarf_tag(&child);
        if (tag != DW_TAG_member && tag != DW_TAG_inheritance) continue;
        if (attr_flag(&child, DW_AT_external)) continue;  // a C++ static member
        uint64_t location = 0;
        Dwarf_Die type;
        if (!member_location(&child, location) || !attr_die(&child, DW_AT_type, &type)) continue;
        MemberDesc m;
        m.name = attr_string(&child, DW_AT_name);
        m.offset = base;
        m.type = ref_of(&type);
        Dwarf_Die under;
        bool aggregate = strip_to_underlying(&type, &under) && is_aggregate(dwarf_tag(&under)) &&
                         dwarf_tag(&under) != DW_TAG_enumeration_type;
        if (tag == DW_TAG_inheritance) {
            if (attr_flag(&child, DW_AT_virtuality)) continue;  // found only at run time
            m.base_or_embedded = true;
            m.name = aggregate ? attr_string(&under, DW_AT_name) : type_name(&type);
        } else if (go) {
            m.base_or_embedded = attr_flag(&child, kDwAtGoEmbedded);
        } else if (m.name.empty() && aggregate) {
            collect_members(dwarf, &under, base + location, depth + 1, out);
            continue;
        }
        read_bitfield(dwarf, &child, location, m);  // adds a bitfield's storage unit offset
        if (m.bit_size == 0) m.offset += location;
        out.push_back(std::move(m));
    } while (out.size() < kMaxMembers && dwarf_siblingof(&child, &child) == 0);
}

}  // namespace

TypeDesc describe_type(const DwarfInfo& dwarf, TypeRef type) {
    return describe(dwarf, type, 0);
}

std::vector<MemberDesc> type_members(const DwarfInfo& dwarf, TypeRef type) {
    std::vector<MemberDesc> out;
    TypeKind kind = describe(dwarf, type, 0).kind;
    Dwarf_Die die;
    if ((kind != TypeKind::Struct && kind != TypeKind::Union) || !struct_die(dwarf, type, &die))
        return out;
    collect_members(dwarf, &die, 0, 0, out);
    return out;
}

std::optional<MemberDesc> find_member(const DwarfInfo& dwarf, TypeRef type, std::string_view name) {
    // Breadth first: a member of the struct itself hides one of a base class
    // or embedded field, and a nearer base's one a farther base's.
    struct Level {
        TypeRef type;
        uint64_t offset;
        int depth;
    };
    std::deque<Level> queue{{type, 0, 0}};
    size_t visited = 0;
    while (!queue.empty() && visited++ < kMaxMembers) {
        Level cur = queue.front();
        queue.pop_front();
        std::vector<MemberDesc> members = type_members(dwarf, cur.type);
        for (MemberDesc& m : members) {
            if (m.name == name) {
                m.offset += cur.offset;
                return m;
            }
        }
        if (cur.depth == kMaxMemberDepth) continue;
        for (const MemberDesc& m : members) {
            if (m.base_or_embedded) queue.push_back({m.type, cur.offset + m.offset, cur.depth + 1});
        }
    }
    return std::nullopt;
}

std::vector<Enumerator> type_enumerators(const DwarfInfo& dwarf, TypeRef type) {
    std::vector<Enumerator> out;
    TypeDesc desc = describe(dwarf, type, 0);
    Dwarf_Die die;
    Dwarf_Die under;
    unsigned dim = 0;
    if (desc.kind != TypeKind::Enum || !die_of(dwarf, type, &die, &dim) ||
        !strip_to_underlying(&die, &under) || !complete(dwarf, &under))
        return out;
    Dwarf_Die child;
    if (dwarf_child(&under, &child) != 0) return out;
    unsigned bits = desc.size > 0 && desc.size < 8 ? desc.size * 8 : 64;
    do {
        if (dwarf_tag(&child) != DW_TAG_enumerator) continue;
        Dwarf_Attribute attr;
        if (dwarf_attr(&child, DW_AT_const_value, &attr) == nullptr) continue;
        Enumerator e;
        e.name = attr_string(&child, DW_AT_name);
        Dwarf_Sword s = 0;
        Dwarf_Word u = 0;
        if (dwarf_whatform(&attr) == DW_FORM_sdata && dwarf_formsdata(&attr, &s) == 0) {
            e.value = s;
        } else if (dwarf_formudata(&attr, &u) == 0) {
            // Fixed-size forms hold the enum's own width: sign-extend a signed one.
            if (desc.is_signed && bits < 64 && (u >> (bits - 1) & 1) != 0)
                u |= ~uint64_t{0} << bits;
            e.value = static_cast<int64_t>(u);
        }
        out.push_back(std::move(e));
    } while (dwarf_siblingof(&child, &child) == 0);
    return out;
}

std::optional<FunctionTypes> function_types(const DwarfInfo& dwarf, uint64_t address) {
    Dwarf_Die die;
    if (!dwarf.function_die(address, &die)) return std::nullopt;
    FunctionTypes fn;
    // As DwarfInfo::function_at (C, C++: the abstract origin's parameters,
    // the declared return type) and go_function_at (Go: the DIE's own
    // parameters, results among them) list them.
    bool go = is_go(&die);
    Dwarf_Die params_of = die;
    Dwarf_Die other;
    if (!go) {
        if (attr_die(&die, DW_AT_abstract_origin, &other)) params_of = other;
        if (attr_die(&die, DW_AT_type, &other)) fn.ret = ref_of(&other);
    }
    Dwarf_Die child;
    if (dwarf_child(&params_of, &child) != 0) return fn;
    do {
        if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
        fn.names.push_back(attr_string(&child, DW_AT_name));
        fn.types.push_back(attr_die(&child, DW_AT_type, &other) ? ref_of(&other) : TypeRef{});
    } while (dwarf_siblingof(&child, &child) == 0);
    return fn;
}

}  // namespace probelog::symbols
