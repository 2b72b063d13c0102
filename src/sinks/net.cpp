#include "sinks/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace probelog::net {
namespace {

// Waits for `events`; false at the deadline. Polls in slices so that a
// deadline moved by another thread is seen within 100 ms.
bool wait_for(int fd, short events, const Deadline& deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline.effective() - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

Result<Socket> connect_addr(int family, const sockaddr* addr, socklen_t len,
                            const Deadline& deadline, const std::string& what) {
    Socket s(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) return make_error("socket: {}", std::strerror(errno));
    if (::connect(s.fd(), addr, len) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN) {
            return make_error("cannot connect to {}: {}", what, std::strerror(errno));
        }
        if (!wait_for(s.fd(), POLLOUT, deadline)) {
            return make_error("cannot connect to {}: timed out", what);
        }
        int err = 0;
        socklen_t err_len = sizeof(err);
        (void)::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &err_len);
        if (err != 0) return make_error("cannot connect to {}: {}", what, std::strerror(err));
    }
    if (family != AF_UNIX) {
        int one = 1;
        (void)::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return s;
}

}  // namespace

void Socket::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Result<Socket> connect_tcp(const std::string& host, uint16_t port, Deadline deadline) {
    std::string name = host;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']')
        name = name.substr(1, name.size() - 2);
    std::string what = name.find(':') != std::string::npos ? fmt::format("[{}]:{}", name, port)
                                                           : fmt::format("{}:{}", name, port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &list); rc != 0) {
        return make_error("cannot resolve {}: {}", name, ::gai_strerror(rc));
    }
    Result<Socket> last = make_error("cannot resolve {}: no address", name);
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        last = connect_addr(ai->ai_family, ai->ai_addr, ai->ai_addrlen, deadline, what);
        if (last) break;
    }
    ::freeaddrinfo(list);
    return last;
}

Result<Socket> connect_unix(const std::string& path, Deadline deadline) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
        return make_error("unix socket path too long ({} bytes, at most {}): {}", path.size(),
                          sizeof(addr.sun_path) - 1, path);
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    return connect_addr(AF_UNIX, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr), deadline,
                        path);
}

Status send_all(const Socket& s, std::string_view data, Deadline deadline) {
    while (!data.empty()) {
        ssize_t n = ::send(s.fd(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(s.fd(), POLLOUT, deadline)) return make_error("send timed out");
            continue;
        }
        return make_error("send: {}", std::strerror(errno));
    }
    return {};
}

Result<size_t> recv_some(const Socket& s, char* buf, size_t size, Deadline deadline) {
    for (;;) {
        ssize_t n = ::recv(s.fd(), buf, size, 0);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for(s.fd(), POLLIN, deadline)) return make_error("no answer (timed out)");
            continue;
        }
        return make_error("recv: {}", std::strerror(errno));
    }
}

bool peer_closed(const Socket& s) {
    pollfd p{s.fd(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) return true;
    char c = 0;
    ssize_t n = ::recv(s.fd(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace probelog::net
