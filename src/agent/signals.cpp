#include "agent/signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace probelog {

Result<SignalFd> SignalFd::create(std::initializer_list<int> signals) {
    SignalFd s;
    sigset_t set;
    sigemptyset(&set);
    for (int sig : signals)
        sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, &s.previous_) != 0) {
        return make_error("cannot block signals: {}", std::strerror(errno));
    }
    s.restore_ = true;
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) return make_error("cannot create a signalfd: {}", std::strerror(errno));
    s.fd_.reset(fd);
    return s;
}

SignalFd::~SignalFd() {
    if (restore_ && fd_.valid()) sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

std::optional<int> SignalFd::read() {
    signalfd_siginfo info{};
    ssize_t n = ::read(fd_.get(), &info, sizeof(info));
    if (n != sizeof(info)) return std::nullopt;
    return static_cast<int>(info.ssi_signo);
}

}  // namespace probelog
