#include "containers/task_finder.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>

#include "containers/cgroup_path.hpp"

namespace probelog::containers {
namespace {

std::optional<int> pid_of(const std::string& name) {
    int pid = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size() || pid <= 0) return std::nullopt;
    return pid;
}

// Whether a /proc/PID/cgroup file ("ID:CONTROLLERS:PATH" lines) puts the task
// in container `id`.
bool in_container(const std::filesystem::path& cgroup_file, std::string_view id) {
    std::ifstream in(cgroup_file);
    std::string line;
    while (std::getline(in, line)) {
        size_t second = line.find(':', line.find(':') + 1);
        if (second == std::string::npos) continue;
        auto c = parse_container_path(std::string_view(line).substr(second + 1));
        if (c && c->id == id) return true;
    }
    return false;
}

}  // namespace

std::optional<int> find_container_task(std::string_view id, const std::string& proc) {
    std::optional<int> lowest;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(proc, ec)) {
        std::optional<int> pid = pid_of(entry.path().filename().string());
        if (!pid || (lowest && *pid > *lowest)) continue;
        // A task that exits meanwhile has no file to read: not in it.
        if (in_container(entry.path() / "cgroup", id)) lowest = pid;
    }
    return lowest;
}

}  // namespace probelog::containers
