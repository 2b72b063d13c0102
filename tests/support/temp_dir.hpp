#pragma once
// Files for tests: a temporary directory removed with its contents, and a
// whole file read into a string.

#include <string>
#include <string_view>

namespace probelog::test {

// A fresh directory under $TMPDIR (or /tmp), named after `prefix`
// ("probelog-file" -> /tmp/probelog-file-Ab12Cd); removed, with everything in
// it, when the TempDir goes.
class TempDir {
  public:
    explicit TempDir(std::string_view prefix = "probelog-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // The path of `name` in the directory (not created).
    std::string file(std::string_view name) const;
    // Writes `text` to `name` in the directory; returns its path.
    std::string write(std::string_view name, std::string_view text) const;
    // What `name` in the directory holds ("" if it cannot be read).
    std::string read(std::string_view name) const;

  private:
    std::string path_;
};

// The whole content of the file at `path` ("" if it cannot be read).
std::string read_file(const std::string& path);

}  // namespace probelog::test
