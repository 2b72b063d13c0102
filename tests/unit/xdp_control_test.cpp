// The XDP control socket: the request and response text, and a real server and
// client over a Unix socket in /tmp (no root needed: a non-root peer gets the
// "root only" answer, which is checked too).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <thread>

#include "xdp/control.hpp"

namespace probelog::xdp {
namespace {

using control::ControlServer;
using control::parse_response;
using control::Response;

Result<Response> control_request(const std::string& path, std::string_view line,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return control::control_request(path, line, "probelog --xdp", timeout);
}

std::string temp_socket(std::string_view tag) {
    return "/tmp/probelog-ctl-" + std::string(tag) + "-" + std::to_string(getpid()) + ".sock";
}

// Runs the client in a thread and serves it from this one.
Result<Response> round_trip(ControlServer& server, const std::string& line,
                            const ControlServer::Handler& handler) {
    auto client = std::async(std::launch::async, [&] {
        return control_request(server.path(), line, std::chrono::seconds(5));
    });
    // As the agent's loop does: on the socket's readiness, and at every tick.
    while (client.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
        pollfd p{server.fd(), POLLIN, 0};
        (void)poll(&p, 1, 10);
        server.serve(handler);
    }
    return client.get();
}

TEST(XdpControl, RequestsAreParsedAndValidated) {
    auto r = parse_request("block 10.1.2.0/24  2001:db8::1\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->verb, Verb::Block);
    ASSERT_EQ(r->prefixes.size(), 2u);
    EXPECT_EQ(to_string(r->prefixes[1]), "2001:db8::1");
    EXPECT_EQ(parse_request("unblock ::/0")->verb, Verb::Unblock);
    EXPECT_EQ(parse_request("list")->verb, Verb::List);
    EXPECT_EQ(parse_request(" stats ")->verb, Verb::Stats);

    EXPECT_EQ(parse_request("").error().message,
              "empty request (expected block, unblock, list or stats)");
    EXPECT_EQ(parse_request("drop 1.2.3.4").error().message,
              "unknown command 'drop' (expected block, unblock, list or stats)");
    EXPECT_EQ(parse_request("block").error().message,
              "block: expected at least one address or prefix (e.g. block 10.1.2.0/24)");
    EXPECT_EQ(parse_request("list all").error().message, "list: takes no arguments");
    EXPECT_EQ(parse_request("block 10.1.2.3/24").error().message,
              "'10.1.2.3/24' has bits set past the prefix length (did you mean 10.1.2.0/24?)");
    EXPECT_EQ(*request_line({"block", "10.0.0.0/8", "::1"}), "block 10.0.0.0/8 ::1\n");
    EXPECT_FALSE(request_line({"block", "x"}).ok());
}

TEST(XdpControl, ResponsesRoundTrip) {
    auto ok = parse_response(ok_response("line one\nline two"));
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(ok->ok);
    EXPECT_EQ(ok->text, "line one\nline two\n");
    EXPECT_EQ(parse_response(ok_response(""))->text, "");
    auto err = parse_response(error_response("bad\nthing"));
    ASSERT_TRUE(err.ok());
    EXPECT_FALSE(err->ok);
    EXPECT_EQ(err->text, "bad thing");
    EXPECT_FALSE(parse_response("HTTP/1.1 200 OK\r\n").ok());
}

TEST(XdpControl, ServerAndClientOverAUnixSocket) {
    std::string path = temp_socket("rt");
    auto server = ControlServer::listen(path, "--xdp-socket");
    ASSERT_TRUE(server.ok()) << server.error().message;
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    std::string seen;
    auto handler = [&](std::string_view line) {
        seen = line;
        return ok_response("blocked 10.0.0.0/8");
    };
    auto r = round_trip(*server, "block 10.0.0.0/8", handler);
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (geteuid() == 0) {
        EXPECT_TRUE(r->ok);
        EXPECT_EQ(r->text, "blocked 10.0.0.0/8\n");
        EXPECT_EQ(seen, "block 10.0.0.0/8");
    } else {
        EXPECT_FALSE(r->ok);
        EXPECT_EQ(r->text, "the control socket is root only");
    }
}

// Idle clients (issue 20, defect 1): a serve() never waits for one, an idle
// one is dropped after its budget, and a real request among them is answered.
TEST(XdpControl, IdleClientsNeverHoldTheServer) {
    std::string path = temp_socket("idle");
    auto server = ControlServer::listen(path, "--xdp-socket");
    ASSERT_TRUE(server.ok()) << server.error().message;
    auto handler = [](std::string_view) { return ok_response("fine"); };
    // 18 clients connect and say nothing; the server is served as the agent's
    // loop would (the socket's backlog is short), and never waits for one.
    std::vector<UniqueFd> idle;
    std::chrono::steady_clock::duration serving{};
    for (int i = 0; i < 18; ++i) {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.data(), path.size());
        ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0)
            << std::strerror(errno);
        idle.push_back(std::move(fd));
        auto started = std::chrono::steady_clock::now();
        server->serve(handler, std::chrono::milliseconds(300));
        serving += std::chrono::steady_clock::now() - started;
    }
    EXPECT_LT(serving, std::chrono::milliseconds(100));  // 18 idle clients: no waiting
    EXPECT_EQ(server->clients(), 18u);
    auto r = round_trip(*server, "list", handler);  // answered among the idle ones
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    server->serve(handler);
    EXPECT_EQ(server->clients(), 0u);  // the idle ones were dropped after their budget
}

TEST(XdpControl, OneAgentPerSocketAndStaleSocketsAreReplaced) {
    std::string path = temp_socket("one");
    {
        auto first = ControlServer::listen(path, "--xdp-socket");
        ASSERT_TRUE(first.ok()) << first.error().message;
        auto second = ControlServer::listen(path, "--xdp-socket");
        ASSERT_FALSE(second.ok());
        EXPECT_EQ(second.error().message, "another probelog is already listening at " + path +
                                              " (stop it or pick another --xdp-socket)");
    }
    // The server removed its socket.
    EXPECT_NE(access(path.c_str(), F_OK), 0);
    EXPECT_EQ(control_request(path, "list").error().message,
              "no probelog agent is listening at " + path + " (is probelog --xdp running?)");

    // A socket nobody listens on (its agent was killed): the client says so, a
    // new agent takes the path over.
    {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        close(fd);
    }
    EXPECT_EQ(control_request(path, "list").error().message,
              "no probelog agent is listening at " + path +
                  " (the socket is left over from an agent that is gone)");
    auto again = ControlServer::listen(path, "--xdp-socket");
    EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST(XdpControl, APathThatIsNotASocketIsLeftAlone) {
    std::string path = temp_socket("file");
    {
        FILE* f = fopen(path.c_str(), "w");
        fclose(f);
    }
    auto server = ControlServer::listen(path, "--xdp-socket");
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.error().message,
              path + " exists and is not a socket: remove it or pick another --xdp-socket");
    unlink(path.c_str());
}

}  // namespace
}  // namespace probelog::xdp
