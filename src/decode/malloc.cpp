// Decodes the malloc trace's event (schema/malloc.h): Fluent Bit's fields
// (operation, address, size) plus the operation's name and what each adds.
#include <array>
#include <cstddef>
#include <string_view>

#include "decode/builtin.hpp"

extern "C" {
#include "malloc.h"
}

namespace probelog::decode {
namespace {

// Indexed by enum pl_malloc_op ("" for values never emitted).
constexpr std::array<std::string_view, PL_MALLOC_OP_COUNT> kOps = {
    "malloc", "free", "calloc", "realloc", "", "mmap", "munmap",
};

}  // namespace

const char* decode_malloc(Bytes event, Record& out) {
    pl_malloc_event e;
    if (!read_struct(event, e)) return "malloc event shorter than its struct";
    if (e.operation >= kOps.size() || kOps[e.operation].empty()) {
        return "malloc event has an unknown operation";
    }
    out.add_int("operation", e.operation, kHideInTable);
    out.add_str("operation_name", kOps[e.operation]);
    out.add_uint("address", e.address);
    out.add_uint("size", e.size);
    switch (e.operation) {
        case PL_MALLOC_REALLOC:
            out.add_uint("old_address", e.old_address);
            break;
        case PL_MALLOC_CALLOC:
            out.add_uint("nmemb", e.nmemb);
            break;
        case PL_MALLOC_MMAP:
            out.add_uint("prot", e.prot);
            out.add_uint("flags", e.map_flags);
            out.add_int("fd", e.fd);
            out.add_uint("offset", e.offset);
            [[fallthrough]];
        case PL_MALLOC_MUNMAP:
            out.add_int("error_raw", e.error_raw, kHideInTable);
            if (e.error_raw != 0) out.add_str("error", errno_name(e.error_raw));
            break;
        default:
            break;
    }
    return nullptr;
}

}  // namespace probelog::decode
