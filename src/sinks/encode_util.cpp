#include "sinks/encode_util.hpp"

namespace probelog {

std::string_view format_hex(uint64_t v, char* buf) {
    static constexpr char kDigits[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = kDigits[v & 0xf];
        v >>= 4;
    } while (v != 0);
    buf[0] = '0';
    buf[1] = 'x';
    for (size_t i = 0; i < n; ++i)
        buf[2 + i] = tmp[n - 1 - i];
    return {buf, n + 2};
}

void append_hex_bytes(std::string& out, std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
}

void append_base64(std::string& out, std::string_view bytes) {
    static constexpr char kTable[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out.push_back(kTable[(v >> 18) & 63]);
        out.push_back(kTable[(v >> 12) & 63]);
        out.push_back(kTable[(v >> 6) & 63]);
        out.push_back(kTable[v & 63]);
    }
    size_t rest = bytes.size() - i;
    if (rest == 1) {
        uint32_t v = at(i) << 16;
        out.push_back(kTable[(v >> 18) & 63]);
        out.push_back(kTable[(v >> 12) & 63]);
        out.append("==");
    } else if (rest == 2) {
        uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
        out.push_back(kTable[(v >> 18) & 63]);
        out.push_back(kTable[(v >> 12) & 63]);
        out.push_back(kTable[(v >> 6) & 63]);
        out.push_back('=');
    }
}

void expand_tag(std::string& out, std::string_view pattern, std::string_view event_type) {
    static constexpr std::string_view kVar = "{event_type}";
    out.clear();
    for (;;) {
        size_t at = pattern.find(kVar);
        if (at == std::string_view::npos) break;
        out.append(pattern.substr(0, at)).append(event_type);
        pattern.remove_prefix(at + kVar.size());
    }
    out.append(pattern);
}

}  // namespace probelog
