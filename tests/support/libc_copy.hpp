#pragma once
// A copy of the C library in a temporary directory that a program is started
// on (LD_LIBRARY_PATH) and that is deleted once the program has mapped it:
// what a running process looks like after a libc upgrade replaced its libc.

#include <sys/types.h>

#include <string>
#include <vector>

namespace probelog::test {

class LibcCopy {
  public:
    LibcCopy();  // copies the libc this test runs on; check ok()
    LibcCopy(const LibcCopy&) = delete;
    LibcCopy& operator=(const LibcCopy&) = delete;
    ~LibcCopy();

    bool ok() const { return !path_.empty(); }
    // DIR/libc.so.6
    const std::string& path() const { return path_; }
    // argv run through env(1) with LD_LIBRARY_PATH=DIR (the pid stays argv's).
    std::vector<std::string> command(const std::vector<std::string>& argv) const;
    // Waits until process `pid` maps the copy, then deletes the copy; false if
    // the process never mapped it.
    bool delete_once_mapped(pid_t pid);

  private:
    std::string dir_;
    std::string path_;
};

}  // namespace probelog::test
