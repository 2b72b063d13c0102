#pragma once
// /proc/PID/maps: what a process has mapped, and the one rule for reaching a
// mapped file from probelog. The malloc trace (its C library) and --probe
// targets given by library name both go through here, so that they attach to
// the same file, even one deleted since it was mapped.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace probelog::symbols {

struct MapsEntry {
    uint64_t start = 0;
    uint64_t end = 0;
    std::string perms;  // "r-xp"
    uint64_t offset = 0;
    std::string dev;  // "fe:00": major:minor in hex, as the kernel prints it
    uint64_t inode = 0;
    // Empty for anonymous mappings; "[stack]" and such kept as is; without the
    // " (deleted)" the kernel appends once the file is gone.
    std::string path;
    // The file was deleted (or replaced, as a library upgrade does) after it was
    // mapped: `path` names another file or nothing now.
    bool deleted = false;

    bool file_backed() const { return path.starts_with('/'); }
    bool executable() const { return perms.find('x') != std::string::npos; }
};

// The lines of a /proc/PID/maps text; malformed lines are skipped.
std::vector<MapsEntry> parse_proc_maps(std::string_view text);
Result<std::vector<MapsEntry>> read_proc_maps(int pid);

// The path through which probelog opens, and attaches uprobes to, the file of
// mapping `m` of process `pid`:
// - deleted: /proc/PID/map_files/START-END, the only name the file still has;
// - the path itself when it names the same file here (same device and inode);
// - else /proc/PID/root/PATH: the process sees another mount namespace (a container).
std::string mapped_file_path(int pid, const MapsEntry& m);

// The distinct files (by device and inode) that `maps`, the maps of process
// `pid`, has mapped executable and whose file name `name_matches` accepts, in
// the order of their first executable mapping, each as mapped_file_path of it.
std::vector<std::string> mapped_library_paths(
    int pid, std::span<const MapsEntry> maps,
    const std::function<bool(std::string_view file_name)>& name_matches);

}  // namespace probelog::symbols
