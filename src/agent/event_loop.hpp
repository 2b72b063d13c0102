#pragma once
// The agent's event loop: epoll over the signals, the ring buffers, the
// control socket and what the traces asked to be watched.

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "agent/signals.hpp"
#include "bpf/ring_reader.hpp"
#include "bpf/unique_fd.hpp"
#include "common/result.hpp"
#include "traces/trace.hpp"

namespace probelog {

class EventLoop {
  public:
    static Result<EventLoop> create(const SignalFd& signals, const bpf::RingReader& ring) {
        EventLoop loop;
        loop.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
        if (!loop.epoll_.valid())
            return errno_error(errno, "epoll_create1: {}", std::strerror(errno));
        for (int fd : {signals.fd(), ring.epoll_fd()}) {
            if (Status st = loop.add(fd); !st) return st.error();
        }
        return loop;
    }
    Status add(int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            return errno_error(errno, "epoll_ctl: {}", std::strerror(errno));
        }
        return {};
    }
    void remove(int fd) { (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }
    // Waits until something is readable or the timeout passes; returns the
    // readable fds.
    std::span<const int> wait(int timeout_ms) {
        epoll_event events[kMaxEvents];
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
        ready_count_ = 0;
        for (int i = 0; i < n; ++i)
            ready_[ready_count_++] = events[i].data.fd;
        return {ready_.data(), ready_count_};
    }

  private:
    static constexpr int kMaxEvents = 16;
    UniqueFd epoll_;
    std::array<int, kMaxEvents> ready_{};
    size_t ready_count_ = 0;
};

// An fd a loop participant asked the loop to watch.
struct Watch {
    int fd;
    LoopParticipant* participant;
};

}  // namespace probelog
