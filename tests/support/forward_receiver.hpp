#pragma once
// A Fluent Forward receiver for tests: accepts connections on 127.0.0.1 (or
// a Unix socket), decodes Forward-mode messages with msgpack-c++ and answers
// {"ack": chunk} when asked to. It can be stopped (listener and connections
// closed) and started again on the same address.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace probelog::test {

using FieldValue = std::variant<std::monostate, int64_t, uint64_t, bool, double, std::string,
                                std::vector<std::string>>;

struct ForwardEvent {
    std::string tag;
    bool event_time = false;  // ext type 0 (else an integer)
    uint32_t seconds = 0;
    uint32_t nanoseconds = 0;
    std::vector<std::pair<std::string, FieldValue>> fields;  // in the order sent
    std::string chunk;                                       // the message's chunk option

    const FieldValue* find(const std::string& key) const;
    std::string str(const std::string& key) const;  // "<missing>" unless a string
    int64_t time_ns() const { return int64_t{seconds} * 1'000'000'000 + nanoseconds; }
};

class ForwardReceiver {
  public:
    // TCP on 127.0.0.1, a free port.
    ForwardReceiver();
    // A Unix socket at `path`.
    explicit ForwardReceiver(std::string unix_path);
    ~ForwardReceiver();
    ForwardReceiver(const ForwardReceiver&) = delete;
    ForwardReceiver& operator=(const ForwardReceiver&) = delete;

    uint16_t port() const { return port_; }
    // Closes the listener and every connection (the peer sees them close).
    void stop();
    // Listens again on the same address.
    void start();
    // Whether chunks are acknowledged (default true).
    void set_ack(bool on) { ack_ = on; }

    std::vector<ForwardEvent> events() const;
    size_t messages() const;
    size_t connections() const { return connections_; }
    std::vector<std::string> errors() const;
    // Waits until at least n events have arrived.
    bool wait_for_events(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  private:
    void listen_now();
    void run();

    std::string unix_path_;
    uint16_t port_ = 0;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::thread thread_;
    std::atomic<bool> ack_{true};
    std::atomic<size_t> connections_{0};
    mutable std::mutex mutex_;
    std::vector<ForwardEvent> events_;
    size_t messages_ = 0;
    std::vector<std::string> errors_;
};

}  // namespace probelog::test
