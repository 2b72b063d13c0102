#include "support/libc_copy.hpp"

#include <dlfcn.h>
#include <link.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace probelog::test {

LibcCopy::LibcCopy() {
    // The C library this process runs on, by its soname (not by where malloc
    // comes from: under ASan that is the sanitizer's runtime).
    void* handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) return;
    link_map* map = nullptr;
    int found = dlinfo(handle, RTLD_DI_LINKMAP, &map);
    dlclose(handle);
    if (found != 0 || map == nullptr || map->l_name == nullptr || *map->l_name == '\0') return;
    char pattern[] = "/tmp/probelog-libc-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    std::error_code ec;
    // Under its soname, so that the dynamic loader takes it for libc.so.6.
    std::string copy = dir_ + "/libc.so.6";
    std::filesystem::copy_file(map->l_name, copy, ec);
    if (!ec) path_ = copy;
}

LibcCopy::~LibcCopy() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> LibcCopy::command(const std::vector<std::string>& argv) const {
    std::vector<std::string> out{"/usr/bin/env", "LD_LIBRARY_PATH=" + dir_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

bool LibcCopy::delete_once_mapped(pid_t pid) {
    // env(1) runs on the system's libc until it executes the program.
    for (int i = 0; i < 500; ++i) {
        std::ifstream maps(fmt::format("/proc/{}/maps", pid));
        std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
        if (text.find(path_) != std::string::npos) return ::unlink(path_.c_str()) == 0;
        usleep(10000);
    }
    return false;
}

}  // namespace probelog::test
