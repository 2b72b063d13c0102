#include "control/socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace probelog::control {
namespace {

using Clock = std::chrono::steady_clock;

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        return make_error("control socket path '{}' is empty or longer than {} bytes", path,
                          sizeof(addr.sun_path) - 1);
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    return addr;
}

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(left.count(), 0));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return false;
    }
}

bool write_all(int fd, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline))
            continue;
        return false;
    }
    return true;
}

// Reads until `stop_at_newline` sees a newline, EOF, the limit, or the deadline.
enum class ReadEnd { Done, Timeout, TooLong, Error };
ReadEnd read_until(int fd, std::string& out, bool stop_at_newline, size_t limit,
                   Clock::time_point deadline) {
    char buf[8192];
    for (;;) {
        if (stop_at_newline && out.find('\n') != std::string::npos) return ReadEnd::Done;
        if (out.size() > limit) return ReadEnd::TooLong;
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return ReadEnd::Done;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_fd(fd, POLLIN, deadline)) return ReadEnd::Timeout;
            continue;
        }
        return ReadEnd::Error;
    }
}

}  // namespace

std::string ok_response(std::string_view body) {
    std::string out = "ok\n";
    out += body;
    if (!body.empty() && body.back() != '\n') out += '\n';
    return out;
}

std::string error_response(std::string_view message) {
    std::string out = "error: ";
    for (char c : message)
        out += c == '\n' ? ' ' : c;
    out += '\n';
    return out;
}

Result<Response> parse_response(std::string_view text) {
    if (text.starts_with("ok\n")) return Response{true, std::string(text.substr(3))};
    if (text.starts_with("error: ")) {
        std::string_view msg = text.substr(7);
        while (!msg.empty() && msg.back() == '\n')
            msg.remove_suffix(1);
        return Response{false, std::string(msg)};
    }
    return make_error("the agent's answer is not understood ({} bytes)", text.size());
}

Result<ControlServer> ControlServer::listen(const std::string& path, std::string_view option) {
    auto addr = unix_address(path);
    if (!addr) return addr.error();

    // The parent directory: create it root-only if it is missing.
    std::string dir = path.substr(0, path.rfind('/'));
    if (!dir.empty()) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0) {
            if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
                return make_error("cannot create {} for the control socket: {}", dir,
                                  std::strerror(errno));
            }
        } else if (!S_ISDIR(st.st_mode)) {
            return make_error("cannot create the control socket: {} is not a directory", dir);
        }
    }

    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return make_error("{} exists and is not a socket: remove it or pick another {}", path,
                              option);
        }
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe.valid() &&
            ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0) {
            return make_error(
                "another probelog is already listening at {} (stop it or pick another {})", path,
                option);
        }
        ::unlink(path.c_str());  // stale: its agent is gone
    }

    ControlServer server;
    server.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!server.fd_.valid()) {
        return make_error("cannot create the control socket: {}", std::strerror(errno));
    }
    mode_t old_mask = ::umask(0177);  // the socket is created 0600
    int rc = ::bind(server.fd_.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
    int err = errno;
    ::umask(old_mask);
    if (rc != 0) {
        return make_error("cannot create the control socket {}: {}", path, std::strerror(err));
    }
    if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0 ||
        ::listen(server.fd_.get(), 16) != 0) {
        err = errno;
        ::unlink(path.c_str());
        return make_error("cannot set up the control socket {}: {}", path, std::strerror(err));
    }
    server.path_ = path;
    server.inode_ = st.st_ino;
    return server;
}

ControlServer::ControlServer(ControlServer&& other) noexcept
    : fd_(std::move(other.fd_)),
      path_(std::exchange(other.path_, std::string())),
      inode_(std::exchange(other.inode_, 0)) {}

ControlServer::~ControlServer() {
    if (path_.empty()) return;
    // Remove the socket only if it is still ours (not replaced by another agent).
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
}

void ControlServer::accept_pending(std::chrono::milliseconds budget) {
    for (;;) {
        UniqueFd fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) return;  // EAGAIN: nothing more pending
        Client client;
        client.fd = std::move(fd);
        client.deadline = Clock::now() + budget;
        ucred cred{};
        socklen_t len = sizeof(cred);
        if (clients_.size() >= kMaxClients) {
            client.response = error_response("the agent is busy with other clients; try again");
            client.answered = true;
        } else if (::getsockopt(client.fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
                   cred.uid != 0) {
            // Answered once its request is read: closing on an unread request
            // would reset the connection, and the client see no answer.
            client.refused = true;
        }
        if (client.answered && clients_.size() >= kMaxClients) {
            // One try without waiting: a full table holds no more.
            (void)::send(client.fd.get(), client.response.data(), client.response.size(),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        clients_.push_back(std::move(client));
    }
}

bool ControlServer::progress(Client& c, const Handler& handler) {
    char buf[8192];
    while (!c.answered) {
        ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            c.request.append(buf, static_cast<size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;  // later
        } else if (n < 0 || c.request.empty()) {
            return false;  // an error, or closed without a request
        }
        size_t nl = c.request.find('\n');
        if (c.request.size() > kMaxRequestBytes) {
            c.response = error_response("request longer than 1 MiB");
        } else if ((nl != std::string::npos || n == 0) && c.refused) {
            c.response = error_response("the control socket is root only");
        } else if (nl != std::string::npos || n == 0) {
            c.response = handler(std::string_view(c.request).substr(0, nl));
        } else {
            continue;
        }
        c.answered = true;
        c.request.clear();
    }
    while (c.sent < c.response.size()) {
        ssize_t n = ::send(c.fd.get(), c.response.data() + c.sent, c.response.size() - c.sent,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.sent += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
    }
    return false;  // all sent: closing the connection ends the answer
}

void ControlServer::serve(const Handler& handler, std::chrono::milliseconds budget) {
    accept_pending(budget);
    auto now = Clock::now();
    std::erase_if(clients_, [&](Client& c) { return now >= c.deadline || !progress(c, handler); });
}

Result<Response> control_request(const std::string& path, std::string_view line,
                                 std::string_view agent, std::chrono::milliseconds timeout) {
    auto addr = unix_address(path);
    if (!addr) return addr.error();
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return make_error("cannot create a socket: {}", std::strerror(errno));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
        int err = errno;
        if (err == ENOENT) {
            return make_error("no probelog agent is listening at {} (is {} running?)", path, agent);
        }
        if (err == ECONNREFUSED) {
            return make_error(
                "no probelog agent is listening at {} (the socket is left over from an agent "
                "that is gone)",
                path);
        }
        if (err == EACCES || err == EPERM) {
            return make_error("permission denied for {}: the control socket is root only", path);
        }
        return make_error("cannot connect to {}: {}", path, std::strerror(err));
    }
    int flags = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
    auto deadline = Clock::now() + timeout;
    std::string request(line);
    if (request.empty() || request.back() != '\n') request += '\n';
    if (!write_all(fd.get(), request, deadline)) {
        // The agent may have answered and closed before reading (it refuses a
        // client that is not root at once): its answer says why.
        int err = errno;
        std::string early;
        if (read_until(fd.get(), early, false, 64u << 10, deadline) == ReadEnd::Done) {
            if (auto r = parse_response(early)) return r;
        }
        return make_error("cannot send the request to {}: {}", path, std::strerror(err));
    }
    ::shutdown(fd.get(), SHUT_WR);
    std::string answer;
    ReadEnd end = read_until(fd.get(), answer, false, 64u << 20, deadline);
    if (end == ReadEnd::Timeout) return make_error("the agent at {} did not answer in time", path);
    if (end != ReadEnd::Done) return make_error("cannot read the answer from {}", path);
    return parse_response(answer);
}

}  // namespace probelog::control
