#pragma once
// Signals as file descriptor reads (signalfd), so the event loop sees them in
// order with everything else and no handler runs at an arbitrary point.

#include <signal.h>

#include <initializer_list>
#include <optional>

#include "bpf/unique_fd.hpp"
#include "common/result.hpp"

namespace probelog {

class SignalFd {
  public:
    // Blocks `signals` for this process and delivers them through fd().
    static Result<SignalFd> create(std::initializer_list<int> signals);
    SignalFd(SignalFd&&) noexcept = default;
    ~SignalFd();

    int fd() const { return fd_.get(); }
    // The next pending signal, if any.
    std::optional<int> read();

  private:
    SignalFd() = default;
    UniqueFd fd_;
    sigset_t previous_{};
    bool restore_ = false;
};

}  // namespace probelog
