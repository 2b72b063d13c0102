#pragma once
// A decoder that knows the built-in event types, as a run's does once every
// trace's decoders are registered (the unit tests and the fuzz targets do not
// link the traces; an agent test checks that register_decoders() registers
// the same). No GoogleTest: the fuzz targets include it too.

#include "decode/builtin.hpp"
#include "decode/decoder.hpp"
#include "decode/dns.hpp"
#include "decode/openssl.hpp"
#include "decode/sched.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog::test {

inline decode::Decoder builtin_decoder() {
    decode::Decoder d;
    d.add(PL_EVENT_EXEC, "exec", &decode::decode_exec);
    d.add(PL_EVENT_EXIT, "exit", &decode::decode_exit);
    d.add(PL_EVENT_SIGNAL, "signal", &decode::decode_signal);
    d.add(PL_EVENT_BIND, "bind", &decode::decode_bind);
    d.add(PL_EVENT_LISTEN, "listen", &decode::decode_tcp);
    d.add(PL_EVENT_ACCEPT, "accept", &decode::decode_tcp);
    d.add(PL_EVENT_CONNECT, "connect", &decode::decode_tcp);
    d.add(PL_EVENT_VFS, "vfs", &decode::decode_vfs);
    d.add(PL_EVENT_MALLOC, "malloc", &decode::decode_malloc);
    d.add(PL_EVENT_XDP, "xdp_drop", &decode::decode_xdp_drop);
    d.add(PL_EVENT_IO, "io", &decode::decode_io);
    d.add(PL_EVENT_SCHED, "sched", &decode::decode_sched);
    d.add(PL_EVENT_TLS_HANDSHAKE, "tls_handshake", &decode::decode_tls);
    d.add(PL_EVENT_TLS_READ, "tls_read", &decode::decode_tls);
    d.add(PL_EVENT_TLS_WRITE, "tls_write", &decode::decode_tls);
    d.add(PL_EVENT_TLS_SHUTDOWN, "tls_shutdown", &decode::decode_tls);
    d.add(PL_EVENT_DNS, "dns", &decode::decode_dns);
    return d;
}

}  // namespace probelog::test
