#include "decode/decoder.hpp"

#include <cstring>

namespace probelog::decode {

std::string_view fixed_cstr(const char* data, size_t capacity) {
    return {data, strnlen(data, capacity)};
}

std::string_view errno_name(int err) {
    if (err == 0) return {};
    const char* name = strerrorname_np(err);
    return name != nullptr ? std::string_view(name) : std::string_view("EUNKNOWN");
}

void Decoder::add(uint16_t type, std::string_view event_type, DecodeFn fn) {
    if (type < table_.size()) table_[type] = Entry{event_type, fn};
}

void Decoder::add(uint16_t type, std::string_view event_type, DecodeWithFn fn, const void* ctx) {
    if (type < table_.size()) table_[type] = Entry{event_type, nullptr, fn, ctx};
}

std::string_view Decoder::event_type_name(uint16_t type) const {
    return type < table_.size() ? table_[type].event_type : std::string_view();
}

const char* Decoder::decode(Bytes sample, const BootClock& clock, Record& out) const {
    pl_event_header h{};
    if (!read_struct(sample, h)) return "event shorter than its header";
    if (h.size < sizeof(h) || h.size > sample.size()) return "event size field out of range";
    if (h.type >= table_.size() ||
        (table_[h.type].fn == nullptr && table_[h.type].with_fn == nullptr)) {
        return "unknown event type";
    }
    const Entry& entry = table_[h.type];
    Bytes event = sample.first(h.size);

    begin_record(out, entry.event_type, h.trace, clock.to_realtime_ns(h.boot_ns));
    out.add_uint("pid", h.pid, kCommon);
    out.add_uint("tid", h.tid, kCommon);
    out.add_uint("ppid", h.ppid, kCommon);
    out.add_uint("uid", h.uid, kCommon);
    out.add_uint("gid", h.gid, kCommon);
    out.add_uint("cgroup_id", h.cgroup_id, kCommon);
    // comm lives in the event bytes, which outlive the record's dispatch.
    const auto* comm =
        reinterpret_cast<const char*>(event.data()) + offsetof(pl_event_header, comm);
    out.add_str("comm", fixed_cstr(comm, PL_COMM_LEN), kCommon);
    out.add_uint("cpu", h.cpu, kCommon);
    out.add_uint("seq", h.seq, kCommon);
    return entry.fn != nullptr ? entry.fn(event, out) : entry.with_fn(entry.ctx, event, out);
}

}  // namespace probelog::decode
