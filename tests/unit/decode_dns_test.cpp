// The dns decoder on hand-built messages: a query, a response with CNAME,
// A and AAAA answers behind compression pointers, NXDOMAIN, a copy the kernel
// cut, messages that lie about their lengths, and events that lie about
// their size.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "event_bytes.hpp"

extern "C" {
#include "dns_event.h"
}

namespace probelog::test {
namespace {

using Msg = std::vector<uint8_t>;

void put16(Msg& m, uint16_t v) {
    m.push_back(static_cast<uint8_t>(v >> 8));
    m.push_back(static_cast<uint8_t>(v));
}

// "a.test" -> 1 'a' 4 't' 'e' 's' 't' 0
void put_name(Msg& m, const std::string& name) {
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        m.push_back(static_cast<uint8_t>(dot - start));
        m.insert(m.end(), name.begin() + static_cast<long>(start),
                 name.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    m.push_back(0);
}

Msg header(uint16_t txid, uint16_t flags, uint16_t qd, uint16_t an) {
    Msg m;
    put16(m, txid);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
    return m;
}

Msg query(uint16_t txid, const std::string& name, uint16_t type) {
    Msg m = header(txid, 0x0100, 1, 0);
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
    return m;
}

// One answer whose owner is a pointer to offset 12 (the question's name).
void put_answer(Msg& m, uint16_t type, const Msg& rdata) {
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 60);
    put16(m, static_cast<uint16_t>(rdata.size()));
    m.insert(m.end(), rdata.begin(), rdata.end());
}

// c.test: CNAME real.test, real.test A 10.1.2.4, AAAA fd00::5.
Msg cname_response(uint16_t txid) {
    Msg m = header(txid, 0x8580, 1, 3);
    put_name(m, "c.test");
    put16(m, 1);
    put16(m, 1);
    Msg target;
    put_name(target, "real.test");
    put_answer(m, 5, target);
    put_answer(m, 1, {10, 1, 2, 4});
    Msg v6(16, 0);
    v6[0] = 0xfd;
    v6[15] = 5;
    put_answer(m, 28, v6);
    return m;
}

pl_dns_event base_event(bool response) {
    pl_dns_event e{};
    e.sock = 0xffff888812345678;
    e.syscall = response ? PL_DNS_SYS_RECVMSG : PL_DNS_SYS_SENDMMSG;
    e.flags = response ? PL_DNS_F_RESPONSE | PL_DNS_F_PAIRED : 0;
    e.latency_ns = response ? 250'000 : 0;
    e.server.family = PL_AF_INET;
    e.server.port = 53;
    e.server.addr[0] = 127;
    e.server.addr[3] = 1;
    return e;
}

// The event carrying the first `captured` bytes of `msg` (all by default).
std::vector<std::byte> bytes_of(pl_dns_event e, const Msg& msg, size_t captured = SIZE_MAX) {
    captured = std::min(captured, msg.size());
    e.msg_len = static_cast<uint32_t>(msg.size());
    e.captured = static_cast<uint16_t>(captured);
    e.txid = msg.size() >= 2 ? static_cast<uint16_t>((msg[0] << 8) | msg[1]) : 0;
    auto bytes = event_bytes(e, PL_EVENT_DNS, PL_TRACE_DNS);
    size_t fixed = bytes.size();
    bytes.resize(fixed + captured);
    if (captured != 0) std::memcpy(bytes.data() + fixed, msg.data(), captured);
    return resized(std::move(bytes), fixed + captured);
}

std::vector<std::string> answers_of(const Record& r) {
    std::vector<std::string> out;
    const Field* f = r.find("answers");
    if (f == nullptr || f->value.kind != ValueKind::StrList) return {"<missing>"};
    StrListView(f->value.str, f->value.count).for_each([&](std::string_view s) {
        out.emplace_back(s);
    });
    return out;
}

TEST(DecodeDns, AQueryWithFluentBitsFields) {
    Record r;
    auto event = bytes_of(base_event(false), query(0x1234, "www.example.test", 28));
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "dns");
    EXPECT_EQ(str_of(r, "query"), "www.example.test");
    EXPECT_EQ(uint_of(r, "query_type"), 28u);
    EXPECT_EQ(str_of(r, "query_type_name"), "AAAA");
    EXPECT_EQ(uint_of(r, "txid"), 0x1234u);
    EXPECT_EQ(uint_of(r, "response"), 0u);
    EXPECT_EQ(uint_of(r, "rcode"), 0u);
    EXPECT_EQ(uint_of(r, "latency_ns"), 0u);
    EXPECT_EQ(int_of(r, "error_raw"), 0);
    EXPECT_EQ(str_of(r, "server_addr"), "127.0.0.1");
    EXPECT_EQ(uint_of(r, "server_port"), 53u);
    EXPECT_EQ(str_of(r, "protocol"), "udp");
    EXPECT_EQ(str_of(r, "syscall"), "sendmmsg");
    EXPECT_EQ(r.find("answers"), nullptr);
    EXPECT_EQ(r.find("rcode_name"), nullptr);
    for (const char* flag : {"unpaired", "tc", "copy_truncated", "malformed", "unreadable"})
        EXPECT_EQ(r.find(flag), nullptr) << flag;
}

TEST(DecodeDns, AResponseWithCnameAAndAaaaAnswers) {
    Record r;
    auto event = bytes_of(base_event(true), cname_response(0xbeef));
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "query"), "c.test");
    EXPECT_EQ(str_of(r, "query_type_name"), "A");
    EXPECT_EQ(uint_of(r, "txid"), 0xbeefu);
    EXPECT_EQ(uint_of(r, "response"), 1u);
    EXPECT_EQ(uint_of(r, "rcode"), 0u);
    EXPECT_EQ(str_of(r, "rcode_name"), "NOERROR");
    EXPECT_EQ(uint_of(r, "latency_ns"), 250'000u);
    EXPECT_EQ(uint_of(r, "answer_count"), 3u);
    EXPECT_EQ(answers_of(r), (std::vector<std::string>{"real.test", "10.1.2.4", "fd00::5"}));
    EXPECT_EQ(str_of(r, "syscall"), "recvmsg");
    EXPECT_EQ(r.find("unpaired"), nullptr);
    EXPECT_EQ(r.find("malformed"), nullptr);
}

TEST(DecodeDns, NxdomainTcpAndUnpaired) {
    Msg m = header(7, 0x8183, 1, 0);
    put_name(m, "missing.test");
    put16(m, 1);
    put16(m, 1);
    pl_dns_event e = base_event(true);
    e.flags = PL_DNS_F_RESPONSE | PL_DNS_F_TCP;
    Record r;
    auto event = bytes_of(e, m);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "query"), "missing.test");
    EXPECT_EQ(uint_of(r, "rcode"), 3u);
    EXPECT_EQ(str_of(r, "rcode_name"), "NXDOMAIN");
    EXPECT_EQ(uint_of(r, "answer_count"), 0u);
    EXPECT_TRUE(answers_of(r).empty());
    EXPECT_EQ(str_of(r, "protocol"), "tcp");
    EXPECT_TRUE(bool_of(r, "unpaired"));
}

TEST(DecodeDns, TheServersTruncationBitIsShown) {
    Msg m = header(9, 0x8780, 1, 0);
    put_name(m, "big.test");
    put16(m, 1);
    put16(m, 1);
    Record r;
    auto event = bytes_of(base_event(true), m);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_TRUE(bool_of(r, "tc"));
    EXPECT_EQ(r.find("malformed"), nullptr);
}

// A copy the kernel cut: the answers that fit, the header's count, a flag,
// and no claim that the message is malformed.
TEST(DecodeDns, ACutCopyShowsTheAnswersThatFit) {
    Msg m = header(0x0102, 0x8580, 1, 25);
    put_name(m, "big.test");
    put16(m, 1);
    put16(m, 1);
    for (uint8_t i = 1; i <= 25; ++i)
        put_answer(m, 1, {10, 9, 0, i});
    size_t keep = 12 + 14 + 5 * 16 + 7;  // five whole answers and part of a sixth
    Record r;
    auto event = bytes_of(base_event(true), m, keep);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "query"), "big.test");
    EXPECT_EQ(uint_of(r, "answer_count"), 25u);
    EXPECT_EQ(answers_of(r), (std::vector<std::string>{"10.9.0.1", "10.9.0.2", "10.9.0.3",
                                                       "10.9.0.4", "10.9.0.5"}));
    EXPECT_TRUE(bool_of(r, "copy_truncated"));
    EXPECT_EQ(r.find("malformed"), nullptr);
    EXPECT_EQ(uint_of(r, "msg_len"), m.size());

    // Whole, it lists the first kMaxAnswers.
    Record all;
    auto whole = bytes_of(base_event(true), m);
    ASSERT_EQ(decode_bytes(whole, all), nullptr);
    EXPECT_EQ(answers_of(all).size(), decode::DnsMessage::kMaxAnswers);
    EXPECT_EQ(answers_of(all).back(), "10.9.0.16");
}

TEST(DecodeDns, EveryCutOfAResponseDecodesWithWhatItHas) {
    Msg m = cname_response(0x4242);
    for (size_t n = 0; n <= m.size(); ++n) {
        Record r;
        auto event = bytes_of(base_event(true), m, n);
        ASSERT_EQ(decode_bytes(event, r), nullptr) << n;
        EXPECT_EQ(bool_of(r, "copy_truncated"), n < m.size()) << n;
        EXPECT_EQ(r.find("malformed"), nullptr) << n;
        EXPECT_EQ(str_of(r, "query"), n >= 12 + 8 + 4 ? "c.test" : "<unknown>") << n;
    }
}

TEST(DecodeDns, MalformedMessagesAreFlagged) {
    // A label longer than the bytes left.
    Msg label = header(1, 0x0100, 1, 0);
    label.push_back(40);
    label.push_back('x');
    // A compression pointer to itself.
    Msg loop = header(2, 0x8180, 1, 0);
    put16(loop, 0xc00c);
    put16(loop, 1);
    put16(loop, 1);
    // An A answer whose data is 3 bytes.
    Msg short_a = query(3, "a.test", 1);
    short_a[2] = 0x81;
    short_a[7] = 1;
    put_answer(short_a, 1, {10, 1, 2});
    // Not even a header.
    Msg tiny = {0, 5, 1};
    for (const Msg& m : {label, loop, short_a, tiny}) {
        Record r;
        auto event = bytes_of(base_event(true), m);
        ASSERT_EQ(decode_bytes(event, r), nullptr);
        EXPECT_TRUE(bool_of(r, "malformed")) << m.size();
        EXPECT_EQ(r.find("copy_truncated"), nullptr);
    }
    Record r;
    auto event = bytes_of(base_event(true), loop);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_of(r, "query"), "<unknown>");  // Fluent Bit's word for it
    EXPECT_EQ(uint_of(r, "txid"), 2u);
}

TEST(DecodeDns, AnUnreadableBufferIsFlagged) {
    pl_dns_event e = base_event(false);
    e.flags = PL_DNS_F_FAULT;
    Record r;
    auto event = bytes_of(e, query(5, "a.test", 1), 0);
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_TRUE(bool_of(r, "unreadable"));
    EXPECT_EQ(str_of(r, "query"), "<unknown>");
}

TEST(DecodeDns, TypeAndRcodeNames) {
    Record r;
    EXPECT_EQ(decode::dns_type_name(5, r), "CNAME");
    EXPECT_EQ(decode::dns_type_name(65, r), "HTTPS");
    EXPECT_EQ(decode::dns_type_name(999, r), "TYPE999");
    EXPECT_EQ(decode::dns_rcode_name(2, r), "SERVFAIL");
    EXPECT_EQ(decode::dns_rcode_name(5, r), "REFUSED");
    EXPECT_EQ(decode::dns_rcode_name(12, r), "RCODE12");
}

TEST(DecodeDns, EventsThatLieAboutTheirSizeAreRejected) {
    auto event = bytes_of(base_event(true), cname_response(1));
    expect_every_wrong_size_rejected(event);

    pl_dns_event more = base_event(false);
    Msg q = query(1, "a.test", 1);
    auto bytes = bytes_of(more, q);
    uint32_t shorter = 4;  // captured more than the message had
    std::memcpy(bytes.data() + offsetof(pl_dns_event, msg_len), &shorter, sizeof(shorter));
    EXPECT_NE(decode_error(bytes), nullptr);

    pl_dns_event odd = base_event(false);
    odd.syscall = PL_DNS_SYS_COUNT;
    auto unknown = bytes_of(odd, q);
    EXPECT_NE(decode_error(unknown), nullptr);
}

}  // namespace
}  // namespace probelog::test
