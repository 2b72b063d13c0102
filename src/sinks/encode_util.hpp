#pragma once
// Small text helpers shared by the encoders of the network sinks.

#include <cstdint>
#include <string>
#include <string_view>

namespace probelog {

// "0x1f" into buf (at least 19 bytes).
std::string_view format_hex(uint64_t v, char* buf);

// Lower-case hex of every byte, appended.
void append_hex_bytes(std::string& out, std::string_view bytes);

// Standard base64 with padding, appended.
void append_base64(std::string& out, std::string_view bytes);

// Replaces every "{event_type}" in `pattern` (Forward tags).
void expand_tag(std::string& out, std::string_view pattern, std::string_view event_type);

}  // namespace probelog
