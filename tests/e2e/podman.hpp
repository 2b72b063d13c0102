#pragma once
// Real containers for the e2e tests: Debian's podman with runc, images built
// here from busybox-static (no registry is needed), podman's API service.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {

inline constexpr const char* kImage = "localhost/probelog-e2e:busybox";
inline constexpr const char* kApiSocket = "/run/podman/podman.sock";

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// An image, built once per machine: a root file system of busybox and the
// applet links the tests use, and `files` (a path inside the image -> the
// file to copy there), imported into podman's store as `image`.
inline ::testing::AssertionResult ensure_image(
    const std::string& image = kImage, const std::map<std::string, std::string>& files = {}) {
    if (run({"/usr/bin/podman", "image", "exists", image}).exit_code == 0)
        return ::testing::AssertionSuccess();
    TempDir root("probelog-rootfs");
    std::filesystem::create_directories(root.path() + "/bin");
    std::filesystem::copy_file("/bin/busybox", root.path() + "/bin/busybox");
    for (const char* applet : {"sh", "echo", "sleep", "cat", "true"})
        std::filesystem::create_symlink("busybox", root.path() + "/bin/" + applet);
    for (const auto& [inside, from] : files) {
        std::filesystem::path to = root.path() + inside;
        std::filesystem::create_directories(to.parent_path());
        std::filesystem::copy_file(from, to);
    }
    Finished f = run(
        {"/bin/sh", "-c", fmt::format("tar -C {} -c . | podman import - {}", root.path(), image)});
    if (f.exit_code != 0) return ::testing::AssertionFailure() << "podman import failed: " << f.err;
    return ::testing::AssertionSuccess();
}

// This host's cgroup hierarchy is hybrid, which crun refuses: runc, and the
// ulimits podman would otherwise try to raise past the hybrid defaults.
inline std::vector<std::string> podman_run(const std::string& name, const std::string& script,
                                           const std::string& image = kImage) {
    return {"/usr/bin/podman",
            "--runtime",
            "runc",
            "run",
            "--name",
            name,
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            "nproc=1024:1024",
            image,
            "/bin/sh",
            "-c",
            script};
}

// podman's Docker-compatible API where probelog looks for it, for the names.
class ApiService {
  public:
    ApiService() {
        if (std::filesystem::exists(kApiSocket)) return;  // one runs already: use it
        std::filesystem::create_directories("/run/podman");
        service_ = std::make_unique<Process>(
            std::vector<std::string>{"/usr/bin/podman", "system", "service", "--time=0",
                                     fmt::format("unix://{}", kApiSocket)});
        for (int i = 0; i < 200 && !std::filesystem::exists(kApiSocket); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ~ApiService() {
        if (!service_) return;
        service_->signal(SIGTERM);
        service_->wait(std::chrono::seconds(10));
        std::filesystem::remove(kApiSocket);
    }
    bool up() const { return std::filesystem::exists(kApiSocket); }

  private:
    std::unique_ptr<Process> service_;
};

}  // namespace probelog::test
