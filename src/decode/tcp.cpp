// Decodes the tcp trace's listen, accept and connect events (schema/tcp.h) with
// Fluent Bit's field names, addresses as text, and Fluent Bit's raw address
// fields (<prefix>_version, <prefix>_addr_v4, <prefix>_addr_v6_0..3) for
// pipelines that read them.
#include <array>

#include "decode/builtin.hpp"
#include "decode/kernel_names.hpp"

extern "C" {
#include "tcp.h"
}

namespace probelog::decode {
namespace {

struct AddrNames {
    std::string_view port;
    std::string_view addr;
    std::string_view version;
    std::string_view addr_v4;
    std::array<std::string_view, 4> addr_v6;
};

constexpr AddrNames kPeer = {
    "peer_port",
    "peer_addr",
    "peer_version",
    "peer_addr_v4",
    {"peer_addr_v6_0", "peer_addr_v6_1", "peer_addr_v6_2", "peer_addr_v6_3"}};
constexpr AddrNames kRemote = {
    "remote_port",
    "remote_addr",
    "remote_version",
    "remote_addr_v4",
    {"remote_addr_v6_0", "remote_addr_v6_1", "remote_addr_v6_2", "remote_addr_v6_3"}};

void add_address(const AddrNames& names, const pl_sockaddr& a, Record& out) {
    out.add_uint(names.port, a.port);
    out.add_str(names.addr, address_text(a, out));
    // Fluent Bit's encoding: the address words as loaded from memory (host order).
    uint32_t words[4];
    std::memcpy(words, a.addr, sizeof(words));
    if (a.family == PL_AF_INET6) {
        out.add_uint(names.version, 6, kHideInTable);
        for (size_t i = 0; i < 4; ++i)
            out.add_uint(names.addr_v6[i], words[i], kHideInTable);
    } else {
        out.add_uint(names.version, a.family == PL_AF_INET ? 4 : 0, kHideInTable);
        out.add_uint(names.addr_v4, a.family == PL_AF_INET ? words[0] : 0, kHideInTable);
    }
}

void add_local(const pl_sockaddr& a, Record& out, uint8_t flags) {
    out.add_str("local_addr", address_text(a, out), flags);
    out.add_uint("local_port", a.port, flags);
}

void add_error(int32_t error_raw, Record& out) {
    out.add_int("error_raw", error_raw, kHideInTable);
    if (error_raw != 0) out.add_str("error", syscall_errno_name(error_raw));
}

}  // namespace

const char* decode_tcp(Bytes event, Record& out) {
    pl_tcp_event e;
    if (event.size() != sizeof(e)) return "tcp event size is not sizeof(pl_tcp_event)";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.error_raw < 0) return "tcp event error_raw negative";
    if (e.stage > PL_TCP_STAGE_HANDSHAKE) return "tcp event stage out of range";

    switch (e.hdr.type) {
        case PL_EVENT_LISTEN:
            if (e.syscall != PL_TCP_SYSCALL_LISTEN || e.stage != PL_TCP_STAGE_EXIT)
                return "listen event from another syscall";
            out.add_int("fd", e.fd);
            out.add_int("backlog", e.backlog);
            add_error(e.error_raw, out);
            add_local(e.local, out, kFieldNone);
            break;
        case PL_EVENT_ACCEPT:
            if ((e.syscall != PL_TCP_SYSCALL_ACCEPT && e.syscall != PL_TCP_SYSCALL_ACCEPT4) ||
                e.stage != PL_TCP_STAGE_EXIT)
                return "accept event from another syscall";
            out.add_int("fd", e.fd);
            out.add_int("new_fd", e.new_fd);
            add_address(kPeer, e.remote, out);
            add_error(e.error_raw, out);
            add_local(e.local, out, kFieldNone);
            out.add_str("syscall", e.syscall == PL_TCP_SYSCALL_ACCEPT4 ? "accept4" : "accept",
                        kHideInTable);
            if (e.syscall == PL_TCP_SYSCALL_ACCEPT4) out.add_hex("flags", e.flags, kHideInTable);
            break;
        case PL_EVENT_CONNECT:
            if (e.syscall != PL_TCP_SYSCALL_CONNECT) return "connect event from another syscall";
            out.add_int("fd", e.fd);
            add_address(kRemote, e.remote, out);
            add_error(e.error_raw, out);
            add_local(e.local, out, kHideInTable);
            if (e.stage == PL_TCP_STAGE_HANDSHAKE) {
                std::string_view state = tcp_state_name(e.state);
                if (state.empty()) return "connect event state out of range";
                out.add_str("stage", "handshake");
                out.add_str("state", state);
            } else {
                out.add_str("stage", "exit", kHideInTable);
            }
            break;
        default:
            return "tcp decoder given another event type";
    }
    out.add_str("family", family_name(e.local.family, out), kHideInTable);
    return nullptr;
}

}  // namespace probelog::decode
