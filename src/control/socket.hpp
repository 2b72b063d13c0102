#pragma once
// A control socket: a Unix stream socket (mode 0600 in a 0700 directory, and
// the peer's uid checked: root only) that a running agent serves from its
// event loop without ever blocking it. One request per connection, one line
// of text; the answer until the server closes the connection: "ok\n" then the
// text to show, or "error: MESSAGE\n". What the lines mean is the caller's
// (the agent's `probelog ctl`, the XDP trace's `probelog xdp`).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/unique_fd.hpp"
#include "common/result.hpp"

namespace probelog::control {

std::string ok_response(std::string_view body);
std::string error_response(std::string_view message);

struct Response {
    bool ok = false;
    std::string text;  // the body, or the error message
};
Result<Response> parse_response(std::string_view text);

constexpr size_t kMaxRequestBytes = 1 << 20;

class ControlServer {
  public:
    // Returns the whole response for one request line.
    using Handler = std::function<std::string(std::string_view line)>;

    // Listens at `path` (mode 0600; the parent directory is created 0700 if
    // missing). Fails if another agent is listening there; removes a stale
    // socket. `option`: the flag that picks another path, for the errors.
    static Result<ControlServer> listen(const std::string& path, std::string_view option);

    ControlServer(ControlServer&& other) noexcept;
    ControlServer& operator=(ControlServer&&) = delete;
    ControlServer(const ControlServer&) = delete;
    ~ControlServer();

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // Accepts the pending connections and moves every client on as far as it
    // can without waiting: reads its request, answers, sends the answer. Never
    // blocks, so idle or slow clients cannot hold the event loop: call it when
    // the socket is readable and after every drain. A client that has not
    // sent its request and taken the answer `budget` after connecting is
    // dropped, and at most kMaxClients are served at once (more are told so).
    void serve(const Handler& handler,
               std::chrono::milliseconds budget = std::chrono::milliseconds(1000));
    // Clients connected and not done yet.
    size_t clients() const { return clients_.size(); }

    static constexpr size_t kMaxClients = 32;

  private:
    using Clock = std::chrono::steady_clock;
    struct Client {
        UniqueFd fd;
        std::string request;
        std::string response;  // set once answered
        size_t sent = 0;
        bool answered = false;
        bool refused = false;  // not root: the answer says so, whatever the request
        Clock::time_point deadline;
    };
    void accept_pending(std::chrono::milliseconds budget);
    // False once the client is done (answered, gone or failed).
    static bool progress(Client& client, const Handler& handler);

    ControlServer() = default;
    UniqueFd fd_;
    std::string path_;
    ino_t inode_ = 0;
    std::vector<Client> clients_;
};

// Sends one request line, returns the response. Errors say what to do: no
// socket (`agent`: how to start the agent that would listen), nobody
// listening, not root.
Result<Response> control_request(const std::string& path, std::string_view line,
                                 std::string_view agent,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace probelog::control
