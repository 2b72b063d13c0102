#include "decode/builtin.hpp"

namespace probelog::decode {

void register_builtin_decoders(Decoder& decoder) {
    decoder.add(PL_EVENT_EXEC, "exec", &decode_exec);
    decoder.add(PL_EVENT_VFS, "vfs", &decode_vfs);
    decoder.add(PL_EVENT_MALLOC, "malloc", &decode_malloc);
}

}  // namespace probelog::decode
