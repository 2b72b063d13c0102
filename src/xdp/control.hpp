#pragma once
// The XDP control socket: `probelog xdp block|unblock|list|stats` talking to a
// running agent. A Unix stream socket (mode 0600, root only); one request per
// connection, one line of text:
//
//   block PREFIX...     unblock PREFIX...     list     stats
//
// and the answer until the server closes the connection: "ok\n" then the text
// to show, or "error: MESSAGE\n".

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/unique_fd.hpp"
#include "common/result.hpp"
#include "xdp/address.hpp"

namespace probelog::xdp {

enum class Verb : uint8_t { Block, Unblock, List, Stats };

struct Request {
    Verb verb = Verb::List;
    std::vector<Prefix> prefixes;  // block, unblock
};

// Parses a request line (also what the client validates before sending).
Result<Request> parse_request(std::string_view line);
// The request line for `words` ("block", "10.0.0.0/8", ...), validated.
Result<std::string> request_line(const std::vector<std::string>& words);

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
    // missing). Fails if another agent is listening there; removes a stale socket.
    static Result<ControlServer> listen(const std::string& path);

    ControlServer(ControlServer&& other) noexcept;
    ControlServer& operator=(ControlServer&&) = delete;
    ControlServer(const ControlServer&) = delete;
    ~ControlServer();

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // Answers every pending connection. A client has up to `budget` to send its
    // request and take the answer, so the event loop is never held longer.
    void serve(const Handler& handler,
               std::chrono::milliseconds budget = std::chrono::milliseconds(1000));

  private:
    ControlServer() = default;
    UniqueFd fd_;
    std::string path_;
    ino_t inode_ = 0;
};

// Sends one request line, returns the response. Errors say what to do: no
// socket, nobody listening, not root.
Result<Response> control_request(const std::string& path, std::string_view line,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace probelog::xdp
