#pragma once
// Buffered writes to a file descriptor. Also a rapidjson output stream (Put/Flush).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace probelog {

class FdWriter {
  public:
    using Ch = char;  // rapidjson stream concept

    explicit FdWriter(int fd, size_t capacity = 1 << 16);
    FdWriter(const FdWriter&) = delete;
    FdWriter& operator=(const FdWriter&) = delete;

    void Put(char c) {
        if (used_ == buffer_.size()) spill();
        buffer_[used_++] = c;
    }
    void Flush() {}  // rapidjson calls this per value; real flushing is flush()
    void append(std::string_view text);

    // Writes out everything buffered. An EPIPE (reader gone) marks the writer
    // broken. If a full buffer could not be written out since the last flush
    // (a record longer than the buffer), fails too and drops what is buffered:
    // the caller counts those records lost.
    Status flush();
    bool broken() const { return broken_; }
    int fd() const { return fd_; }
    // Bytes written to the fd so far, and bytes buffered now.
    uint64_t written() const { return written_; }
    size_t pending() const { return used_; }

  private:
    void spill();
    Status write_out();

    int fd_;
    std::vector<char> buffer_;
    size_t used_ = 0;
    uint64_t written_ = 0;
    std::string spill_error_;  // a write of a full buffer failed: flush() says so
    bool broken_ = false;
};

}  // namespace probelog
