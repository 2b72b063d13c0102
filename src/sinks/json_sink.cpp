#include "sinks/json_sink.hpp"

#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/writer.h>

#include <array>
#include <string>

#include "common/clock.hpp"

namespace probelog {
namespace {

using Writer = rapidjson::Writer<FdWriter>;

bool valid_utf8(std::string_view s) {
    for (unsigned char c : s) {
        if (c >= 0x80) {
            rapidjson::MemoryStream in(s.data(), s.size());
            while (in.Tell() < s.size()) {
                unsigned cp = 0;
                if (!rapidjson::UTF8<>::Decode(in, &cp)) return false;
            }
            return true;
        }
    }
    return true;  // plain ASCII, the common case
}

// Invalid UTF-8 bytes become U+FFFD so that every line is valid JSON.
void write_string(Writer& w, std::string_view s) {
    if (valid_utf8(s)) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
        return;
    }
    std::string clean;
    clean.reserve(s.size() + 8);
    size_t pos = 0;
    while (pos < s.size()) {
        rapidjson::MemoryStream in(s.data() + pos, s.size() - pos);
        unsigned cp = 0;
        if (rapidjson::UTF8<>::Decode(in, &cp)) {
            clean.append(s.substr(pos, in.Tell()));
            pos += in.Tell();
        } else {
            clean.append("\xEF\xBF\xBD");
            pos += 1;
        }
    }
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void write_hex(Writer& w, uint64_t v) {
    std::array<char, 24> buf{};
    auto n = fmt::format_to_n(buf.data(), buf.size(), "0x{:x}", v).size;
    w.String(buf.data(), static_cast<rapidjson::SizeType>(n));
}

void write_bytes(Writer& w, std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.resize(bytes.size() * 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
        auto b = static_cast<unsigned char>(bytes[i]);
        hex[2 * i] = kDigits[b >> 4];
        hex[2 * i + 1] = kDigits[b & 0xf];
    }
    w.String(hex.data(), static_cast<rapidjson::SizeType>(hex.size()));
}

void write_value(Writer& w, const Value& v) {
    switch (v.kind) {
        case ValueKind::Int:
            w.Int64(v.i);
            break;
        case ValueKind::Uint:
            w.Uint64(v.u);
            break;
        case ValueKind::Bool:
            w.Bool(v.b);
            break;
        case ValueKind::Float:
            w.Double(v.f);
            break;
        case ValueKind::Str:
            write_string(w, v.str);
            break;
        case ValueKind::Hex:
            write_hex(w, v.u);
            break;
        case ValueKind::Time: {
            std::array<char, kRfc3339Size> buf{};
            auto text = format_rfc3339(v.i, buf.data());
            w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
            break;
        }
        case ValueKind::StrList:
            w.StartArray();
            StrListView(v.str, v.count).for_each([&](std::string_view s) { write_string(w, s); });
            w.EndArray();
            break;
        case ValueKind::Bytes:
            write_bytes(w, v.str);
            break;
    }
}

}  // namespace

void write_json_record(const Record& record, FdWriter& out) {
    // One writer per thread, rebound to `out`: its nesting stack is allocated
    // once, not per record.
    thread_local Writer w;
    w.Reset(out);
    w.StartObject();
    for (const Field& f : record.fields()) {
        w.Key(f.name.data(), static_cast<rapidjson::SizeType>(f.name.size()));
        write_value(w, f.value);
    }
    w.EndObject();
}

void JsonSink::write(const Record& record) {
    write_json_record(record, out_);
    out_.Put('\n');
}

}  // namespace probelog
