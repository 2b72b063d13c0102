#include "sinks/json_sink.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "common/msgpack_walk.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"
#include "sinks/msgpack_json.hpp"

namespace probelog {
namespace {

// Nonzero high bits where a byte of `w` is >= 0x80, < 0x20, '"' or '\\'.
inline uint64_t json_special(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    uint64_t quote = w ^ (kOnes * '"');
    uint64_t backslash = w ^ (kOnes * '\\');
    return (w | ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
            ((backslash - kOnes) & ~backslash)) &
           0x8080808080808080ULL;
}

}  // namespace

bool is_plain_json(std::string_view s) {
    size_t n = s.size();
    uint64_t w = 0x2020202020202020ULL;  // short strings: padded with spaces
    if (n < 8) {
        std::memcpy(&w, s.data(), n);
        return json_special(w) == 0;
    }
    uint64_t bad = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        std::memcpy(&w, s.data() + i, sizeof(w));
        bad |= json_special(w);
    }
    std::memcpy(&w, s.data() + n - 8, sizeof(w));  // the tail, overlapping
    return (bad | json_special(w)) == 0;
}

// Bytes that need escaping in JSON, or are not ASCII.
constexpr std::array<uint8_t, 256> kSpecial = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
    return t;
}();

void JsonWriter::Text(std::string_view s, std::string& scratch) {
    Prefix(rapidjson::kStringType);
    size_t n = s.size();
    char* out = os_->Push(n + 2);
    out[0] = '"';
    bool plain = true;
    if (n < 8) {
        uint8_t bad = 0;
        for (size_t i = 0; i < n; ++i) {
            out[1 + i] = s[i];
            bad |= kSpecial[static_cast<unsigned char>(s[i])];
        }
        plain = bad == 0;
    } else {
        std::memcpy(out + 1, s.data(), n);
        plain = is_plain_json(s);
    }
    out[n + 1] = '"';
    if (plain) return;
    os_->Pop(n + 2);
    s = clean_utf8(s, scratch);
    WriteString(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void JsonEncoder::write_string(std::string_view s) {
    writer_.Text(s, scratch_);
}

void JsonEncoder::write_value(const Value& v) {
    switch (v.kind) {
        case ValueKind::Int:
            writer_.Int64(v.i);
            break;
        case ValueKind::Uint:
            writer_.Uint64(v.u);
            break;
        case ValueKind::Bool:
            writer_.Bool(v.b);
            break;
        case ValueKind::Float:
            // JSON has no NaN or infinity (rapidjson would write no value at all).
            if (std::isfinite(v.f)) {
                writer_.Double(v.f);
            } else {
                writer_.Null();
            }
            break;
        case ValueKind::Str:
            write_string(v.str);
            break;
        case ValueKind::Hex: {
            std::array<char, 24> buf{};
            auto n = fmt::format_to_n(buf.data(), buf.size(), "0x{:x}", v.u).size;
            writer_.PlainText({buf.data(), n});
            break;
        }
        case ValueKind::Time: {
            std::array<char, kRfc3339Size> buf{};
            writer_.PlainText(time_.format(v.i, buf.data()));
            break;
        }
        case ValueKind::StrList:
            writer_.StartArray();
            StrListView(v.str, v.count).for_each([&](std::string_view s) { write_string(s); });
            writer_.EndArray();
            break;
        case ValueKind::Bytes: {
            static constexpr char kDigits[] = "0123456789abcdef";
            scratch_.resize(v.str.size() * 2);
            for (size_t i = 0; i < v.str.size(); ++i) {
                auto b = static_cast<unsigned char>(v.str[i]);
                scratch_[2 * i] = kDigits[b >> 4];
                scratch_[2 * i + 1] = kDigits[b & 0xf];
            }
            writer_.String(scratch_.data(), static_cast<rapidjson::SizeType>(scratch_.size()));
            break;
        }
        case ValueKind::Text:
            scratch_.clear();
            append_escaped_text(scratch_, v.str);
            writer_.String(scratch_.data(), static_cast<rapidjson::SizeType>(scratch_.size()));
            break;
        case ValueKind::Base64:
            scratch_.clear();
            append_base64(scratch_, v.str);
            writer_.PlainText(scratch_);
            break;
        case ValueKind::Msgpack: {
            MsgpackToJson<JsonWriter> json(writer_);
            walk_msgpack(v.str, v.count, json);
            break;
        }
    }
}

std::string_view JsonEncoder::encode(const Record& record) {
    buffer_.Clear();
    writer_.Reset(buffer_);
    writer_.StartObject();
    for (const Field& f : record.fields()) {
        writer_.Text(f.name, scratch_);
        write_value(f.value);
    }
    writer_.EndObject();
    return {buffer_.GetString(), buffer_.GetSize()};
}

void write_json_record(const Record& record, FdWriter& out) {
    JsonEncoder encoder;
    out.append(encoder.encode(record));
}

void JsonSink::write(const Record& record) {
    out_.append(encoder_.encode(record));
    out_.Put('\n');
}

}  // namespace probelog
