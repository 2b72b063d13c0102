#pragma once

#include <cstdint>

#include "traces/trace.hpp"

namespace probelog {

struct ExecSettings {
    uint32_t args_max = 32;  // --exec-args: arguments captured per exec (1..128)
};

class ExecTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
};

}  // namespace probelog
