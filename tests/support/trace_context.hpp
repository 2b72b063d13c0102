#pragma once
// What a kernel test starts a trace with: its settings (as options would set
// them) and the loop participants it registers, which the test drives itself.

#include <vector>

#include "traces/trace.hpp"

namespace probelog::test {

struct TraceStart {
    TraceSettings settings;
    std::vector<uint32_t> uprobe_pids;
    std::vector<LoopParticipant*> loop;

    TraceContext context(bpf::Runtime& runtime) {
        return TraceContext{
            .runtime = runtime, .settings = settings, .uprobe_pids = uprobe_pids, .loop = &loop};
    }
    // As the agent does once its pipeline exists.
    void bind(Pipeline& pipeline) {
        for (LoopParticipant* p : loop)
            p->bind(pipeline);
    }
};

}  // namespace probelog::test
