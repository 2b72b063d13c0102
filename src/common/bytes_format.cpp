#include "common/bytes_format.hpp"

namespace probelog {

std::optional<BytesFormat> parse_bytes_format(std::string_view word) {
    if (word == "hex") return BytesFormat::Hex;
    if (word == "text") return BytesFormat::Text;
    if (word == "base64") return BytesFormat::Base64;
    if (word == "msgpack") return BytesFormat::Msgpack;
    return std::nullopt;
}

std::string_view bytes_format_name(BytesFormat format) {
    switch (format) {
        case BytesFormat::Default:
            return "default";
        case BytesFormat::Hex:
            return "hex";
        case BytesFormat::Text:
            return "text";
        case BytesFormat::Base64:
            return "base64";
        case BytesFormat::Msgpack:
            return "msgpack";
    }
    return "?";
}

}  // namespace probelog
