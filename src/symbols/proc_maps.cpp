#include "symbols/proc_maps.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace probelog::symbols {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

// The next space-separated field of `line`, removed from it.
std::string_view next_field(std::string_view& line) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) start = line.size();
    line.remove_prefix(start);
    size_t end = std::min(line.find(' '), line.size());
    std::string_view field = line.substr(0, end);
    line.remove_prefix(end);
    return field;
}

bool parse_number(std::string_view s, uint64_t& value, int base) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// "start-end perms offset dev inode [path]"; the path may contain spaces.
bool parse_line(std::string_view line, MapsEntry& e) {
    std::string_view range = next_field(line);
    std::string_view perms = next_field(line);
    std::string_view offset = next_field(line);
    std::string_view dev = next_field(line);
    std::string_view inode = next_field(line);
    size_t dash = range.find('-');
    if (dash == std::string_view::npos || perms.empty() || dev.empty() ||
        !parse_number(range.substr(0, dash), e.start, 16) ||
        !parse_number(range.substr(dash + 1), e.end, 16) || !parse_number(offset, e.offset, 16) ||
        !parse_number(inode, e.inode, 10)) {
        return false;
    }
    e.perms = perms;
    e.dev = dev;
    size_t path = line.find_first_not_of(' ');
    line = path == std::string_view::npos ? std::string_view() : line.substr(path);
    e.deleted = line.ends_with(kDeleted);
    if (e.deleted) line.remove_suffix(kDeleted.size());
    e.path = line;
    return true;
}

bool same_file_here(const MapsEntry& m) {
    struct stat st {};
    if (::stat(m.path.c_str(), &st) != 0 || st.st_ino != m.inode) return false;
    return fmt::format("{:02x}:{:02x}", major(st.st_dev), minor(st.st_dev)) == m.dev;
}

std::string_view base_name(std::string_view path) {
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

std::vector<MapsEntry> parse_proc_maps(std::string_view text) {
    std::vector<MapsEntry> out;
    while (!text.empty()) {
        size_t eol = std::min(text.find('\n'), text.size());
        MapsEntry e;
        if (parse_line(text.substr(0, eol), e)) out.push_back(std::move(e));
        text.remove_prefix(std::min(eol + 1, text.size()));
    }
    return out;
}

Result<std::vector<MapsEntry>> read_proc_maps(int pid) {
    std::string path = fmt::format("/proc/{}/maps", pid);
    std::ifstream in(path);
    if (!in) return make_error("cannot read {}: {}", path, std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_proc_maps(text.str());
}

std::string mapped_file_path(int pid, const MapsEntry& m) {
    if (m.deleted) return fmt::format("/proc/{}/map_files/{:x}-{:x}", pid, m.start, m.end);
    if (same_file_here(m)) return m.path;
    return fmt::format("/proc/{}/root{}", pid, m.path);
}

std::vector<std::string> mapped_library_paths(
    int pid, std::span<const MapsEntry> maps,
    const std::function<bool(std::string_view file_name)>& name_matches) {
    std::vector<std::string> paths;
    std::vector<const MapsEntry*> files;
    for (const MapsEntry& m : maps) {
        if (!m.file_backed() || !m.executable() || !name_matches(base_name(m.path))) continue;
        bool seen = std::any_of(files.begin(), files.end(), [&](const MapsEntry* f) {
            return f->inode == m.inode && f->dev == m.dev;
        });
        if (seen) continue;
        files.push_back(&m);
        paths.push_back(mapped_file_path(pid, m));
    }
    return paths;
}

}  // namespace probelog::symbols
