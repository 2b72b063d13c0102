// The bind and tcp decoders on hand-built events: IPv4 and IPv6 addresses as
// text, Fluent Bit's raw address fields, failures, and malformed bytes.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "event_bytes.hpp"

extern "C" {
#include "bind.h"
#include "tcp.h"
}

namespace probelog::test {
namespace {

pl_sockaddr sockaddr_of(const char* text, uint16_t port, uint32_t scope = 0) {
    pl_sockaddr a{};
    a.port = port;
    a.scope_id = scope;
    if (inet_pton(AF_INET, text, a.addr) == 1) {
        a.family = PL_AF_INET;
    } else if (inet_pton(AF_INET6, text, a.addr) == 1) {
        a.family = PL_AF_INET6;
    }
    return a;
}

// ---- bind ----

pl_bind_event bind_event() {
    pl_bind_event e{};
    e.fd = 5;
    e.protocol = 6;
    e.sock_type = 1;
    e.sock_family = PL_AF_INET;
    e.addr = sockaddr_of("127.0.0.1", 8080);
    return e;
}

std::vector<std::byte> bytes_of(const pl_bind_event& e) {
    return event_bytes(e, PL_EVENT_BIND, PL_TRACE_BIND);
}

TEST(DecodeBind, IPv4WithEveryField) {
    Record r;
    auto event = bytes_of(bind_event());
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "bind");
    EXPECT_EQ(uint_of(r, "uid"), 1000u);
    EXPECT_EQ(uint_of(r, "gid"), 1001u);
    EXPECT_EQ(int_of(r, "fd"), 5);
    EXPECT_EQ(str_of(r, "addr"), "127.0.0.1");
    EXPECT_EQ(uint_of(r, "port"), 8080u);
    EXPECT_EQ(str_of(r, "family"), "AF_INET");
    EXPECT_EQ(uint_of(r, "bound_dev_if"), 0u);
    EXPECT_EQ(str_of(r, "protocol"), "tcp");
    EXPECT_EQ(str_of(r, "sock_type"), "stream");
    EXPECT_EQ(int_of(r, "error_raw"), 0);
    EXPECT_EQ(r.find("error"), nullptr);
    EXPECT_EQ(r.find("port_assigned"), nullptr);
    EXPECT_EQ(own_keys(r), (std::vector<std::string>{"fd", "addr", "port", "family", "bound_dev_if",
                                                     "protocol", "sock_type", "error_raw"}));
}

TEST(DecodeBind, IPv6LinkLocalWithScopeAndDevice) {
    pl_bind_event e = bind_event();
    e.addr = sockaddr_of("fe80::1", 53, 3);
    e.sock_family = PL_AF_INET6;
    e.protocol = 17;
    e.sock_type = 2;
    e.bound_dev_if = 3;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "addr"), "fe80::1%3");
    EXPECT_EQ(str_of(r, "family"), "AF_INET6");
    EXPECT_EQ(str_of(r, "protocol"), "udp");
    EXPECT_EQ(str_of(r, "sock_type"), "dgram");
    EXPECT_EQ(uint_of(r, "bound_dev_if"), 3u);
}

TEST(DecodeBind, FailedBindAndAssignedPort) {
    pl_bind_event e = bind_event();
    e.error_raw = 98;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "error_raw"), 98);
    EXPECT_EQ(str_of(r, "error"), "EADDRINUSE");

    e = bind_event();
    e.addr.port = 40000;
    e.flags = PL_BIND_F_PORT_FROM_SOCKET;
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(uint_of(r, "port"), 40000u);
    EXPECT_TRUE(bool_of(r, "port_assigned"));
}

TEST(DecodeBind, NotASocketAndOddFamilies) {
    pl_bind_event e = bind_event();
    e.flags = PL_BIND_F_NO_SOCKET;
    e.error_raw = 9;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("protocol"), nullptr);
    EXPECT_EQ(str_of(r, "error"), "EBADF");

    e = bind_event();
    e.addr.family = 0;  // AF_UNSPEC: no address text
    e.protocol = 99;    // no name: the number
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "family"), "AF_UNSPEC");
    EXPECT_EQ(str_of(r, "addr"), "");
    EXPECT_EQ(r.find("protocol"), nullptr);
    EXPECT_EQ(uint_of(r, "protocol_raw"), 99u);

    e.addr.family = 99;
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "family"), "AF_99");

    e = bind_event();
    e.flags = PL_BIND_F_ADDR_FAULT;
    event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_TRUE(bool_of(r, "addr_fault"));
}

TEST(DecodeBind, RejectsMalformed) {
    pl_bind_event e = bind_event();
    e.error_raw = -1;
    EXPECT_STREQ(decode_error(bytes_of(e)), "bind event error_raw negative");
    expect_every_wrong_size_rejected(bytes_of(bind_event()));
}

// ---- tcp ----

pl_tcp_event tcp_event(uint8_t syscall) {
    pl_tcp_event e{};
    e.fd = 3;
    e.new_fd = -1;
    e.syscall = syscall;
    e.local = sockaddr_of("127.0.0.1", 9000);
    return e;
}

TEST(DecodeTcp, Listen) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_LISTEN);
    e.backlog = 128;
    Record r;
    auto event = event_bytes(e, PL_EVENT_LISTEN, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "listen");
    EXPECT_EQ(int_of(r, "fd"), 3);
    EXPECT_EQ(int_of(r, "backlog"), 128);
    EXPECT_EQ(int_of(r, "error_raw"), 0);
    EXPECT_EQ(str_of(r, "local_addr"), "127.0.0.1");
    EXPECT_EQ(uint_of(r, "local_port"), 9000u);
    EXPECT_EQ(str_of(r, "family"), "AF_INET");
    EXPECT_EQ(own_keys(r), (std::vector<std::string>{"fd", "backlog", "error_raw", "local_addr",
                                                     "local_port", "family"}));
}

TEST(DecodeTcp, AcceptIPv4WithFluentBitRawFields) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_ACCEPT4);
    e.new_fd = 7;
    e.flags = 0x80000;
    e.remote = sockaddr_of("10.1.2.3", 51000);
    Record r;
    auto event = event_bytes(e, PL_EVENT_ACCEPT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "accept");
    EXPECT_EQ(int_of(r, "fd"), 3);
    EXPECT_EQ(int_of(r, "new_fd"), 7);
    EXPECT_EQ(uint_of(r, "peer_port"), 51000u);
    EXPECT_EQ(str_of(r, "peer_addr"), "10.1.2.3");
    EXPECT_EQ(uint_of(r, "peer_version"), 4u);
    uint32_t raw;  // Fluent Bit: the address bytes loaded as a host-order word
    std::memcpy(&raw, e.remote.addr, 4);
    EXPECT_EQ(uint_of(r, "peer_addr_v4"), raw);
    EXPECT_EQ(str_of(r, "syscall"), "accept4");
    EXPECT_EQ(uint_of(r, "flags"), 0x80000u);
    EXPECT_EQ(own_keys(r),
              (std::vector<std::string>{"fd", "new_fd", "peer_port", "peer_addr", "peer_version",
                                        "peer_addr_v4", "error_raw", "local_addr", "local_port",
                                        "syscall", "flags", "family"}));
}

TEST(DecodeTcp, FailedAcceptHasNoPeer) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_ACCEPT);
    e.error_raw = 24;
    Record r;
    auto event = event_bytes(e, PL_EVENT_ACCEPT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(int_of(r, "new_fd"), -1);
    EXPECT_EQ(str_of(r, "peer_addr"), "");
    EXPECT_EQ(uint_of(r, "peer_port"), 0u);
    EXPECT_EQ(uint_of(r, "peer_version"), 0u);
    EXPECT_EQ(str_of(r, "error"), "EMFILE");
    EXPECT_EQ(r.find("flags"), nullptr);
}

TEST(DecodeTcp, ConnectIPv6RefusedWithRawWords) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    e.local = sockaddr_of("::1", 40000);
    e.remote = sockaddr_of("2001:db8::42", 443);
    e.error_raw = 111;
    Record r;
    auto event = event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "connect");
    EXPECT_EQ(uint_of(r, "remote_port"), 443u);
    EXPECT_EQ(str_of(r, "remote_addr"), "2001:db8::42");
    EXPECT_EQ(uint_of(r, "remote_version"), 6u);
    uint32_t words[4];
    std::memcpy(words, e.remote.addr, 16);
    EXPECT_EQ(uint_of(r, "remote_addr_v6_0"), words[0]);
    EXPECT_EQ(uint_of(r, "remote_addr_v6_3"), words[3]);
    EXPECT_EQ(r.find("remote_addr_v4"), nullptr);
    EXPECT_EQ(int_of(r, "error_raw"), 111);
    EXPECT_EQ(str_of(r, "error"), "ECONNREFUSED");
    EXPECT_EQ(str_of(r, "local_addr"), "::1");
    EXPECT_EQ(str_of(r, "stage"), "exit");
    EXPECT_EQ(r.find("state"), nullptr);
    EXPECT_EQ(str_of(r, "family"), "AF_INET6");
}

TEST(DecodeTcp, HandshakeOutcomeOfANonBlockingConnect) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    e.remote = sockaddr_of("127.0.0.1", 1);
    e.stage = PL_TCP_STAGE_HANDSHAKE;
    e.state = 7;  // TCP_CLOSE
    e.error_raw = 111;
    Record r;
    auto event = event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "stage"), "handshake");
    EXPECT_EQ(str_of(r, "state"), "CLOSE");
    EXPECT_EQ(str_of(r, "error"), "ECONNREFUSED");
    e.state = 1;
    e.error_raw = 0;
    event = event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "state"), "ESTABLISHED");
}

TEST(DecodeTcp, InterruptedConnectNamesTheKernelRestartCode) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    e.error_raw = 512;
    Record r;
    auto event = event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "error"), "ERESTARTSYS");
}

TEST(DecodeTcp, RejectsEventsThatContradictThemselves) {
    pl_tcp_event e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_LISTEN, PL_TRACE_TCP)),
                 "listen event from another syscall");
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_ACCEPT, PL_TRACE_TCP)),
                 "accept event from another syscall");
    e = tcp_event(PL_TCP_SYSCALL_LISTEN);
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP)),
                 "connect event from another syscall");
    e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    e.stage = 9;
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP)),
                 "tcp event stage out of range");
    e.stage = PL_TCP_STAGE_HANDSHAKE;
    e.state = 200;
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP)),
                 "connect event state out of range");
    e = tcp_event(PL_TCP_SYSCALL_LISTEN);
    e.stage = PL_TCP_STAGE_HANDSHAKE;
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_LISTEN, PL_TRACE_TCP)),
                 "listen event from another syscall");
    e = tcp_event(PL_TCP_SYSCALL_CONNECT);
    e.error_raw = -111;
    EXPECT_STREQ(decode_error(event_bytes(e, PL_EVENT_CONNECT, PL_TRACE_TCP)),
                 "tcp event error_raw negative");
}

TEST(DecodeTcp, RejectsEveryWrongSize) {
    for (uint16_t type : {PL_EVENT_LISTEN, PL_EVENT_ACCEPT, PL_EVENT_CONNECT}) {
        uint8_t syscall = type == PL_EVENT_LISTEN   ? PL_TCP_SYSCALL_LISTEN
                          : type == PL_EVENT_ACCEPT ? PL_TCP_SYSCALL_ACCEPT
                                                    : PL_TCP_SYSCALL_CONNECT;
        expect_every_wrong_size_rejected(event_bytes(tcp_event(syscall), type, PL_TRACE_TCP));
    }
}

}  // namespace
}  // namespace probelog::test
