#pragma once
// Blocking-with-deadline socket I/O for the network sinks' own threads: every
// call gives up at its deadline, so a dead or stalled peer costs a bounded
// wait and shutdown is never held up for long.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace probelog::net {

// When a call must give up: at `at`, or earlier if `cap_ns` (a steady-clock
// time in ns, shared with another thread) moves before it, as it does when
// probelog shuts down while a connect or send is waiting.
struct Deadline {
    std::chrono::steady_clock::time_point at;
    const std::atomic<int64_t>* cap_ns = nullptr;

    std::chrono::steady_clock::time_point effective() const {
        if (cap_ns == nullptr) return at;
        auto cap = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(cap_ns->load(std::memory_order_relaxed)));
        return std::min(at, cap);
    }
};

class Socket {
  public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Socket& operator=(Socket&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { close(); }

    int fd() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void close();

  private:
    int fd_ = -1;
};

// A non-blocking, connected stream socket. host may be a name, an IPv4 or an
// IPv6 address (with or without brackets).
Result<Socket> connect_tcp(const std::string& host, uint16_t port, Deadline deadline);
Result<Socket> connect_unix(const std::string& path, Deadline deadline);

// Sends every byte (no SIGPIPE) or fails at the deadline.
Status send_all(const Socket& s, std::string_view data, Deadline deadline);
// Receives at least one byte; 0 means the peer closed the connection.
Result<size_t> recv_some(const Socket& s, char* buf, size_t size, Deadline deadline);
// True when the peer has closed its side (or the socket has an error), without
// waiting. Unread data is left in place.
bool peer_closed(const Socket& s);

}  // namespace probelog::net
