#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace probelog::test {

namespace fs = std::filesystem;

TempDir::TempDir(std::string_view prefix) {
    std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    const char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << tmpl;
    if (made != nullptr) path_ = made;
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string TempDir::file(std::string_view name) const {
    return (fs::path(path_) / name).string();
}

std::string TempDir::write(std::string_view name, std::string_view text) const {
    std::string p = file(name);
    std::ofstream(p) << text;
    return p;
}

std::string TempDir::read(std::string_view name) const {
    return read_file(file(name));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace probelog::test
