#pragma once
// Starting processes from tests: probelog itself, and the activity it traces.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace probelog::test {

using namespace std::chrono_literals;

struct Finished {
    int exit_code = -1;  // 128 + signal if killed
    std::string out;
    std::string err;
};

// A child process with captured stdout and stderr.
class Process {
  public:
    // stdin_path: a file the process reads as its stdin (empty: /dev/null).
    explicit Process(const std::vector<std::string>& argv, const std::string& stdin_path = "");
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();

    pid_t pid() const { return pid_; }
    // Reads output until stderr contains `needle`; false on timeout or exit.
    bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout = 20s);
    void signal(int sig) const;
    // Waits for the exit (SIGKILL after `timeout`) and returns all output.
    Finished wait(std::chrono::milliseconds timeout = 60s);
    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }

  private:
    bool pump(int timeout_ms);  // false once both pipes are closed

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
    bool done_ = false;
};

// A child that waits at a pipe before it execs argv, so that its pid is known
// (and in a filter) before it runs. Killed and reaped if never released.
class GatedChild {
  public:
    explicit GatedChild(const std::vector<std::string>& argv);
    GatedChild(const GatedChild&) = delete;
    GatedChild& operator=(const GatedChild&) = delete;
    ~GatedChild();

    pid_t pid() const { return pid_; }
    // Opens the gate and waits for the exit; returns the exit code (128 + signal).
    int run();

  private:
    pid_t pid_ = -1;
    int gate_ = -1;  // the write end; closing it lets the child exec
    bool reaped_ = false;
};

// Runs to completion.
Finished run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 60s);

// Forks and execs argv with no output capture; returns the pid (for tests that
// need to know the traced process's pid before it runs).
pid_t spawn(const std::vector<std::string>& argv);
// Waits for a spawned pid; returns its exit code (128 + signal if killed).
int wait_exit(pid_t pid);

std::string probelog_bin();
std::string testprog(std::string_view name);
// A string unique to this test run, for arguments that records are matched on.
std::string unique_token(std::string_view prefix);

}  // namespace probelog::test
