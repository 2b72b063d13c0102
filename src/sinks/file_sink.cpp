#include "sinks/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sinks/json_sink.hpp"

namespace probelog {
namespace {

constexpr size_t kFlushAt = 48 * 1024;  // below FdWriter's 64K buffer: no spill mid-record

}  // namespace

Result<std::unique_ptr<FileSink>> FileSink::open(std::string name, const FileConfig& config) {
    if (config.path.empty()) return make_error("file output: no path given");
    std::unique_ptr<FileSink> sink(new FileSink(config));
    sink->stats_.name = std::move(name);
    sink->stats_.target = config.path;
    sink->stats_.rejected_means = "writes that failed (file system full or failing)";
    if (Status st = sink->open_file(); !st) return st.error();
    return sink;
}

FileSink::~FileSink() {
    (void)flush_counted();
    out_.reset();
    if (fd_ >= 0) ::close(fd_);
}

Status FileSink::open_file() {
    if (config_.make_dirs) {
        std::error_code ec;
        std::filesystem::path parent = std::filesystem::path(config_.path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
        if (ec) return make_error("cannot create {}: {}", parent.string(), ec.message());
    }
    int fd = ::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT && !config_.make_dirs) {
            return make_error(
                "cannot open {}: its directory does not exist (create it, or set "
                "mkdir=true / Mkdir On)",
                config_.path);
        }
        return make_error("cannot open {}: {}", config_.path, std::strerror(err));
    }
    struct stat st {};
    file_size_ = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    fd_ = fd;
    out_ = std::make_unique<FdWriter>(fd);
    return {};
}

Status FileSink::flush_counted() {
    if (!out_) return {};
    uint64_t records = records_pending_;
    records_pending_ = 0;
    std::array<uint64_t, PL_TRACE_MAX> by_trace = pending_by_trace_;
    pending_by_trace_ = {};
    if (records == 0 && out_->pending() == 0) return {};
    Status st = out_->flush();
    if (st) {
        stats_.sent.fetch_add(records, std::memory_order_relaxed);
        if (failing_) {
            failing_ = false;
            fmt::print(stderr, "probelog: output {} ({}): writing again\n", stats_.name,
                       config_.path);
        }
        return st;
    }
    stats_.rejected.fetch_add(records, std::memory_order_relaxed);
    for (uint16_t t = 0; t < PL_TRACE_MAX; ++t) {
        if (by_trace[t] != 0) stats_.count_lost(t, by_trace[t]);
    }
    // Part of these records may have reached the file: cut it back to the
    // last whole record before them, so that the file holds only whole lines.
    // (From the file's own size, not a count of ours: someone may have cut it.)
    uint64_t torn = out_->written() - batch_start_;
    struct stat now {};
    if (torn != 0 && ::fstat(fd_, &now) == 0 && static_cast<uint64_t>(now.st_size) >= torn) {
        auto whole = static_cast<off_t>(static_cast<uint64_t>(now.st_size) - torn);
        if (::ftruncate(fd_, whole) == 0) {
            file_size_ = static_cast<uint64_t>(whole);
            out_ = std::make_unique<FdWriter>(fd_);
        }
    }
    if (!failing_) {
        failing_ = true;
        fmt::print(stderr,
                   "probelog: output {} ({}): {}; its records are dropped (counted as lost) "
                   "until it can write again\n",
                   stats_.name, config_.path, st.error().message);
    }
    return st;
}

Status FileSink::rotate() {
    Status st = flush_counted();
    out_.reset();
    ::close(fd_);
    fd_ = -1;
    const std::string& p = config_.path;
    if (config_.rotate_keep == 0) {
        (void)::unlink(p.c_str());
    } else {
        for (uint32_t i = config_.rotate_keep - 1; i >= 1; --i) {
            std::string from = fmt::format("{}.{}", p, i);
            std::string to = fmt::format("{}.{}", p, i + 1);
            (void)std::rename(from.c_str(), to.c_str());  // absent: nothing to move
        }
        std::string first = p + ".1";
        if (std::rename(p.c_str(), first.c_str()) != 0 && errno != ENOENT) {
            return make_error("cannot rotate {}: {}", p, std::strerror(errno));
        }
    }
    if (Status opened = open_file(); !opened) return opened;
    return st;
}

void FileSink::write(const Record& record) {
    stats_.accepted.fetch_add(1, std::memory_order_relaxed);
    if (!out_) {
        // The file could not be reopened after a rotation: try again now.
        if (Status st = open_file(); !st) {
            stats_.dropped.fetch_add(1, std::memory_order_relaxed);
            stats_.count_lost(record.trace());
            return;
        }
    }
    if (config_.rotate_size != 0) {
        uint64_t size = file_size_ + out_->written() + out_->pending();
        if (size >= config_.rotate_size) {
            if (Status st = rotate(); !st) {
                if (!reopen_failed_) fmt::print(stderr, "probelog: {}\n", st.error().message);
                reopen_failed_ = true;
                if (!out_) {
                    stats_.dropped.fetch_add(1, std::memory_order_relaxed);
                    stats_.count_lost(record.trace());
                    return;
                }
            }
        }
    }
    if (records_pending_ == 0) batch_start_ = out_->written();
    out_->append(encoder_.encode(record));
    out_->Put('\n');
    ++records_pending_;
    ++pending_by_trace_[record.trace() < PL_TRACE_MAX ? record.trace() : 0];
    if (out_->pending() >= kFlushAt) (void)flush_counted();
}

Status FileSink::flush() {
    // A failed write is counted and said by flush_counted(), once per outage.
    (void)flush_counted();
    return {};
}

}  // namespace probelog
