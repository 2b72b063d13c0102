#pragma once
// `probelog -- CMD ARGS`: the command is forked first and waits at a gate, so
// that its pid joins the kernel filter before it execs; then it is released.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bpf/unique_fd.hpp"
#include "common/result.hpp"

namespace probelog {

// PATH lookup as a shell does it, done before forking so that the traced child
// makes one exec attempt, not one per PATH entry.
Result<std::string> resolve_command(const std::string& name);

// 0-255 exit status, or 128 + signal for a command killed by a signal.
int exit_code_of(int wait_status);

class GatedChild {
  public:
    // Forks `command` (argv[0] resolved through PATH), blocked before exec.
    static Result<GatedChild> spawn(const std::vector<std::string>& command);

    GatedChild(GatedChild&& other) noexcept;
    GatedChild& operator=(GatedChild&&) = delete;
    GatedChild(const GatedChild&) = delete;
    ~GatedChild();

    pid_t pid() const { return pid_; }
    // Lets the child exec; fails if the exec itself failed.
    Status release();
    // The wait status once the child has ended (reaps it), else nothing.
    std::optional<int> poll_exit();
    void send_signal(int sig) const;
    // Ends a released child that still runs: SIGTERM, then SIGKILL once
    // `grace` has passed. Its wait status (reaped); nothing if it had ended.
    std::optional<int> stop(std::chrono::milliseconds grace);

  private:
    GatedChild() = default;

    pid_t pid_ = -1;
    UniqueFd gate_;         // write end: closing it releases the child
    UniqueFd exec_errors_;  // read end: errno if exec failed, EOF if it worked
    bool released_ = false;
    bool reaped_ = false;
    std::string path_;
};

}  // namespace probelog
