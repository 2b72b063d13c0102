#pragma once
// The terminal view: one aligned row per record,
//   TIME            EVENT    PID     PPID    COMM             DETAILS
// where DETAILS are the record's own fields as key=value. Rows are cut to the
// terminal width (when known) so that each record stays on one line.

#include <string>

#include "sinks/fd_writer.hpp"
#include "sinks/sink.hpp"

namespace probelog {

class TableSink final : public Sink {
  public:
    // width 0: never cut rows.
    TableSink(int fd, size_t width) : out_(fd), width_(width) {}
    void write(const Record& record) override;
    Status flush() override { return out_.flush(); }
    bool broken() const override { return out_.broken(); }

    // The row for a record, without the newline (exposed for tests).
    std::string format_row(const Record& record) const;
    static std::string header();

  private:
    FdWriter out_;
    size_t width_;
    bool header_written_ = false;
    std::string row_;
};

}  // namespace probelog
