#include "sinks/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sinks/json_sink.hpp"

namespace probelog {
namespace {

// mkdir -p of the directory part of `path`.
Status make_parent_dirs(const std::string& path) {
    for (size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        std::string dir = path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
            return make_error("cannot create directory {} for output file {}: {}", dir, path,
                              std::strerror(errno));
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<FileSink>> FileSink::open(const std::string& path, bool make_dirs) {
    if (path.empty()) return make_error("the file output needs a file name");
    if (make_dirs) {
        if (Status st = make_parent_dirs(path); !st) return st.error();
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        return make_error(
            "cannot open output file {}: {}{}", path, std::strerror(err),
            err == ENOENT ? " (its directory does not exist; Mkdir On creates it)" : "");
    }
    return std::unique_ptr<FileSink>(new FileSink(fd, path));
}

FileSink::~FileSink() {
    (void)out_.flush();
    ::close(fd_);
}

void FileSink::write(const Record& record) {
    write_json_record(record, out_);
    out_.Put('\n');
}

Status FileSink::flush() {
    Status st = out_.flush();
    if (!st) return make_error("{}: {}", path_, st.error().message);
    return st;
}

}  // namespace probelog
