#pragma once
// How captured bytes (a probe's str or buf) are shown in records: the spec's
// ':FORMAT' suffix (docs/PROBES.md).

#include <cstdint>
#include <optional>
#include <string_view>

namespace probelog {

enum class BytesFormat : uint8_t {
    Default,  // a str as text, a buf as hex
    Hex,      // lower-case hex of every byte
    Text,     // printable UTF-8; other bytes escaped \xNN, a backslash as '\\'
    Base64,   // standard base64 with padding
    Msgpack,  // one or more msgpack objects, decoded into a nested value
};

std::optional<BytesFormat> parse_bytes_format(std::string_view word);
std::string_view bytes_format_name(BytesFormat format);

}  // namespace probelog
