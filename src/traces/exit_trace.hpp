#pragma once

#include "traces/trace.hpp"

namespace probelog {

class ExitTrace final : public ObjectTrace {
  public:
    // How the last thread of a process is recognised (see bpf/progs/exit.bpf.c).
    enum class Variant {
        Auto,       // group_dead if this kernel's tracepoint has it, else LiveCount
        GroupDead,  // the tracepoint's group_dead argument (recent kernels)
        LiveCount,  // the group's live-thread count plus a claim map (older kernels)
    };
    explicit ExitTrace(Variant variant = Variant::Auto) : variant_(variant) {}

    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;

  private:
    Status start_variant(bpf::Runtime& runtime, Variant variant);
    Variant variant_;
};

}  // namespace probelog
