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

}  // namespace probelog
