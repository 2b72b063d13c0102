#pragma once
// A Record is one event as typed fields in a stable order. It is a view: strings
// point into the event bytes or the record's own small arena, and a Record is
// valid only while it is being dispatched (sinks copy what they keep). Building
// one never allocates.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace probelog {

enum class ValueKind : uint8_t {
    Int,   // signed integer
    Uint,  // unsigned integer
    Bool,
    Float,
    Str,      // text
    Hex,      // unsigned integer shown as 0x...
    Time,     // wall-clock ns since the epoch, shown as RFC 3339
    StrList,  // `count` NUL-terminated strings packed back to back in `str`
    Bytes,    // raw bytes, shown as hex
    // Captured bytes in the form a probe's ':FORMAT' asked for (docs/PROBES.md):
    Text,     // shown as text, every byte that is not printable UTF-8 escaped \xNN
    Base64,   // shown as base64
    Msgpack,  // `count` whole msgpack objects (checked): a nested value, an array if several
};

// Per-field presentation hints.
enum FieldFlags : uint8_t {
    kFieldNone = 0,
    kHideInTable = 1u << 0,  // compatibility/duplicate fields the terminal table skips
    kCommon = 1u << 1,       // a common header field (event_type, pid, comm, ...)
};

struct Value {
    ValueKind kind = ValueKind::Int;
    union {
        int64_t i;
        uint64_t u;
        double f;
        bool b;
    };
    std::string_view str;  // Str, StrList, Bytes, Text, Base64, Msgpack
    uint32_t count = 0;    // StrList: number of strings; Msgpack: number of objects

    Value() : i(0) {}
};

struct Field {
    std::string_view name;
    Value value;
    uint8_t flags = kFieldNone;
};

// Iterates the strings of a StrList value.
class StrListView {
  public:
    StrListView(std::string_view packed, uint32_t count) : packed_(packed), count_(count) {}
    template <typename Fn>
    void for_each(Fn&& fn) const {
        size_t pos = 0;
        for (uint32_t i = 0; i < count_ && pos <= packed_.size(); ++i) {
            size_t end = packed_.find('\0', pos);
            if (end == std::string_view::npos) end = packed_.size();
            fn(packed_.substr(pos, end - pos));
            pos = end + 1;
        }
    }

  private:
    std::string_view packed_;
    uint32_t count_;
};

class Record {
  public:
    // Fields a decoder may fill; past them, room for the fields user space adds
    // to a decoded record (the container a task runs in: containers/enricher),
    // so that a probe record with as many captures as fit still gets them.
    static constexpr size_t kMaxFields = 64;
    static constexpr size_t kEnrichmentFields = 8;
    static constexpr size_t kCapacity = kMaxFields + kEnrichmentFields;
    static constexpr size_t kArenaSize = 2048;

    void clear() {
        count_ = 0;
        arena_used_ = 0;
        event_type_ = {};
        trace_ = 0;
        source_ = 0;
        time_ns_ = 0;
    }

    // What the record is ("exec", "listen", ...) and the trace it belongs to.
    std::string_view event_type() const { return event_type_; }
    void set_event_type(std::string_view type) { event_type_ = type; }
    uint16_t trace() const { return trace_; }
    void set_trace(uint16_t trace) { trace_ = trace; }
    // Which instance of the trace produced it, where a trace has several (the
    // probe id of a --probe record); 0 otherwise. Not a field.
    uint32_t source() const { return source_; }
    void set_source(uint32_t source) { source_ = source; }
    int64_t time_ns() const { return time_ns_; }
    void set_time_ns(int64_t ns) { time_ns_ = ns; }

    void add_int(std::string_view name, int64_t v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Int;
        val.i = v;
        push(name, val, flags);
    }
    void add_uint(std::string_view name, uint64_t v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Uint;
        val.u = v;
        push(name, val, flags);
    }
    void add_hex(std::string_view name, uint64_t v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Hex;
        val.u = v;
        push(name, val, flags);
    }
    void add_bool(std::string_view name, bool v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Bool;
        val.b = v;
        push(name, val, flags);
    }
    void add_float(std::string_view name, double v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Float;
        val.f = v;
        push(name, val, flags);
    }
    void add_str(std::string_view name, std::string_view v, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Str;
        val.str = v;
        push(name, val, flags);
    }
    void add_time(std::string_view name, int64_t realtime_ns, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Time;
        val.i = realtime_ns;
        push(name, val, flags);
    }
    void add_str_list(std::string_view name, std::string_view packed, uint32_t count,
                      uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::StrList;
        val.str = packed;
        val.count = count;
        push(name, val, flags);
    }
    void add_bytes(std::string_view name, std::string_view bytes, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = ValueKind::Bytes;
        val.str = bytes;
        push(name, val, flags);
    }

    // Bytes shown as Text, Base64 or Msgpack (whose `count` is what
    // count_msgpack_objects returned for them).
    void add_formatted_bytes(std::string_view name, std::string_view bytes, ValueKind kind,
                             uint32_t count = 0, uint8_t flags = kFieldNone) {
        Value val;
        val.kind = kind;
        val.str = bytes;
        val.count = count;
        push(name, val, flags);
    }

    // Copies text into the record's arena (for values formatted while decoding,
    // such as an address as text). Returns what fit.
    std::string_view store(std::string_view text);
    // Room for up to n bytes in the arena; commit with store_commit(used).
    std::span<char> store_begin(size_t n);
    std::string_view store_commit(size_t used);

    std::span<const Field> fields() const { return {fields_.data(), count_}; }
    const Field* find(std::string_view name) const;
    bool full() const { return count_ >= kMaxFields; }

  private:
    void push(std::string_view name, const Value& v, uint8_t flags) {
        if (count_ < kCapacity) fields_[count_++] = Field{name, v, flags};
    }

    std::string_view event_type_;
    uint16_t trace_ = 0;
    uint32_t source_ = 0;
    int64_t time_ns_ = 0;
    size_t count_ = 0;
    size_t arena_used_ = 0;
    std::array<Field, kCapacity> fields_{};
    std::array<char, kArenaSize> arena_{};
};

// Starts `r` afresh as an `event_type` record of `trace` at `time_ns` (wall
// clock), with the two fields every record begins with: time and event_type.
// Decoders and the records probelog makes itself (loss reports, xdp stats and
// blocklist changes, io aggregates) all start here, so that outputs see one layout.
inline void begin_record(Record& r, std::string_view event_type, uint16_t trace, int64_t time_ns) {
    r.clear();
    r.set_event_type(event_type);
    r.set_trace(trace);
    r.set_time_ns(time_ns);
    r.add_time("time", time_ns, kCommon);
    r.add_str("event_type", event_type, kCommon);
}

}  // namespace probelog
