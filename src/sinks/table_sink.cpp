#include "sinks/table_sink.hpp"

#include <fmt/format.h>

#include <array>

#include "common/clock.hpp"
#include "common/utf8.hpp"
#include "pipeline/value_text.hpp"
#include "sinks/encode_util.hpp"

namespace probelog {
namespace {

constexpr size_t kEventWidth = 8;
constexpr size_t kPidWidth = 7;
constexpr size_t kCommWidth = 16;
constexpr size_t kMaxBytesShown = 32;

bool needs_quotes(std::string_view s) {
    if (s.empty()) return true;
    for (unsigned char c : s) {
        if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) return true;
    }
    return false;
}

void append_text(std::string& out, std::string_view s) {
    if (!needs_quotes(s)) {
        out.append(s);
        return;
    }
    out.push_back('"');
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out.append("\\n");
        } else if (c == '\t') {
            out.append("\\t");
        } else if (c < ' ' || c == 0x7f) {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

void append_value(std::string& out, const Value& v) {
    switch (v.kind) {
        case ValueKind::Str:
            append_text(out, v.str);
            break;
        case ValueKind::StrList: {
            out.push_back('[');
            bool first = true;
            StrListView(v.str, v.count).for_each([&](std::string_view s) {
                if (!first) out.push_back(' ');
                first = false;
                append_text(out, s);
            });
            out.push_back(']');
            break;
        }
        case ValueKind::Bytes: {
            size_t n = std::min(v.str.size(), kMaxBytesShown);
            append_hex_bytes(out, v.str.substr(0, n));
            if (n < v.str.size()) out.append("…");
            break;
        }
        case ValueKind::Text: {
            std::string text;
            append_escaped_text(text, v.str);
            append_text(out, text);
            break;
        }
        default:
            // Numbers, times, base64 and msgpack (compact JSON) read the same
            // in a table column as in a message.
            append_value_text(out, v);
            break;
    }
}

void pad_to(std::string& out, size_t start, size_t width) {
    size_t used = out.size() - start;
    out.append(used < width ? width - used : 0, ' ');
    out.push_back(' ');
}

std::string_view str_of(const Record& r, std::string_view name) {
    const Field* f = r.find(name);
    return f != nullptr && f->value.kind == ValueKind::Str ? f->value.str : std::string_view();
}

void append_uint_of(std::string& out, const Record& r, std::string_view name) {
    const Field* f = r.find(name);
    if (f != nullptr && f->value.kind == ValueKind::Uint) {
        fmt::format_to(std::back_inserter(out), "{}", f->value.u);
    } else {
        out.push_back('-');
    }
}

// Cuts a row to `width` display columns, counting UTF-8 lead bytes only.
void cut_to_width(std::string& row, size_t width) {
    size_t columns = 0;
    for (size_t i = 0; i < row.size(); ++i) {
        if ((static_cast<unsigned char>(row[i]) & 0xC0) == 0x80) continue;
        if (columns == width - 1) {
            row.resize(i);
            row.append("…");
            return;
        }
        ++columns;
    }
}

}  // namespace

std::string TableSink::header() {
    return fmt::format("{:<15} {:<{}} {:>{}} {:>{}} {:<{}} {}", "TIME", "EVENT", kEventWidth, "PID",
                       kPidWidth, "PPID", kPidWidth, "COMM", kCommWidth, "DETAILS");
}

std::string TableSink::format_row(const Record& r) const {
    std::string out;
    std::array<char, 16> clock{};
    out.append(format_clock_time(r.time_ns(), clock.data()));
    out.push_back(' ');
    size_t start = out.size();
    out.append(r.event_type());
    pad_to(out, start, kEventWidth);

    for (std::string_view name : {"pid", "ppid"}) {
        std::string num;
        append_uint_of(num, r, name);
        out.append(num.size() < kPidWidth ? kPidWidth - num.size() : 0, ' ');
        out.append(num);
        out.push_back(' ');
    }
    start = out.size();
    append_text(out, str_of(r, "comm"));
    pad_to(out, start, kCommWidth);

    // A probe's message (log "...") is the line a person reads: it comes first.
    const Field* message = r.find("message");
    if (message != nullptr && message->value.kind != ValueKind::Str) message = nullptr;
    bool first = true;
    if (message != nullptr) {
        append_escaped_text(out, message->value.str);  // unquoted: a sentence
        out.push_back(' ');                            // and two blanks before the fields
        first = false;
    }
    for (const Field& f : r.fields()) {
        if ((f.flags & (kCommon | kHideInTable)) != 0 || &f == message) continue;
        if (!first) out.push_back(' ');
        first = false;
        out.append(f.name);
        out.push_back('=');
        append_value(out, f.value);
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

void TableSink::write(const Record& record) {
    if (!header_written_) {
        row_ = header();
        if (width_ > 1) cut_to_width(row_, width_);
        out_.append(row_);
        out_.Put('\n');
        header_written_ = true;
    }
    row_ = format_row(record);
    if (width_ > 1) cut_to_width(row_, width_);
    out_.append(row_);
    out_.Put('\n');
}

}  // namespace probelog
