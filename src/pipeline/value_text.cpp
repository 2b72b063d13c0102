#include "pipeline/value_text.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "common/clock.hpp"
#include "common/msgpack_walk.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"
#include "sinks/msgpack_json.hpp"

namespace probelog {

void append_value_text(std::string& out, const Value& v) {
    auto to = std::back_inserter(out);
    switch (v.kind) {
        case ValueKind::Int:
            fmt::format_to(to, "{}", v.i);
            break;
        case ValueKind::Uint:
            fmt::format_to(to, "{}", v.u);
            break;
        case ValueKind::Bool:
            out.append(v.b ? "true" : "false");
            break;
        case ValueKind::Float:
            fmt::format_to(to, "{}", v.f);
            break;
        case ValueKind::Str:
            out.append(v.str);
            break;
        case ValueKind::Hex:
            fmt::format_to(to, "0x{:x}", v.u);
            break;
        case ValueKind::Time: {
            std::array<char, kRfc3339Size> buf{};
            out.append(format_rfc3339(v.i, buf.data()));
            break;
        }
        case ValueKind::StrList: {
            bool first = true;
            StrListView(v.str, v.count).for_each([&](std::string_view s) {
                if (!first) out.push_back(' ');
                first = false;
                out.append(s);
            });
            break;
        }
        case ValueKind::Bytes:
            append_hex_bytes(out, v.str);
            break;
        case ValueKind::Text:
            append_escaped_text(out, v.str);
            break;
        case ValueKind::Base64:
            append_base64(out, v.str);
            break;
        case ValueKind::Msgpack: {
            rapidjson::StringBuffer buffer;
            rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
            MsgpackToJson json(writer);
            walk_msgpack(v.str, v.count, json);
            out.append(buffer.GetString(), buffer.GetSize());
            break;
        }
    }
}

}  // namespace probelog
