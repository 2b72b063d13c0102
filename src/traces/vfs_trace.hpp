#pragma once

#include "traces/trace.hpp"

namespace probelog {

// Path operations (open*, creat, unlink*, rename*, mkdir*, rmdir, truncate,
// chmod/chown families, link*, symlink*) from their syscall tracepoints: the
// list is PL_VFS_SYSCALLS in schema/vfs.h.
class VfsTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
};

}  // namespace probelog
