#include "decode/builtin.hpp"

namespace probelog::decode {

void register_builtin_decoders(Decoder& decoder) {
    decoder.add(PL_EVENT_EXEC, "exec", &decode_exec);
    decoder.add(PL_EVENT_EXIT, "exit", &decode_exit);
    decoder.add(PL_EVENT_SIGNAL, "signal", &decode_signal);
    decoder.add(PL_EVENT_BIND, "bind", &decode_bind);
    decoder.add(PL_EVENT_LISTEN, "listen", &decode_tcp);
    decoder.add(PL_EVENT_ACCEPT, "accept", &decode_tcp);
    decoder.add(PL_EVENT_CONNECT, "connect", &decode_tcp);
    decoder.add(PL_EVENT_VFS, "vfs", &decode_vfs);
    decoder.add(PL_EVENT_MALLOC, "malloc", &decode_malloc);
    decoder.add(PL_EVENT_XDP, "xdp_drop", &decode_xdp_drop);
    decoder.add(PL_EVENT_IO, "io", &decode_io);
}

}  // namespace probelog::decode
