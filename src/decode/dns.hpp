#pragma once
// The dns trace's records (schema/dns_event.h): Fluent Bit's fields (query,
// query_type, txid, response, rcode, latency_ns, error_raw), the type and
// rcode by name, the answers, the server, and what could not be read.

#include <cstdint>
#include <span>
#include <string_view>

#include "decode/decoder.hpp"
#include "pipeline/record.hpp"

namespace probelog::decode {

// What the start of a DNS message says, as far as its bytes go. Names are
// written to the caller's buffers; nothing allocates.
struct DnsMessage {
    static constexpr size_t kMaxAnswers = 16;  // A, AAAA and CNAME answers kept at most

    bool has_header = false;    // the 12-byte header was there
    bool has_question = false;  // ... and the first question's name and type
    bool complete = true;       // every section the header announced was read whole
    uint16_t txid = 0;
    bool qr = false;  // the QR bit: a response
    bool tc = false;  // the TC bit: the server cut its answer (UDP: retry over TCP)
    uint8_t rcode = 0;
    uint16_t qdcount = 0;
    uint16_t ancount = 0;
    uint16_t query_type = 0;
    std::string_view query;           // presentation form ("www.example.com", "." for the root)
    uint32_t answers = 0;             // A/AAAA/CNAME answers packed into the answer buffer
    std::string_view packed_answers;  // answers NUL-terminated, back to back
};

// Parses `msg` (perhaps only the first bytes of a message). `name` holds the
// query name (at least 1025 bytes: NS_MAXDNAME); `answers` the answers'
// text, as many as fit.
DnsMessage parse_dns_message(std::span<const uint8_t> msg, std::span<char> name,
                             std::span<char> answers);

// "A", "AAAA", "CNAME", ... or "TYPE<n>" (RFC 3597) in the record's arena.
std::string_view dns_type_name(uint16_t type, Record& out);
// "NOERROR", "NXDOMAIN", ... or "RCODE<n>" in the record's arena.
std::string_view dns_rcode_name(uint8_t rcode, Record& out);

const char* decode_dns(Bytes event, Record& out);

}  // namespace probelog::decode
