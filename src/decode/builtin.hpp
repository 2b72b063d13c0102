#pragma once
// The decoder of each built-in event type (one file per trace family); each
// trace's TraceDef lists its own.

#include "decode/decoder.hpp"

namespace probelog::decode {

const char* decode_exec(Bytes event, Record& out);
const char* decode_exit(Bytes event, Record& out);
const char* decode_signal(Bytes event, Record& out);
const char* decode_bind(Bytes event, Record& out);
const char* decode_tcp(Bytes event, Record& out);
const char* decode_vfs(Bytes event, Record& out);
const char* decode_malloc(Bytes event, Record& out);
const char* decode_xdp_drop(Bytes event, Record& out);
const char* decode_io(Bytes event, Record& out);

}  // namespace probelog::decode
