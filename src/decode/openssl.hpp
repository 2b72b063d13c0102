#pragma once
// The openssl trace's records (schema/openssl_event.h): one decoder for its
// four event types, tls_handshake, tls_read, tls_write and tls_shutdown.

#include "decode/decoder.hpp"

namespace probelog::decode {

const char* decode_tls(Bytes event, Record& out);

}  // namespace probelog::decode
