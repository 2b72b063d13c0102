#include "agent/child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

namespace probelog {
namespace {

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

Result<std::string> resolve_command(const std::string& name) {
    if (name.empty()) return make_error("--: the command is empty");
    if (name.find('/') != std::string::npos) {
        if (!is_executable_file(name)) {
            return make_error(
                "cannot run '{}': {}", name,
                ::access(name.c_str(), F_OK) == 0 ? "not an executable file" : "no such file");
        }
        return name;
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (is_executable_file(candidate)) return candidate;
        start = end + 1;
    }
    return make_error("cannot run '{}': command not found in PATH", name);
}

int exit_code_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

Result<GatedChild> GatedChild::spawn(const std::vector<std::string>& command) {
    auto path = resolve_command(command.at(0));
    if (!path) return path.error();

    int gate[2];
    int errors[2];
    if (::pipe2(gate, O_CLOEXEC) != 0 || ::pipe2(errors, O_CLOEXEC) != 0) {
        return make_error("cannot start '{}': {}", command[0], std::strerror(errno));
    }
    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls.
    std::vector<char*> argv;
    argv.reserve(command.size() + 1);
    for (const std::string& a : command)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);

    pid_t pid = ::fork();
    if (pid < 0) return make_error("cannot start '{}': {}", command[0], std::strerror(errno));
    if (pid == 0) {
        ::close(gate[1]);
        ::close(errors[0]);
        (void)::signal(SIGPIPE, SIG_DFL);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        char byte;
        while (::read(gate[0], &byte, 1) < 0 && errno == EINTR) {
        }
        ::execv(path->c_str(), argv.data());
        int err = errno;
        (void)!::write(errors[1], &err, sizeof(err));
        ::_exit(127);
    }
    ::close(gate[0]);
    ::close(errors[1]);
    GatedChild child;
    child.pid_ = pid;
    child.gate_.reset(gate[1]);
    child.exec_errors_.reset(errors[0]);
    child.path_ = *path;
    return child;
}

GatedChild::GatedChild(GatedChild&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      gate_(std::move(other.gate_)),
      exec_errors_(std::move(other.exec_errors_)),
      released_(other.released_),
      reaped_(other.reaped_),
      path_(std::move(other.path_)) {}

GatedChild::~GatedChild() {
    if (pid_ > 0 && !released_ && !reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

Status GatedChild::release() {
    released_ = true;
    gate_.reset();  // EOF at the child's read: it execs
    int err = 0;
    ssize_t n;
    do {
        n = ::read(exec_errors_.get(), &err, sizeof(err));
    } while (n < 0 && errno == EINTR);
    exec_errors_.reset();
    if (n == sizeof(err)) return make_error("cannot run '{}': {}", path_, std::strerror(err));
    return {};
}

std::optional<int> GatedChild::poll_exit() {
    if (reaped_) return std::nullopt;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
        return status;
    }
    return std::nullopt;
}

void GatedChild::send_signal(int sig) const {
    if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

std::optional<int> GatedChild::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0 || !released_ || reaped_) return std::nullopt;
    if (auto status = poll_exit()) return status;
    ::kill(pid_, SIGTERM);
    auto until = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < until) {
        if (auto status = poll_exit()) return status;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
}

}  // namespace probelog
