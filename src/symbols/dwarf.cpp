#include "symbols/dwarf.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "symbols/dwarf_die.hpp"

namespace probelog::symbols {
using namespace dwarf_die;  // the DIE readers shared with dwarf_types.cpp

namespace {

constexpr int kMaxGoDepth = 8;       // nested structs and arrays
constexpr size_t kMaxGoFields = 64;  // fields kept per struct

DwarfType describe(Dwarf_Die* type_die) {
    DwarfType t;
    t.name = type_name(type_die);
    Dwarf_Die die;
    if (!strip_to_underlying(type_die, &die)) {
        t.cls = TypeClass::Void;
        return t;
    }
    t.size = byte_size(&die);
    switch (dwarf_tag(&die)) {
        case DW_TAG_base_type: {
            Dwarf_Word enc = 0;
            attr_udata(&die, DW_AT_encoding, enc);
            std::string base = attr_string(&die, DW_AT_name);
            if (enc == DW_ATE_boolean) {
                t.cls = TypeClass::Bool;
            } else if (enc == DW_ATE_float || enc == DW_ATE_complex_float ||
                       enc == DW_ATE_decimal_float) {
                t.cls = TypeClass::Float;
            } else if (base == "char") {
                t.cls = TypeClass::Char;
            } else if (enc == DW_ATE_signed || enc == DW_ATE_signed_char) {
                t.cls = TypeClass::Signed;
            } else if (enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_UTF) {
                t.cls = TypeClass::Unsigned;
            }
            if ((t.cls == TypeClass::Signed || t.cls == TypeClass::Unsigned) && t.size != 1 &&
                t.size != 2 && t.size != 4 && t.size != 8) {
                t.cls = TypeClass::Unknown;  // __int128 and friends
            }
            break;
        }
        case DW_TAG_enumeration_type: {
            Dwarf_Die base;
            if (attr_die(&die, DW_AT_type, &base)) {
                DwarfType b = describe(&base);
                t.cls = b.cls == TypeClass::Signed ? TypeClass::Signed : TypeClass::Unsigned;
            } else {
                t.cls = TypeClass::Unsigned;
            }
            break;
        }
        case DW_TAG_pointer_type: {
            t.cls = TypeClass::Pointer;
            t.size = 8;
            Dwarf_Die pointee;
            Dwarf_Die under;
            if (attr_die(&die, DW_AT_type, &pointee) && strip_to_underlying(&pointee, &under) &&
                dwarf_tag(&under) == DW_TAG_base_type &&
                attr_string(&under, DW_AT_name) == "char") {
                t.cls = TypeClass::CString;
            }
            break;
        }
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type:
        case DW_TAG_unspecified_type:  // decltype(nullptr)
            t.cls = TypeClass::Pointer;
            t.size = 8;
            break;
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type: {
            t.cls = TypeClass::Struct;
            Dwarf_Word cc = 0;
            t.by_reference =
                attr_udata(&die, DW_AT_calling_convention, cc) && cc == DW_CC_pass_by_reference;
            break;
        }
        default:
            t.cls = TypeClass::Unknown;
            break;
    }
    return t;
}

GoType go_type_of(Dwarf_Die* die, int depth);

GoType go_struct(Dwarf_Die* die, GoType t, int depth) {
    t.kind = GoKind::Struct;
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return t;
    do {
        if (dwarf_tag(&child) != DW_TAG_member) continue;
        if (t.fields.size() == kMaxGoFields) {
            t.kind = GoKind::Unknown;  // too big to describe: never in registers anyway
            t.fields.clear();
            return t;
        }
        GoField f;
        f.name = attr_string(&child, DW_AT_name);
        Dwarf_Word off = 0;
        attr_udata(&child, DW_AT_data_member_location, off);
        f.offset = off;
        Dwarf_Die type;
        if (attr_die(&child, DW_AT_type, &type)) f.type = go_type_of(&type, depth + 1);
        t.fields.push_back(std::move(f));
    } while (dwarf_siblingof(&child, &child) == 0);
    return t;
}

GoType go_type_of(Dwarf_Die* die, int depth) {
    GoType t;
    t.name = attr_string(die, DW_AT_name);
    if (depth > kMaxGoDepth) return t;
    Dwarf_Word kind = 0;
    bool has_kind = attr_udata(die, kDwAtGoKind, kind);
    t.size = byte_size(die);
    switch (dwarf_tag(die)) {
        case DW_TAG_typedef: {
            // A named type ("main.Rect", "error") or a map/chan/func type.
            if (has_kind && (kind == kGoMap || kind == kGoChan || kind == kGoFunc)) {
                t.kind = GoKind::Pointer;
                t.size = 8;
                return t;
            }
            if (has_kind && kind == kGoInterface) {  // "error" -> runtime.iface
                t.kind = GoKind::Interface;
                t.size = 16;
                return t;
            }
            Dwarf_Die inner;
            if (!attr_die(die, DW_AT_type, &inner)) return t;
            GoType under = go_type_of(&inner, depth);
            if (!t.name.empty()) under.name = t.name;
            return under;
        }
        case DW_TAG_base_type: {
            Dwarf_Word enc = 0;
            attr_udata(die, DW_AT_encoding, enc);
            if (enc == DW_ATE_boolean) {
                t.kind = GoKind::Bool;
            } else if (enc == DW_ATE_float) {
                t.kind = GoKind::Float;
            } else if (enc == DW_ATE_complex_float) {
                t.kind = GoKind::Complex;
            } else if (enc == DW_ATE_signed || enc == DW_ATE_signed_char) {
                t.kind = GoKind::Int;
            } else if (enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char) {
                t.kind = GoKind::Uint;
            }
            if ((t.kind == GoKind::Int || t.kind == GoKind::Uint) && t.size != 1 && t.size != 2 &&
                t.size != 4 && t.size != 8) {
                t.kind = GoKind::Unknown;
            }
            return t;
        }
        case DW_TAG_pointer_type:
        case DW_TAG_subroutine_type:
            t.kind = GoKind::Pointer;
            t.size = 8;
            return t;
        case DW_TAG_structure_type:
            if (has_kind && kind == kGoString) {
                t.kind = GoKind::String;
            } else if (has_kind && kind == kGoInterface) {
                t.kind = GoKind::Interface;
            } else if (has_kind && kind == kGoSlice) {
                t.kind = GoKind::Slice;
                Dwarf_Die elem;
                if (attr_die(die, kDwAtGoElem, &elem))
                    t.elem.push_back(go_type_of(&elem, depth + 1));
            } else {
                return go_struct(die, std::move(t), depth);
            }
            return t;
        case DW_TAG_array_type: {
            t.kind = GoKind::Array;
            Dwarf_Die elem;
            if (attr_die(die, DW_AT_type, &elem)) t.elem.push_back(go_type_of(&elem, depth + 1));
            Dwarf_Die child;
            if (dwarf_child(die, &child) == 0) {
                do {
                    if (dwarf_tag(&child) != DW_TAG_subrange_type) continue;
                    Dwarf_Word n = 0;
                    if (attr_udata(&child, DW_AT_count, n)) {
                        t.count = n;
                    } else if (attr_udata(&child, DW_AT_upper_bound, n)) {
                        t.count = n + 1;
                    }
                } while (dwarf_siblingof(&child, &child) == 0);
            }
            if (t.elem.empty()) t.kind = GoKind::Unknown;
            return t;
        }
        default:
            return t;
    }
}

int collect_function(Dwarf_Die* die, void* arg) {
    auto* index = static_cast<std::unordered_map<uint64_t, uint64_t>*>(arg);
    Dwarf_Addr entry = 0;
    if (dwarf_entrypc(die, &entry) != 0) {
        Dwarf_Addr base = 0;
        Dwarf_Addr start = 0;
        Dwarf_Addr end = 0;
        if (dwarf_ranges(die, 0, &base, &start, &end) <= 0) return DWARF_CB_OK;
        entry = start;
    }
    if (entry != 0) index->emplace(entry, dwarf_dieoffset(die));
    return DWARF_CB_OK;
}

}  // namespace

std::optional<DwarfInfo> DwarfInfo::open(const ElfFile& file, Lifetime lifetime) {
    DwarfInfo info;
    if (file.has_section(".debug_info")) {
        if (lifetime == Lifetime::OwnFile) {
            // Its own descriptor: the DWARF stays readable after `file` is closed.
            int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                info.dwarf_ = dwarf_begin(fd, DWARF_C_READ);
                if (info.dwarf_ == nullptr) {
                    ::close(fd);
                } else {
                    info.debug_fd_ = fd;
                }
            }
        } else {
            info.dwarf_ = dwarf_begin_elf(file.elf(), DWARF_C_READ, nullptr);
        }
        info.source_ = file.path();
    }
    if (info.dwarf_ == nullptr) {
        auto id = file.build_id();
        if (id && id->size() > 2) {
            std::string path = fmt::format("/usr/lib/debug/.build-id/{}/{}.debug", id->substr(0, 2),
                                           id->substr(2));
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                info.dwarf_ = dwarf_begin(fd, DWARF_C_READ);
                if (info.dwarf_ == nullptr) {
                    ::close(fd);
                } else {
                    info.debug_fd_ = fd;
                    info.source_ = path;
                }
            }
        }
    }
    if (info.dwarf_ == nullptr) return std::nullopt;
    return info;
}

DwarfInfo::DwarfInfo(DwarfInfo&& other) noexcept
    : source_(std::move(other.source_)),
      debug_fd_(std::exchange(other.debug_fd_, -1)),
      dwarf_(std::exchange(other.dwarf_, nullptr)),
      indexed_(other.indexed_),
      by_address_(std::move(other.by_address_)),
      definitions_indexed_(other.definitions_indexed_),
      definitions_(std::move(other.definitions_)) {}

DwarfInfo& DwarfInfo::operator=(DwarfInfo&& other) noexcept {
    if (this != &other) {
        if (dwarf_ != nullptr) dwarf_end(dwarf_);
        if (debug_fd_ >= 0) ::close(debug_fd_);
        source_ = std::move(other.source_);
        debug_fd_ = std::exchange(other.debug_fd_, -1);
        dwarf_ = std::exchange(other.dwarf_, nullptr);
        indexed_ = other.indexed_;
        by_address_ = std::move(other.by_address_);
        definitions_indexed_ = other.definitions_indexed_;
        definitions_ = std::move(other.definitions_);
    }
    return *this;
}

DwarfInfo::~DwarfInfo() {
    if (dwarf_ != nullptr) dwarf_end(dwarf_);
    if (debug_fd_ >= 0) ::close(debug_fd_);
}

void DwarfInfo::index() const {
    if (indexed_) return;
    indexed_ = true;
    Dwarf_Off off = 0;
    Dwarf_Off next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(dwarf_, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu;
        if (dwarf_offdie(dwarf_, off + header_size, &cu) != nullptr) {
            dwarf_getfuncs(&cu, &collect_function, &by_address_, 0);
        }
        off = next;
    }
}

bool DwarfInfo::function_die(uint64_t address, void* out) const {
    index();
    auto it = by_address_.find(address);
    if (it == by_address_.end()) return false;
    return dwarf_offdie(dwarf_, it->second, static_cast<Dwarf_Die*>(out)) != nullptr;
}

std::optional<GoDwarfFunction> DwarfInfo::go_function_at(uint64_t address) const {
    Dwarf_Die die;
    if (!function_die(address, &die)) return std::nullopt;
    GoDwarfFunction fn;
    fn.name = attr_string(&die, DW_AT_name);
    Dwarf_Die child;
    if (dwarf_child(&die, &child) == 0) {
        do {
            if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
            GoDwarfParam p;
            p.name = attr_string(&child, DW_AT_name);
            p.result = attr_flag(&child, DW_AT_variable_parameter);
            Dwarf_Die type;
            if (attr_die(&child, DW_AT_type, &type)) p.type = go_type_of(&type, 0);
            fn.params.push_back(std::move(p));
        } while (dwarf_siblingof(&child, &child) == 0);
    }
    return fn;
}

std::optional<uint64_t> DwarfInfo::member_offset(std::string_view type,
                                                 const std::vector<std::string_view>& path) const {
    Dwarf_Off off = 0;
    Dwarf_Off next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(dwarf_, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu;
        Dwarf_Die die;
        if (dwarf_offdie(dwarf_, off + header_size, &cu) != nullptr &&
            dwarf_child(&cu, &die) == 0) {
            do {
                if (dwarf_tag(&die) != DW_TAG_structure_type ||
                    attr_string(&die, DW_AT_name) != type)
                    continue;
                uint64_t total = 0;
                Dwarf_Die cur = die;
                for (std::string_view member : path) {
                    Dwarf_Die child;
                    bool found = false;
                    if (dwarf_child(&cur, &child) == 0) {
                        do {
                            if (dwarf_tag(&child) != DW_TAG_member ||
                                attr_string(&child, DW_AT_name) != member)
                                continue;
                            Dwarf_Word at = 0;
                            Dwarf_Die mtype;
                            if (!attr_udata(&child, DW_AT_data_member_location, at) ||
                                !attr_die(&child, DW_AT_type, &mtype) ||
                                !strip_to_underlying(&mtype, &cur)) {
                                return std::nullopt;
                            }
                            total += at;
                            found = true;
                            break;
                        } while (dwarf_siblingof(&child, &child) == 0);
                    }
                    if (!found) return std::nullopt;
                }
                return total;
            } while (dwarf_siblingof(&die, &die) == 0);
        }
        off = next;
    }
    return std::nullopt;
}

std::optional<DwarfFunction> DwarfInfo::function_at(uint64_t address) const {
    Dwarf_Die die;
    if (!function_die(address, &die)) return std::nullopt;

    DwarfFunction fn;
    fn.low_pc = address;
    fn.name = attr_string(&die, DW_AT_name);
    Dwarf_Die ret;
    if (attr_die(&die, DW_AT_type, &ret)) {
        fn.ret = describe(&ret);
    } else {
        fn.ret.cls = TypeClass::Void;
        fn.ret.name = "void";
    }
    // An out-of-line copy of an inline function lists its parameters on the
    // abstract instance; the concrete one may leave unused ones out.
    Dwarf_Die params_of = die;
    Dwarf_Die origin;
    if (attr_die(&die, DW_AT_abstract_origin, &origin)) params_of = origin;
    Dwarf_Die child;
    if (dwarf_child(&params_of, &child) == 0) {
        do {
            int tag = dwarf_tag(&child);
            if (tag == DW_TAG_unspecified_parameters) fn.variadic = true;
            if (tag != DW_TAG_formal_parameter) continue;
            DwarfParam p;
            p.name = attr_string(&child, DW_AT_name);
            p.artificial = attr_flag(&child, DW_AT_artificial);
            Dwarf_Die type;
            if (attr_die(&child, DW_AT_type, &type)) {
                p.type = describe(&type);
            }
            fn.params.push_back(std::move(p));
        } while (dwarf_siblingof(&child, &child) == 0);
    }
    return fn;
}

}  // namespace probelog::symbols
