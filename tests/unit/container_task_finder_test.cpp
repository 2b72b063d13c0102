// find_container_task over a made-up /proc: the lowest pid whose cgroup lines
// put it in the container, on the v2 line or a v1 one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "containers/task_finder.hpp"
#include "support/temp_dir.hpp"

namespace probelog::containers {
namespace {

const std::string kId(64, 'a');
const std::string kOther(64, 'b');

void task(const test::TempDir& proc, const std::string& pid, const std::string& cgroup) {
    std::filesystem::create_directories(proc.path() + "/" + pid);
    std::ofstream(proc.path() + "/" + pid + "/cgroup") << cgroup;
}

TEST(ContainerTaskFinder, LowestPidOfTheContainerOnAnyHierarchyLine) {
    test::TempDir proc("proc");
    task(proc, "1", "0::/init.scope\n");
    task(proc, "700", "0::/machine.slice/libpod-" + kOther + ".scope/container\n");
    task(proc, "900", "0::/machine.slice/libpod-" + kId + ".scope/container\n");
    // v1 only (no "0::" line): the memory controller's path says it.
    task(proc, "812", "4:memory:/machine.slice/libpod-" + kId + ".scope\n1:name=systemd:/\n");
    // conmon, the runtime's monitor, is not in the container.
    task(proc, "650", "0::/machine.slice/libpod-conmon-" + kId + ".scope\n");
    std::filesystem::create_directories(proc.path() + "/self");  // not a pid
    std::filesystem::create_directories(proc.path() + "/42");    // exited: no cgroup file
    EXPECT_EQ(find_container_task(kId, proc.path()), 812);
    EXPECT_EQ(find_container_task(kOther, proc.path()), 700);
    EXPECT_EQ(find_container_task(std::string(64, 'c'), proc.path()), std::nullopt);
    EXPECT_EQ(find_container_task(kId, proc.path() + "/none"), std::nullopt);
}

}  // namespace
}  // namespace probelog::containers
