#pragma once
// Names of kernel numbers for the decoders (signals, si_code, address families,
// protocols, TCP states) and socket addresses as text. Nothing here allocates:
// text that must be formatted goes into the Record's arena.

#include <fmt/format.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "pipeline/record.hpp"

extern "C" {
#include "net.h"
}

namespace probelog::decode {

// Formats into the record's arena (no allocation); "" if the arena is full.
template <typename... Args>
std::string_view arena_format(Record& out, size_t max, fmt::format_string<Args...> format,
                              Args&&... args) {
    std::span<char> room = out.store_begin(max);
    auto result = fmt::format_to_n(room.data(), room.size(), format, std::forward<Args>(args)...);
    if (result.size > room.size()) return out.store_commit(0);
    return out.store_commit(result.size);
}

// "SIGTERM", "SIGRTMIN+3", "SIG0"-style for numbers without a name.
std::string_view signal_name(int sig, Record& out);
// si_code as the kernel's macro name for `sig` ("SI_USER", "SEGV_MAPERR", "CLD_EXITED"), or "".
std::string_view signal_code_name(int sig, int code);
// "AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC", else "AF_<n>".
std::string_view family_name(uint16_t family, Record& out);
// "tcp", "udp", ... for an IPPROTO_* number, else "" .
std::string_view protocol_name(uint16_t protocol);
// "stream", "dgram", "raw", "seqpacket", ... for a SOCK_* number, else "".
std::string_view sock_type_name(uint16_t type);
// "ESTABLISHED", "SYN_SENT", "CLOSE", ... (include/net/tcp_states.h), else "".
std::string_view tcp_state_name(uint8_t state);
// errno_name() plus the kernel-internal restart codes a syscall exit tracepoint
// can see before the signal code turns them into EINTR (ERESTARTSYS, ...).
std::string_view syscall_errno_name(int err);

// "127.0.0.1", "::1", "fe80::1%2"; "" when the family is not AF_INET/AF_INET6.
std::string_view address_text(const pl_sockaddr& addr, Record& out);

}  // namespace probelog::decode
