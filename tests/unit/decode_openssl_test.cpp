// The openssl decoder on hand-built events: a read with its socket and
// plaintext, a handshake, and bytes that lie about themselves.
#include <gtest/gtest.h>

#include "event_bytes.hpp"

extern "C" {
#include "openssl_event.h"
}

namespace probelog::test {
namespace {

pl_tls_event read_event() {
    pl_tls_event e{};
    e.ssl_ptr = 0x5555deadbeef;
    e.latency_ns = 12345;
    e.bytes = 10;
    e.requested = 16384;
    e.ret = 10;
    e.fd = 6;
    e.op = PL_TLS_READ;
    e.flags = PL_TLS_F_HAS_FD | PL_TLS_F_HAS_PEER;
    e.peer.family = PL_AF_INET;
    e.peer.port = 443;
    e.peer.addr[0] = 127;
    e.peer.addr[3] = 1;
    e.local.family = PL_AF_INET;
    e.local.port = 50000;
    e.local.addr[0] = 127;
    e.local.addr[3] = 1;
    return e;
}

// The event with `data` after it, as the BPF program sends it.
std::vector<std::byte> bytes_of(pl_tls_event e, std::string_view data = {}) {
    e.captured = static_cast<uint16_t>(data.size());
    auto bytes =
        event_bytes(e, static_cast<uint16_t>(PL_EVENT_TLS_HANDSHAKE + e.op), PL_TRACE_OPENSSL);
    size_t fixed = bytes.size();
    bytes.resize(fixed + data.size());
    if (!data.empty()) std::memcpy(bytes.data() + fixed, data.data(), data.size());
    return resized(std::move(bytes), fixed + data.size());
}

TEST(DecodeTls, AReadWithItsSocketAndPlaintext) {
    Record r;
    auto event = bytes_of(read_event(), "HTTP/1.1\r\n");
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "tls_read");
    EXPECT_EQ(str_of(r, "trace"), "openssl_tls_read");
    EXPECT_EQ(str_of(r, "function"), "SSL_read");
    EXPECT_EQ(uint_of(r, "ssl_ptr"), 0x5555deadbeefu);
    EXPECT_EQ(int_of(r, "latency_ns"), 12345);
    EXPECT_EQ(int_of(r, "ret"), 10);
    EXPECT_EQ(uint_of(r, "bytes"), 10u);
    EXPECT_EQ(uint_of(r, "requested"), 16384u);
    EXPECT_EQ(int_of(r, "fd"), 6);
    EXPECT_EQ(str_of(r, "peer_addr"), "127.0.0.1");
    EXPECT_EQ(uint_of(r, "peer_port"), 443u);
    EXPECT_EQ(str_of(r, "local_addr"), "127.0.0.1");
    EXPECT_EQ(uint_of(r, "local_port"), 50000u);
    const Field* data = r.find("data");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->value.kind, ValueKind::Text);
    EXPECT_EQ(data->value.str, "HTTP/1.1\r\n");
    EXPECT_EQ(r.find("data_truncated"), nullptr);

    auto cut = bytes_of(read_event(), "HTTP/");
    Record r2;
    ASSERT_EQ(decode_bytes(cut, r2), nullptr);
    EXPECT_TRUE(bool_of(r2, "data_truncated"));
}

TEST(DecodeTls, AHandshakeHasNoBytesNorSocketWithoutAnFd) {
    pl_tls_event e = read_event();
    e.op = PL_TLS_HANDSHAKE;
    e.flags = 0;
    e.ret = 1;
    Record r;
    auto event = bytes_of(e);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "tls_handshake");
    EXPECT_EQ(str_of(r, "function"), "SSL_do_handshake");
    EXPECT_EQ(r.find("bytes"), nullptr);
    EXPECT_EQ(r.find("fd"), nullptr);
    EXPECT_EQ(r.find("peer_addr"), nullptr);
    EXPECT_EQ(r.find("data"), nullptr);
}

TEST(DecodeTls, MalformedEventsAreRefused) {
    pl_tls_event e = read_event();
    e.op = PL_TLS_WRITE;  // but sent as a read
    auto event = bytes_of(e);
    uint16_t read_type = PL_EVENT_TLS_READ;
    std::memcpy(event.data() + offsetof(pl_event_header, type), &read_type, sizeof(read_type));
    EXPECT_STREQ(decode_error(event), "tls event operation does not match its type");

    event = bytes_of(read_event(), "abc");
    uint16_t more = 4;  // claims a byte it does not have
    std::memcpy(event.data() + offsetof(pl_tls_event, captured), &more, sizeof(more));
    EXPECT_STREQ(decode_error(event), "tls event captured bytes do not match its size");

    e = read_event();
    e.op = PL_TLS_SHUTDOWN;
    e.flags = PL_TLS_F_EX;
    EXPECT_STREQ(decode_error(bytes_of(e)), "tls event _ex flag on a call without one");

    event = resized(bytes_of(read_event()), sizeof(pl_tls_event) - 8);
    EXPECT_STREQ(decode_error(event), "tls event shorter than pl_tls_event");
}

}  // namespace
}  // namespace probelog::test
