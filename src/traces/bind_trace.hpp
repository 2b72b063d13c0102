#pragma once

#include "traces/trace.hpp"

namespace probelog {

class BindTrace final : public ObjectTrace {
  public:
    static const TraceInfo& static_info();
    const TraceInfo& info() const override { return static_info(); }
    Status start(const bpf::Runtime& runtime, const TraceOptions& options) override;
};

}  // namespace probelog
