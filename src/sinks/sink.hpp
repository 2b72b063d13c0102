#pragma once
// A sink receives every record that passed the pipeline. write() must not block
// for long (network sinks queue); flush() is called after each ring buffer drain.

#include <string_view>

#include "common/result.hpp"
#include "pipeline/record.hpp"

namespace probelog {

class Sink {
  public:
    virtual ~Sink() = default;
    virtual void write(const Record& record) = 0;
    virtual Status flush() = 0;
    // True once the sink cannot accept more (its reader went away).
    virtual bool broken() const { return false; }
};

}  // namespace probelog
