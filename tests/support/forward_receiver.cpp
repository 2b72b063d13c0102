#include "support/forward_receiver.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <msgpack.hpp>
#include <stdexcept>

namespace probelog::test {
namespace {

std::string_view str_of(const msgpack::object& o) {
    if (o.type == msgpack::type::STR) return {o.via.str.ptr, o.via.str.size};
    return {};
}

FieldValue value_of(const msgpack::object& o) {
    switch (o.type) {
        case msgpack::type::POSITIVE_INTEGER:
            return o.via.u64;
        case msgpack::type::NEGATIVE_INTEGER:
            return o.via.i64;
        case msgpack::type::BOOLEAN:
            return o.via.boolean;
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return o.via.f64;
        case msgpack::type::STR:
            return std::string(str_of(o));
        case msgpack::type::ARRAY: {
            std::vector<std::string> list;
            for (uint32_t i = 0; i < o.via.array.size; ++i)
                list.emplace_back(str_of(o.via.array.ptr[i]));
            return list;
        }
        default:
            return std::monostate{};
    }
}

struct Connection {
    int fd = -1;
    msgpack::unpacker unpacker;
};

}  // namespace

const FieldValue* ForwardEvent::find(const std::string& key) const {
    for (const auto& [k, v] : fields) {
        if (k == key) return &v;
    }
    return nullptr;
}

std::string ForwardEvent::str(const std::string& key) const {
    const FieldValue* v = find(key);
    if (v == nullptr || !std::holds_alternative<std::string>(*v)) return "<missing>";
    return std::get<std::string>(*v);
}

ForwardReceiver::ForwardReceiver() {
    start();
}

ForwardReceiver::ForwardReceiver(std::string unix_path) : unix_path_(std::move(unix_path)) {
    start();
}

ForwardReceiver::~ForwardReceiver() {
    stop();
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

void ForwardReceiver::listen_now() {
    if (unix_path_.empty()) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port_);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            throw std::runtime_error(std::string("forward receiver bind: ") + strerror(errno));
        }
        socklen_t len = sizeof(addr);
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    } else {
        ::unlink(unix_path_.c_str());
        listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, unix_path_.c_str(), sizeof(addr.sun_path) - 1);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            throw std::runtime_error(std::string("forward receiver bind: ") + strerror(errno));
        }
    }
    ::listen(listen_fd_, 16);
}

void ForwardReceiver::start() {
    if (thread_.joinable()) return;
    listen_now();
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { run(); });
}

void ForwardReceiver::stop() {
    if (!thread_.joinable()) return;
    char c = 1;
    (void)::write(wake_[1], &c, 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
    ::close(listen_fd_);
    listen_fd_ = -1;
}

void ForwardReceiver::run() {
    std::vector<std::unique_ptr<Connection>> conns;
    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back({wake_[0], POLLIN, 0});
        fds.push_back({listen_fd_, POLLIN, 0});
        for (auto& c : conns)
            fds.push_back({c->fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
        if (fds[0].revents != 0) break;
        if ((fds[1].revents & POLLIN) != 0) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) {
                auto c = std::make_unique<Connection>();
                c->fd = fd;
                conns.push_back(std::move(c));
                ++connections_;
            }
        }
        for (size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            Connection& c = *conns[i - 2];
            c.unpacker.reserve_buffer(65536);
            ssize_t n = ::read(c.fd, c.unpacker.buffer(), c.unpacker.buffer_capacity());
            if (n <= 0) {
                ::close(c.fd);
                c.fd = -1;
                continue;
            }
            c.unpacker.buffer_consumed(static_cast<size_t>(n));
            msgpack::object_handle oh;
            try {
                while (c.unpacker.next(oh)) {
                    const msgpack::object& m = oh.get();
                    std::lock_guard lock(mutex_);
                    if (m.type != msgpack::type::ARRAY || m.via.array.size < 2 ||
                        m.via.array.ptr[1].type != msgpack::type::ARRAY) {
                        errors_.push_back("not a Forward mode message");
                        continue;
                    }
                    ++messages_;
                    std::string tag(str_of(m.via.array.ptr[0]));
                    std::string chunk;
                    if (m.via.array.size >= 3 && m.via.array.ptr[2].type == msgpack::type::MAP) {
                        const auto& opts = m.via.array.ptr[2].via.map;
                        for (uint32_t k = 0; k < opts.size; ++k) {
                            if (str_of(opts.ptr[k].key) == "chunk")
                                chunk = std::string(str_of(opts.ptr[k].val));
                        }
                    }
                    const auto& entries = m.via.array.ptr[1].via.array;
                    for (uint32_t e = 0; e < entries.size; ++e) {
                        const msgpack::object& entry = entries.ptr[e];
                        if (entry.type != msgpack::type::ARRAY || entry.via.array.size != 2 ||
                            entry.via.array.ptr[1].type != msgpack::type::MAP) {
                            errors_.push_back("entry is not [time, record]");
                            continue;
                        }
                        ForwardEvent ev;
                        ev.tag = tag;
                        ev.chunk = chunk;
                        const msgpack::object& t = entry.via.array.ptr[0];
                        if (t.type == msgpack::type::EXT && t.via.ext.type() == 0 &&
                            t.via.ext.size == 8) {
                            auto* b = reinterpret_cast<const unsigned char*>(t.via.ext.data());
                            ev.event_time = true;
                            ev.seconds = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                                         (uint32_t{b[2]} << 8) | b[3];
                            ev.nanoseconds = (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) |
                                             (uint32_t{b[6]} << 8) | b[7];
                        } else if (t.type == msgpack::type::POSITIVE_INTEGER) {
                            ev.seconds = static_cast<uint32_t>(t.via.u64);
                        } else {
                            errors_.push_back("time is neither EventTime nor an integer");
                        }
                        const auto& rec = entry.via.array.ptr[1].via.map;
                        for (uint32_t k = 0; k < rec.size; ++k) {
                            ev.fields.emplace_back(std::string(str_of(rec.ptr[k].key)),
                                                   value_of(rec.ptr[k].val));
                        }
                        events_.push_back(std::move(ev));
                    }
                    if (!chunk.empty() && ack_) {
                        msgpack::sbuffer buf;
                        msgpack::packer<msgpack::sbuffer> pk(buf);
                        pk.pack_map(1);
                        pk.pack(std::string("ack"));
                        pk.pack(chunk);
                        (void)::send(c.fd, buf.data(), buf.size(), MSG_NOSIGNAL);
                    }
                }
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex_);
                errors_.push_back(e.what());
                ::close(c.fd);
                c.fd = -1;
            }
        }
        std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
    }
    for (auto& c : conns)
        ::close(c->fd);
}

std::vector<ForwardEvent> ForwardReceiver::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

size_t ForwardReceiver::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::vector<std::string> ForwardReceiver::errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
}

bool ForwardReceiver::wait_for_events(size_t n, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        {
            std::lock_guard lock(mutex_);
            if (events_.size() >= n) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mutex_);
    return events_.size() >= n;
}

}  // namespace probelog::test
