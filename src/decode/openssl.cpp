// Decodes the openssl trace: Fluent Bit 5.1's fields (trace, ssl_ptr,
// latency_ns, ret), then the function, the bytes moved, the socket's ends and
// the captured plaintext.
#include "decode/openssl.hpp"

#include <array>
#include <cstring>
#include <string_view>

#include "decode/kernel_names.hpp"

extern "C" {
#include "openssl_event.h"
}

namespace probelog::decode {
namespace {

struct OpNames {
    std::string_view trace;     // Fluent Bit's `trace` field
    std::string_view function;  // the libssl function, plain and _ex
    std::string_view function_ex;
};

constexpr std::array<OpNames, PL_TLS_OP_COUNT> kOps = {{
    {"openssl_tls_handshake", "SSL_do_handshake", ""},
    {"openssl_tls_read", "SSL_read", "SSL_read_ex"},
    {"openssl_tls_write", "SSL_write", "SSL_write_ex"},
    {"openssl_tls_shutdown", "SSL_shutdown", ""},
}};

}  // namespace

const char* decode_tls(Bytes event, Record& out) {
    pl_tls_event e;
    if (event.size() < sizeof(e)) return "tls event shorter than pl_tls_event";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.op >= PL_TLS_OP_COUNT || e.hdr.type != PL_EVENT_TLS_HANDSHAKE + e.op)
        return "tls event operation does not match its type";
    if (e.captured > PL_TLS_CAPTURE_MAX || event.size() != sizeof(e) + e.captured)
        return "tls event captured bytes do not match its size";
    const OpNames& names = kOps[e.op];
    bool ex = (e.flags & PL_TLS_F_EX) != 0;
    if (ex && names.function_ex.empty()) return "tls event _ex flag on a call without one";
    bool moves_data = e.op == PL_TLS_READ || e.op == PL_TLS_WRITE;

    out.add_str("trace", names.trace, kHideInTable);
    out.add_str("function", ex ? names.function_ex : names.function);
    out.add_hex("ssl_ptr", e.ssl_ptr);
    out.add_int("latency_ns", e.latency_ns);
    out.add_int("ret", e.ret);
    if (moves_data) {
        out.add_uint("bytes", e.bytes);
        out.add_uint("requested", e.requested, kHideInTable);
    }
    if ((e.flags & PL_TLS_F_HAS_FD) != 0) out.add_int("fd", e.fd);
    if ((e.flags & PL_TLS_F_HAS_PEER) != 0) {
        out.add_str("peer_addr", address_text(e.peer, out));
        out.add_uint("peer_port", e.peer.port);
        out.add_str("local_addr", address_text(e.local, out), kHideInTable);
        out.add_uint("local_port", e.local.port, kHideInTable);
    }
    if (e.captured != 0) {
        // The bytes live in the event, which outlives the record's dispatch.
        std::string_view data(reinterpret_cast<const char*>(event.data()) + sizeof(e), e.captured);
        out.add_formatted_bytes("data", data, ValueKind::Text);
        if (e.captured < e.bytes) out.add_bool("data_truncated", true);
    }
    if ((e.flags & PL_TLS_F_CAPTURE_FAULT) != 0) out.add_bool("data_unreadable", true);
    return nullptr;
}

}  // namespace probelog::decode
