#pragma once
// JSON lines appended to a file (Fluent Bit's file output, Format plain).
// Rotation and reopening are not done here yet.

#include <memory>
#include <string>

#include "common/result.hpp"
#include "sinks/fd_writer.hpp"
#include "sinks/sink.hpp"

namespace probelog {

class FileSink final : public Sink {
  public:
    // Opens `path` for appending (created 0644 if missing); with `make_dirs`,
    // creates its missing parent directories first.
    static Result<std::unique_ptr<FileSink>> open(const std::string& path, bool make_dirs);

    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;
    ~FileSink() override;

    void write(const Record& record) override;
    Status flush() override;
    bool broken() const override { return out_.broken(); }
    const std::string& path() const { return path_; }

  private:
    FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)), out_(fd) {}

    int fd_;
    std::string path_;
    FdWriter out_;
};

}  // namespace probelog
