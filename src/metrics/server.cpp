#include "metrics/server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace probelog::metrics {

void Health::loop_started(const std::vector<std::string>& requested,
                          const std::vector<std::string>& attached) {
    loop_turned();
    std::lock_guard lock(mu_);
    missing_.clear();
    for (const std::string& name : requested) {
        if (std::find(attached.begin(), attached.end(), name) == attached.end())
            missing_.push_back(name);
    }
    attached_ = attached;
    phase_ = Phase::running;
}

void Health::loop_stopped() {
    std::lock_guard lock(mu_);
    phase_ = Phase::stopping;
}

Health::Answer Health::live(Clock::time_point now) const {
    {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::running) return {true, "ok"};
    }
    auto since =
        std::chrono::nanoseconds(now_ns(now) - last_turn_ns_.load(std::memory_order_relaxed));
    if (since > stall_limit_) {
        return {false,
                fmt::format("event loop stalled: no turn for {} ms (limit {} ms)",
                            std::chrono::duration_cast<std::chrono::milliseconds>(since).count(),
                            stall_limit_.count())};
    }
    return {true, "ok"};
}

Health::Answer Health::ready() const {
    std::lock_guard lock(mu_);
    switch (phase_) {
        case Phase::starting:
            return {false, "not ready: starting (attaching traces)"};
        case Phase::stopping:
            return {false, "not ready: stopping"};
        case Phase::running:
            break;
    }
    if (!missing_.empty()) {
        return {false, fmt::format("not ready: not attached: {} (attached: {})",
                                   fmt::join(missing_, ", "), fmt::join(attached_, ", "))};
    }
    return {true, fmt::format("ready: tracing {}", fmt::join(attached_, ", "))};
}

struct Server::Impl {
    httplib::Server http;
    std::thread thread;
    std::atomic<bool> done{false};
};

Result<std::unique_ptr<Server>> Server::start(const std::string& host, uint16_t port,
                                              const Registry& registry, const Health& health) {
    std::unique_ptr<Server> server(new Server());
    server->impl_ = std::make_unique<Impl>();
    server->host_ = host;
    httplib::Server& http = server->impl_->http;
    // One worker: scrapes are rare and small. No SO_REUSEPORT: a second probelog
    // on the same port must fail, not share it.
    http.new_task_queue = [] { return new httplib::ThreadPool(1); };
    http.set_socket_options([](int fd) {
        int one = 1;
        (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    });
    http.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
        res.set_content(registry.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    // 200 or 503 with one line of text: what probes (systemd, Kubernetes)
    // and a person with curl both read.
    auto answer = [](httplib::Response& res, const Health::Answer& a) {
        res.status = a.ok ? 200 : 503;
        res.set_content(a.text + "\n", "text/plain; charset=utf-8");
    };
    http.Get("/healthz", [&health, answer](const httplib::Request&, httplib::Response& res) {
        answer(res, health.live());
    });
    http.Get("/readyz", [&health, answer](const httplib::Request&, httplib::Response& res) {
        answer(res, health.ready());
    });
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("probelog: metrics are at /metrics; /healthz, /readyz\n", "text/plain");
    });
    std::string bind_host = host;
    if (bind_host.size() > 2 && bind_host.front() == '[' && bind_host.back() == ']')
        bind_host = bind_host.substr(1, bind_host.size() - 2);
    if (port == 0) {
        int p = http.bind_to_any_port(bind_host);
        if (p <= 0) return make_error("--metrics: cannot listen on {}:0", host);
        server->port_ = static_cast<uint16_t>(p);
    } else {
        if (!http.bind_to_port(bind_host, port)) {
            return make_error(
                "--metrics: cannot listen on {}:{} (in use, or not an address of "
                "this host?)",
                host, port);
        }
        server->port_ = port;
    }
    Impl* impl = server->impl_.get();
    impl->thread = std::thread([impl] {
        (void)::pthread_setname_np(::pthread_self(), "pl-metrics");
        impl->http.listen_after_bind();
        impl->done = true;
    });
    return server;
}

Server::~Server() {
    if (impl_ && impl_->thread.joinable()) {
        // stop() is a no-op until the listener runs: wait for it to start.
        while (!impl_->http.is_running() && !impl_->done)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        impl_->http.stop();
        impl_->thread.join();
    }
}

std::string Server::url() const {
    bool v6 = host_.find(':') != std::string::npos && host_.front() != '[';
    return v6 ? fmt::format("http://[{}]:{}/metrics", host_, port_)
              : fmt::format("http://{}:{}/metrics", host_, port_);
}

}  // namespace probelog::metrics
