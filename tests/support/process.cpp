#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace probelog::test {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const std::string& a : argv)
        out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::string& stdin_path) {
    int out[2];
    int err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    auto args = c_argv(argv);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
        int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
        if (in >= 0) dup2(in, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

Process::~Process() {
    if (!done_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
}

bool Process::pump(int timeout_ms) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) return false;
    if (poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) return true;
    char buf[65536];
    for (int i = 0; i < n; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
        std::string& sink = fds[i].fd == out_fd_ ? out_ : err_;
        for (;;) {
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r > 0) {
                sink.append(buf, static_cast<size_t>(r));
                continue;
            }
            if (r == 0) {
                close(fd);
                fd = -1;
            }
            break;
        }
    }
    return out_fd_ >= 0 || err_fd_ >= 0;
}

bool Process::wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (err_.find(needle) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (!pump(50)) return err_.find(needle) != std::string::npos;
    }
    return true;
}

void Process::signal(int sig) const {
    kill(pid_, sig);
}

Finished Process::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    bool exited = false;
    while (!exited) {
        pump(20);
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited = true;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            exited = true;
        }
    }
    while (pump(100)) {
    }
    done_ = true;
    return Finished{decode_status(status), out_, err_};
}

Finished run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    Process p(argv);
    return p.wait(timeout);
}

GatedChild::GatedChild(const std::vector<std::string>& argv) {
    int gate[2];
    if (pipe2(gate, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    auto args = c_argv(argv);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        execv(args[0], args.data());
        _exit(127);
    }
    close(gate[0]);
    gate_ = gate[1];
}

GatedChild::~GatedChild() {
    if (gate_ >= 0) close(gate_);
    if (!reaped_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

int GatedChild::run() {
    close(gate_);
    gate_ = -1;
    reaped_ = true;
    return wait_exit(pid_);
}

pid_t spawn(const std::vector<std::string>& argv) {
    auto args = c_argv(argv);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return decode_status(status);
}

std::string probelog_bin() {
    return PROBELOG_BIN;
}

std::string testprog(std::string_view name) {
    return fmt::format("{}/{}", PROBELOG_TESTPROGS_DIR, name);
}

std::string unique_token(std::string_view prefix) {
    static std::atomic<int> counter{0};
    return fmt::format("{}-{}-{}-{}", prefix, getpid(), time(nullptr), counter++);
}

}  // namespace probelog::test
