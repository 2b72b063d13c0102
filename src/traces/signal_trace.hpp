#pragma once

#include "traces/trace.hpp"

namespace probelog {

class SignalTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
};

}  // namespace probelog
