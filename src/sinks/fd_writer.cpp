#include "sinks/fd_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace probelog {

FdWriter::FdWriter(int fd, size_t capacity) : fd_(fd), buffer_(capacity) {}

void FdWriter::append(std::string_view text) {
    while (!text.empty()) {
        if (used_ == buffer_.size()) spill();
        size_t n = std::min(text.size(), buffer_.size() - used_);
        std::memcpy(buffer_.data() + used_, text.data(), n);
        used_ += n;
        text.remove_prefix(n);
    }
}

void FdWriter::spill() {
    // A full buffer mid-record: write it out; an error surfaces at the next flush().
    Status st = write_out();
    if (!st && spill_error_.empty()) spill_error_ = st.error().message;
}

Status FdWriter::flush() {
    if (!spill_error_.empty()) {
        std::string message = std::move(spill_error_);
        spill_error_.clear();
        used_ = 0;
        return make_error("{}", message);
    }
    return write_out();
}

Status FdWriter::write_out() {
    size_t done = 0;
    while (done < used_ && !broken_) {
        ssize_t n = ::write(fd_, buffer_.data() + done, used_ - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            written_ += done;
            used_ = 0;
            if (err == EPIPE) {
                broken_ = true;
                return make_error("output closed by its reader");
            }
            return make_error("cannot write output: {}", std::strerror(err));
        }
        done += static_cast<size_t>(n);
    }
    written_ += done;
    used_ = 0;
    return {};
}

}  // namespace probelog
