#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace.hpp"

namespace probelog {

// malloc, calloc, realloc and free of the C library that the traced processes
// load (uprobes and uretprobes), plus the mmap and munmap system calls.
class MallocTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
};

// A C library mapping found in a /proc/PID/maps text.
struct LibcMapping {
    std::string path;   // the file's path as the process sees it
    std::string range;  // "start-end" of the mapping, the name under /proc/PID/map_files
    bool deleted = false;
};

// Whether a file name is that of a C library probelog can probe: glibc's
// libc.so.6 (libc-2.X.so), musl's libc.musl-ARCH.so.1 or ld-musl-ARCH.so.1.
bool is_libc_file_name(std::string_view file_name);

// The first C library mapped in `maps` (the text of /proc/PID/maps), if any.
std::optional<LibcMapping> find_libc_mapping(std::string_view maps);

// The path to give the kernel for the C library of process `proc` ("self" or
// a pid): through /proc/PID/root (its mount namespace), or map_files when the
// file was deleted (replaced by an upgrade) since the process mapped it.
std::string libc_attach_path(std::string_view proc, const LibcMapping& libc);

}  // namespace probelog
