// The bind and tcp traces end to end: this test binds, listens, connects and
// accepts on loopback itself, and matches records on its own pid and the ports
// it chose (other tracing on the machine does not disturb it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "run_probelog.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

const uint64_t kSelf = static_cast<uint64_t>(getpid());

struct Addr {
    sockaddr_storage ss{};
    socklen_t len = 0;
};

Addr loopback(int family, uint16_t port) {
    Addr a;
    if (family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.len = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = in6addr_loopback;
        a.len = sizeof(sockaddr_in6);
    }
    return a;
}

const char* loopback_text(int family) {
    return family == AF_INET ? "127.0.0.1" : "::1";
}

uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

// A loopback port nobody uses right now (the kernel's pick, then released).
uint16_t free_port(int family, int type = SOCK_STREAM) {
    int fd = socket(family, type, 0);
    Addr a = loopback(family, 0);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len), 0);
    uint16_t port = local_port(fd);
    close(fd);
    return port;
}

int bind_to(int fd, int family, uint16_t port) {
    Addr a = loopback(family, port);
    return bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) == 0 ? 0 : errno;
}

int connect_to(int fd, int family, uint16_t port) {
    Addr a = loopback(family, port);
    return connect(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) == 0 ? 0 : errno;
}

std::vector<const JsonRecord*> with(const std::vector<const JsonRecord*>& records,
                                    const char* field, uint64_t value) {
    std::vector<const JsonRecord*> out;
    for (const JsonRecord* r : records) {
        if (r->unum(field) == value) out.push_back(r);
    }
    return out;
}

void expect_common(const JsonRecord& r) {
    EXPECT_EQ(r.unum("pid"), kSelf);
    EXPECT_EQ(r.unum("tid"), static_cast<uint64_t>(gettid()));
    EXPECT_EQ(r.unum("ppid"), static_cast<uint64_t>(getppid()));
    EXPECT_EQ(r.unum("uid"), static_cast<uint64_t>(getuid()));
    EXPECT_EQ(r.unum("gid"), static_cast<uint64_t>(getgid()));
    EXPECT_EQ(r.str("comm"), "e2e_tests");
}

TEST(BindE2E, IPv4AndIPv6OnChosenPortsAndAFailingBind) {
    PROBELOG_REQUIRE_ROOT();
    uint16_t port4 = free_port(AF_INET);  // chosen before tracing: their binds are not the test's
    uint16_t port6 = free_port(AF_INET6, SOCK_DGRAM);
    auto p = start_probelog({"--trace", "bind", "-o", "json", "--poll-ms", "20"});

    int tcp4 = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(bind_to(tcp4, AF_INET, port4), 0);
    int clash = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(bind_to(clash, AF_INET, port4), EADDRINUSE);
    int udp6 = socket(AF_INET6, SOCK_DGRAM, 0);
    ASSERT_EQ(bind_to(udp6, AF_INET6, port6), 0);
    // Port 0: the record has the port the kernel picked.
    int any = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(bind_to(any, AF_INET, 0), 0);
    uint16_t picked = local_port(any);
    // SO_BINDTODEVICE before bind: bound_dev_if is the interface.
    int dev = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_EQ(setsockopt(dev, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3), 0);
    ASSERT_EQ(bind_to(dev, AF_INET, 0), 0);
    uint16_t dev_port = local_port(dev);
    // Not an inet socket: not a bind record.
    int unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::string path = "/tmp/" + unique_token("bind").substr(0, 60);
    std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
    ASSERT_EQ(bind(unix_fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)), 0);
    unlink(path.c_str());
    auto records = stop_and_parse(*p);
    for (int fd : {tcp4, clash, udp6, any, dev, unix_fd})
        close(fd);

    auto binds = of(records, "bind", getpid());
    auto v4 = with(binds, "fd", static_cast<uint64_t>(tcp4));
    ASSERT_EQ(v4.size(), 1u) << p->out();
    expect_common(*v4[0]);
    EXPECT_EQ(v4[0]->str("addr"), "127.0.0.1");
    EXPECT_EQ(v4[0]->unum("port"), port4);
    EXPECT_EQ(v4[0]->str("family"), "AF_INET");
    EXPECT_EQ(v4[0]->str("protocol"), "tcp");
    EXPECT_EQ(v4[0]->str("sock_type"), "stream");
    EXPECT_EQ(v4[0]->unum("bound_dev_if"), 0u);
    EXPECT_EQ(v4[0]->num("error_raw"), 0);
    EXPECT_FALSE(v4[0]->has("error"));
    EXPECT_FALSE(v4[0]->has("port_assigned"));

    auto failed = with(binds, "fd", static_cast<uint64_t>(clash));
    ASSERT_EQ(failed.size(), 1u) << p->out();
    EXPECT_EQ(failed[0]->str("addr"), "127.0.0.1");
    EXPECT_EQ(failed[0]->unum("port"), port4);
    EXPECT_EQ(failed[0]->num("error_raw"), EADDRINUSE);
    EXPECT_EQ(failed[0]->str("error"), "EADDRINUSE");

    auto v6 = with(binds, "fd", static_cast<uint64_t>(udp6));
    ASSERT_EQ(v6.size(), 1u) << p->out();
    expect_common(*v6[0]);
    EXPECT_EQ(v6[0]->str("addr"), "::1");
    EXPECT_EQ(v6[0]->unum("port"), port6);
    EXPECT_EQ(v6[0]->str("family"), "AF_INET6");
    EXPECT_EQ(v6[0]->str("protocol"), "udp");
    EXPECT_EQ(v6[0]->num("error_raw"), 0);

    auto assigned = with(binds, "fd", static_cast<uint64_t>(any));
    ASSERT_EQ(assigned.size(), 1u) << p->out();
    EXPECT_EQ(assigned[0]->unum("port"), picked);
    EXPECT_TRUE(assigned[0]->boolean("port_assigned"));

    auto on_dev = with(binds, "fd", static_cast<uint64_t>(dev));
    ASSERT_EQ(on_dev.size(), 1u) << p->out();
    EXPECT_EQ(on_dev[0]->unum("bound_dev_if"), if_nametoindex("lo"));
    EXPECT_EQ(on_dev[0]->unum("port"), dev_port);

    EXPECT_TRUE(with(binds, "fd", static_cast<uint64_t>(unix_fd)).empty()) << p->out();
}

// listen, connect and accept on one address family, asserted field by field.
void listen_connect_accept(int family) {
    auto p = start_probelog({"--trace", "tcp", "-o", "json", "--poll-ms", "20"});
    uint16_t port = free_port(family);
    int server = socket(family, SOCK_STREAM, 0);
    ASSERT_EQ(bind_to(server, family, port), 0);
    ASSERT_EQ(listen(server, 17), 0);
    int client = socket(family, SOCK_STREAM, 0);
    ASSERT_EQ(connect_to(client, family, port), 0);
    uint16_t client_port = local_port(client);
    int conn = accept(server, nullptr, nullptr);  // no peer buffer: the peer comes from the kernel
    ASSERT_GE(conn, 0);
    auto records = stop_and_parse(*p);
    for (int fd : {conn, client, server})
        close(fd);
    const uint64_t version = family == AF_INET ? 4 : 6;
    const char* family_name = family == AF_INET ? "AF_INET" : "AF_INET6";

    auto listens = with(of(records, "listen", getpid()), "local_port", port);
    ASSERT_EQ(listens.size(), 1u) << p->out();
    const JsonRecord& l = *listens[0];
    expect_common(l);
    EXPECT_EQ(l.num("fd"), server);
    EXPECT_EQ(l.num("backlog"), 17);
    EXPECT_EQ(l.num("error_raw"), 0);
    EXPECT_EQ(l.str("local_addr"), loopback_text(family));
    EXPECT_EQ(l.str("family"), family_name);

    auto connects = with(of(records, "connect", getpid()), "remote_port", port);
    ASSERT_EQ(connects.size(), 1u) << p->out();
    const JsonRecord& c = *connects[0];
    expect_common(c);
    EXPECT_EQ(c.num("fd"), client);
    EXPECT_EQ(c.str("remote_addr"), loopback_text(family));
    EXPECT_EQ(c.unum("remote_version"), version);
    EXPECT_EQ(c.num("error_raw"), 0);
    EXPECT_FALSE(c.has("error"));
    EXPECT_EQ(c.str("local_addr"), loopback_text(family));
    EXPECT_EQ(c.unum("local_port"), client_port);
    EXPECT_EQ(c.str("stage"), "exit");

    auto accepts = with(of(records, "accept", getpid()), "local_port", port);
    ASSERT_EQ(accepts.size(), 1u) << p->out();
    const JsonRecord& a = *accepts[0];
    expect_common(a);
    EXPECT_EQ(a.num("fd"), server);
    EXPECT_EQ(a.num("new_fd"), conn);
    EXPECT_EQ(a.str("peer_addr"), loopback_text(family));
    EXPECT_EQ(a.unum("peer_port"), client_port);
    EXPECT_EQ(a.unum("peer_version"), version);
    EXPECT_EQ(a.num("error_raw"), 0);
    EXPECT_EQ(a.str("local_addr"), loopback_text(family));
    if (family == AF_INET) {
        EXPECT_EQ(a.unum("peer_addr_v4"), htonl(INADDR_LOOPBACK));  // Fluent Bit's raw word
    } else {
        EXPECT_EQ(a.unum("peer_addr_v6_3"), htonl(1));
    }
}

TEST(TcpE2E, ListenConnectAcceptIPv4) {
    PROBELOG_REQUIRE_ROOT();
    listen_connect_accept(AF_INET);
}

TEST(TcpE2E, ListenConnectAcceptIPv6) {
    PROBELOG_REQUIRE_ROOT();
    listen_connect_accept(AF_INET6);
}

TEST(TcpE2E, RefusedConnectBothFamilies) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "tcp", "-o", "json", "--poll-ms", "20"});
    std::vector<std::pair<int, uint16_t>> tries;
    for (int family : {AF_INET, AF_INET6}) {
        uint16_t port = free_port(family);  // nobody listens there
        int fd = socket(family, SOCK_STREAM, 0);
        EXPECT_EQ(connect_to(fd, family, port), ECONNREFUSED);
        close(fd);
        tries.emplace_back(fd, port);
    }
    auto records = stop_and_parse(*p);
    for (size_t i = 0; i < tries.size(); ++i) {
        auto mine = with(of(records, "connect", getpid()), "remote_port", tries[i].second);
        ASSERT_EQ(mine.size(), 1u) << p->out();
        EXPECT_EQ(mine[0]->num("fd"), tries[i].first);
        EXPECT_EQ(mine[0]->num("error_raw"), 111);
        EXPECT_EQ(mine[0]->str("error"), "ECONNREFUSED");
        EXPECT_EQ(mine[0]->str("remote_addr"), i == 0 ? "127.0.0.1" : "::1");
        EXPECT_EQ(mine[0]->str("stage"), "exit");
    }
}

TEST(TcpE2E, NonBlockingConnectReportsEinprogressThenTheHandshake) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "tcp", "-o", "json", "--poll-ms", "20"});
    uint16_t open_port = free_port(AF_INET);
    int server = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(bind_to(server, AF_INET, open_port), 0);
    ASSERT_EQ(listen(server, 4), 0);
    uint16_t closed_port = free_port(AF_INET);

    std::vector<int> fds;
    for (uint16_t port : {open_port, closed_port}) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        EXPECT_EQ(connect_to(fd, AF_INET, port), EINPROGRESS);
        pollfd pfd{fd, POLLOUT, 0};
        EXPECT_EQ(poll(&pfd, 1, 10'000), 1);  // the handshake is over (either way)
        fds.push_back(fd);
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    getsockopt(fds[1], SOL_SOCKET, SO_ERROR, &so_error, &len);
    EXPECT_EQ(so_error, ECONNREFUSED);
    auto records = stop_and_parse(*p);
    for (int fd : fds)
        close(fd);
    close(server);

    for (uint16_t port : {open_port, closed_port}) {
        auto mine = with(of(records, "connect", getpid()), "remote_port", port);
        ASSERT_EQ(mine.size(), 2u) << p->out();
        // Order within one cpu is the kernel's; match each stage by name.
        const JsonRecord* exit = mine[0]->str("stage") == "exit" ? mine[0] : mine[1];
        const JsonRecord* handshake = mine[0]->str("stage") == "exit" ? mine[1] : mine[0];
        EXPECT_EQ(exit->str("stage"), "exit");
        EXPECT_EQ(exit->num("error_raw"), EINPROGRESS);
        EXPECT_EQ(exit->str("error"), "EINPROGRESS");
        ASSERT_EQ(handshake->str("stage"), "handshake");
        expect_common(*handshake);  // the connecting task, not whoever ran the softirq
        EXPECT_EQ(handshake->num("fd"), exit->num("fd"));
        EXPECT_EQ(handshake->str("remote_addr"), "127.0.0.1");
        if (port == open_port) {
            EXPECT_EQ(handshake->str("state"), "ESTABLISHED");
            EXPECT_EQ(handshake->num("error_raw"), 0);
        } else {
            EXPECT_EQ(handshake->str("state"), "CLOSE");
            EXPECT_EQ(handshake->num("error_raw"), ECONNREFUSED);
        }
    }
}

TEST(TcpE2E, UdpUnixAndOtherSocketsAreNotTcp) {
    PROBELOG_REQUIRE_ROOT();
    auto p = start_probelog({"--trace", "tcp", "-o", "json", "--poll-ms", "20"});
    uint16_t port = free_port(AF_INET, SOCK_DGRAM);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_EQ(connect_to(udp, AF_INET, port), 0);  // UDP connect: not a TCP connect
    int udp6 = socket(AF_INET6, SOCK_DGRAM, 0);
    ASSERT_EQ(connect_to(udp6, AF_INET6, port), 0);
    EXPECT_NE(listen(udp, 5), 0);  // EOPNOTSUPP, and not a TCP listen either
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    EXPECT_NE(listen(pair[0], 5), 0);
    // A TCP connect afterwards shows the trace was running.
    uint16_t closed = free_port(AF_INET);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(connect_to(tcp, AF_INET, closed), ECONNREFUSED);
    auto records = stop_and_parse(*p);
    for (int fd : {udp, udp6, pair[0], pair[1], tcp})
        close(fd);

    auto connects = of(records, "connect", getpid());
    EXPECT_TRUE(with(connects, "remote_port", port).empty()) << p->out();
    EXPECT_EQ(with(connects, "remote_port", closed).size(), 1u) << p->out();
    for (int fd : {udp, pair[0]}) {
        EXPECT_TRUE(with(of(records, "listen", getpid()), "fd", static_cast<uint64_t>(fd)).empty())
            << p->out();
    }
}

}  // namespace
}  // namespace probelog::test
