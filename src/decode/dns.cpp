// Decodes the dns trace: the message's first bytes as the kernel copied them
// (perhaps cut, perhaps not DNS at all), parsed with every length checked
// against the copy. Names, with their compression pointers, are glibc
// libresolv's work (ns_name_uncompress, ns_name_skip: bounded by the end of
// the bytes, loops refused); the walk over the sections is ours, because
// libresolv's ns_initparse refuses a message it cannot read whole, and a
// copy the kernel cut still has a header, a question and answers to show.
#include "decode/dns.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include <array>
#include <cstring>

#include "decode/kernel_names.hpp"

extern "C" {
#include "dns_event.h"
}

namespace probelog::decode {
namespace {

constexpr size_t kHeaderLen = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
constexpr size_t kMaxQuestions = 8;  // more in one message is not DNS anyone sends

constexpr std::array<std::string_view, PL_DNS_SYS_COUNT> kSyscalls = {
#define PL_DNS_SYSCALL_NAME(ENUM, name) #name,
    PL_DNS_SYSCALLS(PL_DNS_SYSCALL_NAME)
#undef PL_DNS_SYSCALL_NAME
};

// Lengths are compared as bytes left (eom - p), never as p + n: a pointer
// past the end of the bytes is undefined even when only compared.
uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

// Appends `text` and its NUL to the packed answers if it fits.
bool pack(std::span<char> buf, size_t& used, std::string_view text) {
    if (used + text.size() + 1 > buf.size()) return false;
    std::memcpy(buf.data() + used, text.data(), text.size());
    used += text.size();
    buf[used++] = '\0';
    return true;
}

// The text of one A, AAAA or CNAME answer's data in `text`, or "" if it is
// none of those or does not read (then the message is incomplete: *bad).
std::string_view answer_text(std::span<const uint8_t> msg, uint16_t type, const uint8_t* rdata,
                             uint16_t rdlen, std::span<char> text, bool* bad) {
    if (type == kTypeA || type == kTypeAaaa) {
        int family = type == kTypeA ? AF_INET : AF_INET6;
        if (rdlen != (type == kTypeA ? 4 : 16)) {
            *bad = true;
            return {};
        }
        if (::inet_ntop(family, rdata, text.data(), static_cast<socklen_t>(text.size())) == nullptr)
            return {};
        return {text.data()};
    }
    if (type != kTypeCname) return {};
    if (::ns_name_uncompress(msg.data(), msg.data() + msg.size(), rdata, text.data(), text.size()) <
        0) {
        *bad = true;
        return {};
    }
    return {text.data()};
}

}  // namespace

DnsMessage parse_dns_message(std::span<const uint8_t> msg, std::span<char> name,
                             std::span<char> answers) {
    DnsMessage m;
    if (msg.size() < kHeaderLen) {
        m.complete = false;
        return m;
    }
    const uint8_t* const start = msg.data();
    const uint8_t* const eom = start + msg.size();
    m.has_header = true;
    m.txid = get16(start);
    m.qr = (start[2] & 0x80) != 0;
    m.tc = (start[2] & 0x02) != 0;
    m.rcode = start[3] & 0x0f;
    m.qdcount = get16(start + 4);
    m.ancount = get16(start + 6);
    const uint8_t* p = start + kHeaderLen;

    for (size_t q = 0; q < m.qdcount && q < kMaxQuestions; ++q) {
        int n = q == 0 ? ::ns_name_uncompress(start, eom, p, name.data(), name.size())
                       : (::ns_name_skip(&p, eom) < 0 ? -1 : 0);
        if (n < 0 || eom - p < n + 4) {
            m.complete = false;
            return m;
        }
        p += n;
        if (q == 0) {
            m.query = name.data();
            m.query_type = get16(p);
            m.has_question = true;
        }
        p += 4;
    }

    std::array<char, NS_MAXDNAME> text{};
    size_t used = 0;
    for (size_t a = 0; a < m.ancount; ++a) {
        // Each record takes at least 11 bytes: the loop ends with the bytes.
        if (::ns_name_skip(&p, eom) < 0 || eom - p < 10) {
            m.complete = false;
            break;
        }
        uint16_t type = get16(p);
        uint16_t rdlen = get16(p + 8);
        p += 10;
        if (eom - p < rdlen) {
            m.complete = false;
            break;
        }
        bool bad = false;
        std::string_view value = answer_text(msg, type, p, rdlen, text, &bad);
        if (bad) {
            m.complete = false;
            break;
        }
        p += rdlen;
        if (!value.empty() && m.answers < DnsMessage::kMaxAnswers && pack(answers, used, value))
            ++m.answers;
    }
    m.packed_answers = {answers.data(), used};
    return m;
}

std::string_view dns_type_name(uint16_t type, Record& out) {
    switch (type) {
        case 1:
            return "A";
        case 2:
            return "NS";
        case 5:
            return "CNAME";
        case 6:
            return "SOA";
        case 12:
            return "PTR";
        case 13:
            return "HINFO";
        case 15:
            return "MX";
        case 16:
            return "TXT";
        case 28:
            return "AAAA";
        case 33:
            return "SRV";
        case 35:
            return "NAPTR";
        case 41:
            return "OPT";
        case 43:
            return "DS";
        case 46:
            return "RRSIG";
        case 47:
            return "NSEC";
        case 48:
            return "DNSKEY";
        case 64:
            return "SVCB";
        case 65:
            return "HTTPS";
        case 252:
            return "AXFR";
        case 255:
            return "ANY";
        case 257:
            return "CAA";
        default:
            return arena_format(out, 16, "TYPE{}", type);
    }
}

std::string_view dns_rcode_name(uint8_t rcode, Record& out) {
    static constexpr std::array<std::string_view, 11> kNames = {
        "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
    };
    if (rcode < kNames.size()) return kNames[rcode];
    return arena_format(out, 16, "RCODE{}", rcode);
}

const char* decode_dns(Bytes event, Record& out) {
    pl_dns_event e;
    if (event.size() < sizeof(e)) return "dns event shorter than pl_dns_event";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.captured > PL_DNS_CAPTURE_MAX || event.size() != sizeof(e) + e.captured)
        return "dns event captured bytes do not match its size";
    if (e.captured > e.msg_len) return "dns event captured more than the message";
    if (e.syscall >= PL_DNS_SYS_COUNT) return "dns event of an unknown system call";

    // The name is parsed into the arena (the record points at it), the
    // answers after it.
    std::span<char> name_room = out.store_begin(NS_MAXDNAME);
    if (name_room.size() < NS_MAXDNAME) return "dns record arena too small";
    std::span<const uint8_t> msg(reinterpret_cast<const uint8_t*>(event.data()) + sizeof(e),
                                 e.captured);
    std::array<char, 512> packed{};
    DnsMessage m = parse_dns_message(msg, name_room, packed);
    std::string_view query = "<unknown>";  // Fluent Bit's, for a message without a question
    if (m.has_question) query = out.store_commit(m.query.size());
    std::string_view answers = m.answers ? out.store(m.packed_answers) : std::string_view{};
    bool response = (e.flags & PL_DNS_F_RESPONSE) != 0;
    bool cut = e.captured < e.msg_len;

    out.add_str("query", query);
    out.add_uint("query_type", m.query_type);
    out.add_str("query_type_name", m.has_question ? dns_type_name(m.query_type, out) : "");
    out.add_uint("txid", e.txid);
    out.add_uint("response", response ? 1 : 0);
    out.add_uint("rcode", m.rcode);
    if (response && m.has_header) out.add_str("rcode_name", dns_rcode_name(m.rcode, out));
    out.add_uint("latency_ns", e.latency_ns > 0 ? static_cast<uint64_t>(e.latency_ns) : 0);
    out.add_int("error_raw", 0, kHideInTable);  // Fluent Bit's: always 0 there too
    if (response && m.has_header) {
        out.add_uint("answer_count", m.ancount);
        out.add_str_list("answers", answers, m.answers);
    }
    out.add_str("server_addr", address_text(e.server, out));
    out.add_uint("server_port", e.server.port);
    out.add_str("protocol", (e.flags & PL_DNS_F_TCP) != 0 ? "tcp" : "udp");
    out.add_str("syscall", kSyscalls[e.syscall], kHideInTable);
    out.add_uint("msg_len", e.msg_len, kHideInTable);
    out.add_hex("sock", e.sock, kHideInTable);
    if (response && (e.flags & PL_DNS_F_PAIRED) == 0) out.add_bool("unpaired", true);
    if (m.tc) out.add_bool("tc", true);
    if (cut) out.add_bool("copy_truncated", true);
    if (!m.complete && !cut) out.add_bool("malformed", true);
    if ((e.flags & PL_DNS_F_FAULT) != 0) out.add_bool("unreadable", true);
    return nullptr;
}

}  // namespace probelog::decode
