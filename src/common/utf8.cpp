#include "common/utf8.hpp"

#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>

#include <cstdint>
#include <cstring>

namespace probelog {
namespace {

bool is_ascii(std::string_view s) {
    uint64_t high = 0;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t word;
        std::memcpy(&word, s.data() + i, sizeof(word));
        high |= word;
    }
    for (; i < s.size(); ++i)
        high |= static_cast<unsigned char>(s[i]);
    return (high & 0x8080808080808080ULL) == 0;
}

bool valid_utf8(std::string_view s) {
    rapidjson::MemoryStream in(s.data(), s.size());
    while (in.Tell() < s.size()) {
        unsigned cp = 0;
        if (!rapidjson::UTF8<>::Decode(in, &cp)) return false;
    }
    return true;
}

}  // namespace

std::string_view clean_utf8(std::string_view s, std::string& scratch) {
    if (is_ascii(s) || valid_utf8(s)) return s;
    scratch.clear();
    size_t pos = 0;
    while (pos < s.size()) {
        rapidjson::MemoryStream in(s.data() + pos, s.size() - pos);
        unsigned cp = 0;
        if (rapidjson::UTF8<>::Decode(in, &cp)) {
            scratch.append(s.substr(pos, in.Tell()));
            pos += in.Tell();
        } else {
            scratch.append("\xEF\xBF\xBD");
            pos += 1;
        }
    }
    return scratch;
}

void append_escaped_text(std::string& out, std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    auto escape = [&](unsigned char b) {
        out.append("\\x");
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    };
    size_t pos = 0;
    while (pos < bytes.size()) {
        auto b = static_cast<unsigned char>(bytes[pos]);
        if (b < 0x80) {
            if (b == '\\') {
                out.append("\\\\");
            } else if (b < 0x20 || b == 0x7f) {
                escape(b);
            } else {
                out.push_back(static_cast<char>(b));
            }
            ++pos;
            continue;
        }
        rapidjson::MemoryStream in(bytes.data() + pos, bytes.size() - pos);
        unsigned cp = 0;
        // C1 controls (U+0080..U+009F) are not printable either.
        if (rapidjson::UTF8<>::Decode(in, &cp) && cp >= 0xa0) {
            out.append(bytes.substr(pos, in.Tell()));
            pos += in.Tell();
        } else {
            size_t n = cp >= 0x80 && cp < 0xa0 ? in.Tell() : 1;
            for (size_t i = 0; i < n; ++i)
                escape(static_cast<unsigned char>(bytes[pos + i]));
            pos += n;
        }
    }
}

}  // namespace probelog
