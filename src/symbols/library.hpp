#pragma once
// Which file a probe target names: a path, a library short name ("libc",
// "libssl", "libfoo.so.1") or a program name. Short names are looked up in the
// memory maps of the traced process (--pid), else in the dynamic linker's
// cache (/etc/ld.so.cache) and the standard library directories.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace probelog::symbols {

struct LdCacheEntry {
    std::string soname;   // "libc.so.6"
    std::string path;     // "/lib/x86_64-linux-gnu/libc.so.6"
    bool x86_64 = false;  // a 64-bit x86 glibc library (not lib32, not x32)
};

// Entries of an ld.so.cache image (glibc's "glibc-ld.so.cache1.1" format, alone
// or after the old "ld.so-1.7.0" one). Malformed images give what could be read.
std::vector<LdCacheEntry> parse_ld_so_cache(std::span<const std::byte> image);

// Whether a library file name matches a short name: "libc" matches
// "libc.so.6", "libc.so" and "libc-2.31.so"; "libc.so.6" matches itself only.
bool library_name_matches(std::string_view short_name, std::string_view file_name);

// Whether a file name is that of a C library: glibc's libc.so.6 (libc-2.X.so
// before 2.34), musl's libc.musl-ARCH.so.1 or ld-musl-ARCH.so.1. The malloc
// trace probes the first one a process maps.
bool is_libc_file_name(std::string_view file_name);

// True if `target` is a short library name rather than a path or a program:
// no '/', and starts with "lib" or contains ".so".
bool looks_like_library(std::string_view target);

struct TargetFile {
    std::string path;  // what to open and attach to
    std::string how;   // "", "from /proc/1234/maps", "from /etc/ld.so.cache", "from PATH"
};

// Resolves a probe target to a file. `pid`: the traced process, whose maps
// decide which library it uses. Errors name the target and what was searched.
Result<TargetFile> resolve_target(std::string_view target, std::optional<int> pid);

}  // namespace probelog::symbols
