#pragma once
// JSON lines appended to a file, with optional size-based rotation:
// when the file reaches rotate_size bytes, path.(keep-1) becomes path.keep,
// ..., path becomes path.1, and a new path is started (only ever between two
// records: every record is in exactly one file, whole). rotate_keep old files
// are kept; 0 keeps none. Writes happen on the event loop thread, like stdout.
// A write that fails (a full file system: ENOSPC, EDQUOT, EIO) loses the records
// of that flush, counted as refused, and cuts the file back to its last whole
// record; the next flush tries again, so writing resumes once there is room.
// Each outage is said once on stderr, and its end too.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "sinks/fd_writer.hpp"
#include "sinks/json_sink.hpp"
#include "sinks/sink.hpp"

namespace probelog {

struct FileConfig {
    std::string path;
    uint64_t rotate_size = 0;  // bytes; 0: never rotate
    uint32_t rotate_keep = 5;  // rotated files kept
    bool make_dirs = false;    // create missing parent directories (Fluent Bit's Mkdir)
};

class FileSink final : public Sink {
  public:
    // Opens (appends to) the file; fails with a message naming the path.
    static Result<std::unique_ptr<FileSink>> open(std::string name, const FileConfig& config);
    ~FileSink() override;

    void write(const Record& record) override;
    Status flush() override;
    const SinkStats* stats() const override { return &stats_; }

  private:
    explicit FileSink(const FileConfig& config) : config_(config) {}
    Status open_file();
    Status rotate();
    Status flush_counted();

    FileConfig config_;
    SinkStats stats_;
    int fd_ = -1;
    std::unique_ptr<FdWriter> out_;
    uint64_t file_size_ = 0;        // bytes in the file before out_ was created
    uint64_t records_pending_ = 0;  // records in out_'s buffer (or partly written by it)
    uint64_t batch_start_ = 0;      // out_->written() before the first of them
    std::array<uint64_t, PL_TRACE_MAX> pending_by_trace_{};  // the same, by trace
    bool reopen_failed_ = false;
    bool failing_ = false;  // in a write outage (said once)
    JsonEncoder encoder_;
};

}  // namespace probelog
