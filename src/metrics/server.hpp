#pragma once
// The Prometheus endpoint: GET /metrics renders the registry; GET /healthz and
// /readyz answer from the run's Health (for systemd watchdogs, Kubernetes
// probes, load balancers). cpp-httplib serves them on its own thread (one
// listener and one worker), so a scrape never waits for the event loop and the
// event loop never waits for a scrape.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "metrics/registry.hpp"

namespace probelog::metrics {

// Whether the run is alive and ready, as the event loop says it (any thread
// may ask). Live: the process answers and its event loop, once started, has
// turned within the stall limit. Ready: the event loop runs and every trace
// the run asked for is attached.
class Health {
  public:
    using Clock = std::chrono::steady_clock;
    struct Answer {
        bool ok = false;
        std::string text;  // one line: what a person reading a probe's failure needs
    };

    // A loop that has not turned for stall_limit counts as stalled.
    explicit Health(std::chrono::milliseconds stall_limit) : stall_limit_(stall_limit) {}
    Health(const Health&) = delete;
    Health& operator=(const Health&) = delete;

    // The event loop starts: the traces the run asked for, those attached.
    void loop_started(const std::vector<std::string>& requested,
                      const std::vector<std::string>& attached);
    // Once per turn of the event loop (an atomic store).
    void loop_turned() { last_turn_ns_.store(now_ns(Clock::now()), std::memory_order_relaxed); }
    // The event loop has ended: shutting down (neither ready nor stalled).
    void loop_stopped();

    Answer live(Clock::time_point now = Clock::now()) const;
    Answer ready() const;

  private:
    enum class Phase { starting, running, stopping };
    static int64_t now_ns(Clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    }

    const std::chrono::milliseconds stall_limit_;
    std::atomic<int64_t> last_turn_ns_{0};
    mutable std::mutex mu_;
    Phase phase_ = Phase::starting;      // guarded by mu_
    std::vector<std::string> missing_;   // guarded by mu_: asked for, not attached
    std::vector<std::string> attached_;  // guarded by mu_
};

class Server {
  public:
    // Binds host:port (port 0: any free port; see port()) and starts serving
    // /metrics from `registry` and /healthz, /readyz from `health` (both must
    // outlive the server).
    static Result<std::unique_ptr<Server>> start(const std::string& host, uint16_t port,
                                                 const Registry& registry, const Health& health);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    uint16_t port() const { return port_; }
    // http://host:port/metrics
    std::string url() const;

  private:
    Server() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string host_;
    uint16_t port_ = 0;
};

}  // namespace probelog::metrics
