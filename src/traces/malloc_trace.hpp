#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace.hpp"

namespace probelog {

// malloc, calloc, realloc and free of the C library that the traced processes
// load (uprobes and uretprobes), plus the mmap and munmap system calls.
class MallocTrace final : public Trace {
  public:
    static const TraceInfo& static_info();
    const TraceInfo& info() const override { return static_info(); }
    Status start(const bpf::Runtime& runtime, const TraceOptions& options) override;
    size_t hook_count() const override { return links_.size(); }
    void detach(std::vector<bpf::Link>& released) override { move_links(links_, released); }

  private:
    std::unique_ptr<bpf::Object> object_;  // declared first: destroyed after the links
    std::vector<bpf::Link> links_;
};

}  // namespace probelog
