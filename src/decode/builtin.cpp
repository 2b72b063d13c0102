#include "decode/builtin.hpp"

namespace probelog::decode {

void register_builtin_decoders(Decoder& decoder) {
    decoder.add(PL_EVENT_EXEC, "exec", &decode_exec);
    decoder.add(PL_EVENT_IO, "io", &decode_io);
}

}  // namespace probelog::decode
