#include "symbols/go_types.hpp"

#include <algorithm>

namespace probelog::symbols {
namespace {

GoType scalar(GoKind kind, uint32_t size, std::string_view name) {
    GoType t;
    t.kind = kind;
    t.size = size;
    t.name = std::string(name);
    return t;
}

struct Word {
    std::string_view name;
    GoKind kind;
    uint32_t size;
};

constexpr Word kWords[] = {
    {"bool", GoKind::Bool, 1},
    {"int", GoKind::Int, 8},
    {"int8", GoKind::Int, 1},
    {"int16", GoKind::Int, 2},
    {"int32", GoKind::Int, 4},
    {"rune", GoKind::Int, 4},
    {"int64", GoKind::Int, 8},
    {"uint", GoKind::Uint, 8},
    {"uint8", GoKind::Uint, 1},
    {"byte", GoKind::Uint, 1},
    {"uint16", GoKind::Uint, 2},
    {"uint32", GoKind::Uint, 4},
    {"uint64", GoKind::Uint, 8},
    {"uintptr", GoKind::Uint, 8},
    {"float32", GoKind::Float, 4},
    {"float64", GoKind::Float, 8},
    {"complex64", GoKind::Complex, 8},
    {"complex128", GoKind::Complex, 16},
    {"string", GoKind::String, 16},
    {"error", GoKind::Interface, 16},
    {"any", GoKind::Interface, 16},
    {"interface{}", GoKind::Interface, 16},
    {"unsafe.Pointer", GoKind::Pointer, 8},
    // probelog's own words, with their sizes (a Go `int` is 64-bit: s32 is int32).
    {"s8", GoKind::Int, 1},
    {"s16", GoKind::Int, 2},
    {"s32", GoKind::Int, 4},
    {"s64", GoKind::Int, 8},
    {"i8", GoKind::Int, 1},
    {"i16", GoKind::Int, 2},
    {"i32", GoKind::Int, 4},
    {"i64", GoKind::Int, 8},
    {"long", GoKind::Int, 8},
    {"ssize_t", GoKind::Int, 8},
    {"u8", GoKind::Uint, 1},
    {"u16", GoKind::Uint, 2},
    {"u32", GoKind::Uint, 4},
    {"u64", GoKind::Uint, 8},
    {"ulong", GoKind::Uint, 8},
    {"size_t", GoKind::Uint, 8},
    {"ptr", GoKind::Pointer, 8},
    {"str", GoKind::CString, 8},
};

}  // namespace

uint32_t GoType::align() const {
    switch (kind) {
        case GoKind::Struct: {
            uint32_t a = 1;
            for (const GoField& f : fields)
                a = std::max(a, f.type.align());
            return a;
        }
        case GoKind::Array:
            return elem.empty() ? 1 : elem[0].align();
        case GoKind::Complex:
            return size / 2;
        case GoKind::String:
        case GoKind::Slice:
        case GoKind::Interface:
            return 8;
        default:
            return std::clamp<uint32_t>(size, 1, 8);
    }
}

bool GoType::byte_slice() const {
    return kind == GoKind::Slice && !elem.empty() && elem[0].kind == GoKind::Uint &&
           elem[0].size == 1;
}

std::optional<GoType> go_type_named(std::string_view name) {
    for (const Word& w : kWords) {
        if (w.name == name) return scalar(w.kind, w.size, name);
    }
    if (name.starts_with("[]") && name.size() > 2) {
        GoType t = scalar(GoKind::Slice, 24, name);
        if (auto elem = go_type_named(name.substr(2))) {
            t.elem.push_back(std::move(*elem));
        } else {
            t.elem.push_back(scalar(GoKind::Unknown, 0, name.substr(2)));
        }
        return t;
    }
    if ((name.starts_with("*") && name.size() > 1) || name.starts_with("map[") ||
        name.starts_with("chan ") || name.starts_with("func(")) {
        return scalar(GoKind::Pointer, 8, name);
    }
    return std::nullopt;
}

}  // namespace probelog::symbols
