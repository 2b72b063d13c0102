// Decodes the bind trace's event (schema/bind.h): Fluent Bit's port,
// bound_dev_if and error_raw, plus the address as text, family and protocol.
#include "decode/builtin.hpp"
#include "decode/kernel_names.hpp"

extern "C" {
#include "bind.h"
}

namespace probelog::decode {

const char* decode_bind(Bytes event, Record& out) {
    pl_bind_event e;
    if (event.size() != sizeof(e)) return "bind event size is not sizeof(pl_bind_event)";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.error_raw < 0) return "bind event error_raw negative";

    out.add_int("fd", e.fd, kHideInTable);
    out.add_str("addr", address_text(e.addr, out));
    out.add_uint("port", e.addr.port);
    out.add_str("family", family_name(e.addr.family, out));
    out.add_uint("bound_dev_if", e.bound_dev_if, e.bound_dev_if != 0 ? kFieldNone : kHideInTable);
    if ((e.flags & PL_BIND_F_NO_SOCKET) == 0) {
        std::string_view proto = protocol_name(e.protocol);
        if (proto.empty()) {
            out.add_uint("protocol_raw", e.protocol);
        } else {
            out.add_str("protocol", proto);
        }
        out.add_str("sock_type", sock_type_name(e.sock_type), kHideInTable);
    }
    out.add_int("error_raw", e.error_raw, kHideInTable);
    if (e.error_raw != 0) out.add_str("error", syscall_errno_name(e.error_raw));
    if ((e.flags & PL_BIND_F_PORT_FROM_SOCKET) != 0) out.add_bool("port_assigned", true);
    if ((e.flags & PL_BIND_F_ADDR_FAULT) != 0) out.add_bool("addr_fault", true);
    return nullptr;
}

}  // namespace probelog::decode
