#pragma once
// JSON lines: one object per record, fields in the record's order.

#include <memory>

#include "sinks/fd_writer.hpp"
#include "sinks/sink.hpp"

namespace probelog {

// Appends one record as a JSON object (no newline) to `out`.
void write_json_record(const Record& record, FdWriter& out);

class JsonSink final : public Sink {
  public:
    explicit JsonSink(int fd) : out_(fd) {}
    void write(const Record& record) override;
    Status flush() override { return out_.flush(); }
    bool broken() const override { return out_.broken(); }

  private:
    FdWriter out_;
};

}  // namespace probelog
