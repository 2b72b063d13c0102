#include "symbols/library.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "symbols/proc_maps.hpp"

namespace probelog::symbols {
namespace {

constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr uint32_t kFlagTypeMask = 0x00ff;
constexpr uint32_t kFlagElfLibc6 = 0x0003;
constexpr uint32_t kFlagRequiredMask = 0xff00;
constexpr uint32_t kFlagX8664Lib64 = 0x0300;
constexpr size_t kNewHeaderSize = 48;
constexpr size_t kNewEntrySize = 24;
constexpr size_t kOldEntrySize = 12;

constexpr const char* kLibraryDirs[] = {"/lib/x86_64-linux-gnu",
                                        "/usr/lib/x86_64-linux-gnu",
                                        "/lib64",
                                        "/usr/lib64",
                                        "/lib",
                                        "/usr/lib",
                                        "/usr/local/lib"};

uint32_t read_u32(std::span<const std::byte> image, size_t at) {
    uint32_t v = 0;
    if (at + 4 <= image.size()) std::memcpy(&v, image.data() + at, 4);
    return v;
}

std::string read_cstr(std::span<const std::byte> image, size_t at) {
    if (at >= image.size()) return {};
    const char* begin = reinterpret_cast<const char*>(image.data()) + at;
    return std::string(begin, strnlen(begin, image.size() - at));
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "libc.so" in a library directory is a linker script, not a library.
bool is_elf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::memcmp(magic,
                                            "\x7f"
                                            "ELF",
                                            4) == 0;
}

std::string real_path(const std::string& path) {
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

std::string_view base_name(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join_candidates(const std::vector<std::string>& paths) {
    std::string out;
    for (const std::string& p : paths) {
        if (!out.empty()) out += ", ";
        out += p;
    }
    return out;
}

// One file per distinct real path, in first-seen order.
std::vector<std::string> unique_files(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    std::vector<std::string> seen;
    for (const std::string& p : paths) {
        std::string real = real_path(p);
        if (std::find(seen.begin(), seen.end(), real) != seen.end()) continue;
        seen.push_back(real);
        out.push_back(p);
    }
    return out;
}

Result<TargetFile> from_maps(std::string_view target, int pid) {
    auto maps = read_proc_maps(pid);
    if (!maps) return maps.error();
    std::vector<std::string> found = mapped_library_paths(
        pid, *maps, [&](std::string_view name) { return library_name_matches(target, name); });
    if (found.size() > 1) {
        return make_error("'{}' matches several libraries mapped by process {}: {} (give the path)",
                          target, pid, join_candidates(found));
    }
    if (found.empty()) {
        return make_error("process {} has no library '{}' mapped (see /proc/{}/maps)", pid, target,
                          pid);
    }
    return TargetFile{found[0], fmt::format("from /proc/{}/maps", pid)};
}

std::optional<std::vector<std::byte>> read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

Result<TargetFile> from_system(std::string_view target) {
    std::vector<std::string> found;
    std::string how = "from /etc/ld.so.cache";
    if (auto image = read_file("/etc/ld.so.cache")) {
        for (const LdCacheEntry& e : parse_ld_so_cache(*image)) {
            if (e.x86_64 && library_name_matches(target, e.soname)) found.push_back(e.path);
        }
    }
    if (found.empty()) {
        how = "from the library directories";
        std::vector<std::string> dirs;
        if (const char* env = std::getenv("LD_LIBRARY_PATH")) {
            std::stringstream ss(env);
            for (std::string d; std::getline(ss, d, ':');)
                if (!d.empty()) dirs.push_back(d);
        }
        dirs.insert(dirs.end(), std::begin(kLibraryDirs), std::end(kLibraryDirs));
        for (const std::string& dir : dirs) {
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
                std::string name = entry.path().filename().string();
                if (library_name_matches(target, name) && is_file(entry.path().string()) &&
                    is_elf(entry.path().string())) {
                    found.push_back(entry.path().string());
                }
            }
            if (!found.empty()) break;  // the first directory that has it, as ld.so would
        }
    }
    found = unique_files(found);
    if (found.size() > 1) {
        return make_error("'{}' matches several libraries: {} (give the path, or --pid)", target,
                          join_candidates(found));
    }
    if (found.empty()) {
        return make_error(
            "no library '{}' in /etc/ld.so.cache or the library directories (give the path, or "
            "--pid of a process that uses it)",
            target);
    }
    return TargetFile{found[0], how};
}

Result<TargetFile> from_path_env(std::string_view target) {
    const char* env = std::getenv("PATH");
    std::stringstream ss(env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(ss, dir, ':');) {
        if (dir.empty()) continue;
        std::string path = dir + "/" + std::string(target);
        if (is_file(path) && ::access(path.c_str(), X_OK) == 0)
            return TargetFile{path, "from PATH"};
    }
    return make_error("cannot find '{}': not a file, a library or a program in PATH", target);
}

// Whether process `pid` sees the same root directory as probelog (not in a
// container, a chroot or another mount namespace's root).
bool same_root_as_ours(int pid) {
    struct stat theirs {};
    struct stat ours {};
    if (::stat(fmt::format("/proc/{}/root/", pid).c_str(), &theirs) != 0) return true;
    if (::stat("/", &ours) != 0) return true;
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

}  // namespace

std::vector<LdCacheEntry> parse_ld_so_cache(std::span<const std::byte> image) {
    std::vector<LdCacheEntry> out;
    auto starts_with = [&](size_t at, std::string_view magic) {
        return at + magic.size() <= image.size() &&
               std::memcmp(image.data() + at, magic.data(), magic.size()) == 0;
    };
    size_t base = 0;
    if (starts_with(0, kOldMagic)) {
        uint32_t nlibs = read_u32(image, 12);
        base = 16 + size_t{nlibs} * kOldEntrySize;
        base = (base + 7) & ~size_t{7};
    }
    if (!starts_with(base, kNewMagic)) return out;
    uint32_t nlibs = read_u32(image, base + kNewMagic.size());
    for (uint32_t i = 0; i < nlibs; ++i) {
        size_t at = base + kNewHeaderSize + size_t{i} * kNewEntrySize;
        if (at + kNewEntrySize > image.size()) break;
        uint32_t flags = read_u32(image, at);
        LdCacheEntry e;
        e.soname = read_cstr(image, base + read_u32(image, at + 4));
        e.path = read_cstr(image, base + read_u32(image, at + 8));
        e.x86_64 = (flags & kFlagTypeMask) == kFlagElfLibc6 &&
                   (flags & kFlagRequiredMask) == kFlagX8664Lib64;
        out.push_back(std::move(e));
    }
    return out;
}

bool library_name_matches(std::string_view short_name, std::string_view file_name) {
    if (file_name == short_name) return true;
    if (!file_name.starts_with(short_name)) return false;
    std::string_view rest = file_name.substr(short_name.size());
    if (rest.starts_with(".so")) return rest.size() == 3 || rest[3] == '.';
    // "libc-2.31.so": a version between the name and ".so".
    if (rest.starts_with("-") && rest.size() > 1 &&
        std::isdigit(static_cast<unsigned char>(rest[1])))
        return rest.ends_with(".so") || rest.find(".so.") != std::string_view::npos;
    return false;
}

bool is_libc_file_name(std::string_view name) {
    if (name == "libc.so.6" || name == "libc.so") return true;
    if (name.starts_with("libc-") && name.ends_with(".so")) return true;  // glibc before 2.34
    return name.starts_with("libc.musl-") || name.starts_with("ld-musl-");
}

bool looks_like_library(std::string_view target) {
    if (target.find('/') != std::string_view::npos) return false;
    return target.starts_with("lib") || target.find(".so") != std::string_view::npos;
}

Result<TargetFile> resolve_target(std::string_view target, std::optional<int> pid) {
    if (target.empty()) return make_error("no file named before ':'");
    // Absolute paths: libbpf searches PATH for names without a '/'.
    auto absolute = [](std::string_view path) {
        std::error_code ec;
        auto abs = std::filesystem::absolute(std::filesystem::path(path), ec);
        return ec ? std::string(path) : abs.lexically_normal().string();
    };
    if (target.find('/') != std::string_view::npos) {
        // An absolute path names the file the traced process sees: in a
        // container, under its own root.
        if (pid && target.starts_with('/') && !same_root_as_ours(*pid)) {
            return TargetFile{fmt::format("/proc/{}/root{}", *pid, absolute(target)),
                              fmt::format("in process {}'s root", *pid)};
        }
        return TargetFile{absolute(target), ""};
    }
    if (looks_like_library(target)) {
        if (pid) return from_maps(target, *pid);
        return from_system(target);
    }
    if (pid) {
        // The traced program itself, by name.
        std::string exe = fmt::format("/proc/{}/exe", *pid);
        char buf[PATH_MAX];
        ssize_t n = ::readlink(exe.c_str(), buf, sizeof(buf) - 1);
        if (n > 0 && base_name(std::string_view(buf, static_cast<size_t>(n))) == target) {
            return TargetFile{exe, fmt::format("process {}'s executable", *pid)};
        }
    }
    if (is_file(std::string(target))) return TargetFile{absolute(target), ""};
    return from_path_env(target);
}

}  // namespace probelog::symbols
