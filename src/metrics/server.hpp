#pragma once
// The Prometheus endpoint: GET /metrics renders the registry. cpp-httplib
// serves it on its own thread (one listener and one worker), so a scrape never
// waits for the event loop and the event loop never waits for a scrape.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "metrics/registry.hpp"

namespace probelog::metrics {

class Server {
  public:
    // Binds host:port (port 0: any free port; see port()) and starts serving.
    static Result<std::unique_ptr<Server>> start(const std::string& host, uint16_t port,
                                                 const Registry& registry);
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
