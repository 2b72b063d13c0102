// Decodes dynamic probe events (schema/probe.h) with the run's ProbeTable.
#include "decode/probe.hpp"

#include <cstddef>

#include "common/msgpack_walk.hpp"
#include "decode/probe_values.hpp"
#include "pipeline/value_text.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::decode {
namespace {

constexpr size_t kFixedSize = offsetof(pl_probe_event, area);

// Adds the captured bytes in the slot's format. Returns why bytes asked for as
// msgpack are not msgpack (they are then shown as hex), or null.
const char* add_captured_bytes(const ProbeSlotInfo& slot, std::string_view bytes, Record& out) {
    switch (slot.format) {
        case BytesFormat::Default:
            if (slot.kind == ProbeValueKind::Str) {
                out.add_str(slot.name, bytes);
            } else {
                out.add_bytes(slot.name, bytes);
            }
            return nullptr;
        case BytesFormat::Hex:
            out.add_bytes(slot.name, bytes);
            return nullptr;
        case BytesFormat::Text:
            out.add_formatted_bytes(slot.name, bytes, ValueKind::Text);
            return nullptr;
        case BytesFormat::Base64:
            out.add_formatted_bytes(slot.name, bytes, ValueKind::Base64);
            return nullptr;
        case BytesFormat::Msgpack:
            break;
    }
    if (bytes.empty()) {  // a NULL pointer, an unreadable or an empty buffer
        out.add_bytes(slot.name, bytes);
        return nullptr;
    }
    MsgpackCheck check = check_msgpack(bytes);
    if (check.problem != nullptr) {
        out.add_bytes(slot.name, bytes);
        return check.problem;
    }
    out.add_formatted_bytes(slot.name, bytes, ValueKind::Msgpack, check.count);
    return nullptr;
}

// log "TEXT {VALUE}": the text with each value as the record shows it.
void add_message(const std::vector<MessagePart>& parts, std::string& text, Record& out) {
    text.clear();
    for (const MessagePart& part : parts) {
        if (!part.is_field) {
            text += part.text;
            continue;
        }
        const Field* f = out.find(part.text);
        if (f == nullptr) {
            text += "?";  // not in this record (a value read at return, in an entry record)
        } else {
            append_value_text(text, f->value);
        }
    }
    out.add_str("message", out.store(text));
}

}  // namespace

const char* decode_probe(const ProbeTable& table, Bytes event, Record& out) {
    if (event.size() < kFixedSize) return "probe event shorter than its fixed part";
    pl_probe_event fixed;  // only the fixed part is copied
    std::memcpy(&fixed, event.data(), kFixedSize);
    if (fixed.probe_id >= table.probes.size()) return "probe event for an unknown probe";
    const ProbeInfo& probe = table.probes[fixed.probe_id];
    out.set_source(fixed.probe_id);

    size_t first = 0;
    size_t end = probe.slots.size();
    std::string_view stage;
    switch (fixed.stage) {
        case PL_PROBE_STAGE_CALL:
            stage = "call";
            break;
        case PL_PROBE_STAGE_ENTRY:
            stage = "entry";
            end = probe.n_entry;
            break;
        case PL_PROBE_STAGE_RETURN:
            stage = "return";
            first = probe.n_entry;
            break;
        default:
            return "probe event with an unknown stage";
    }
    if (fixed.first_slot != first || fixed.n_values != end - first) {
        return "probe event values do not match its probe";
    }
    size_t values_size = size_t{fixed.n_values} * sizeof(pl_probe_value);
    if (values_size + fixed.data_used > event.size() - kFixedSize) {
        return "probe event lengths exceed its size";
    }
    out.add_str("probe", probe.name);
    if (!probe.policy.empty()) out.add_str("policy", probe.policy);
    out.add_str("stage", stage, fixed.stage == PL_PROBE_STAGE_CALL ? kHideInTable : kFieldNone);
    if (!probe.usdt_provider.empty()) {  // the table's probe column already names them
        out.add_str("usdt_provider", probe.usdt_provider, kHideInTable);
        out.add_str("usdt_name", probe.usdt_name, kHideInTable);
    }

    const char* area = reinterpret_cast<const char*>(event.data()) + kFixedSize;
    const char* data = area + values_size;
    for (size_t i = first; i < end; ++i) {
        const ProbeSlotInfo& slot = probe.slots[i];
        const char* at = area + (i - first) * sizeof(pl_probe_value);
        pl_probe_value pv;
        std::memcpy(&pv, at, sizeof(pv));
        uint64_t v = pv.value;
        uint8_t flags = pv.flags;
        size_t off = pv.data_off;
        size_t len = pv.data_len;
        if (slot.kind != ProbeValueKind::Str && slot.kind != ProbeValueKind::Buf && len != 0) {
            return "probe event captured bytes for a scalar";
        }
        if (off > fixed.data_used || len > fixed.data_used - off) {
            return "probe event capture outside its data";
        }
        if (slot.hidden) {  // read for the condition only
            if (slot.kind == ProbeValueKind::GoInterface) i += 2;
            continue;
        }
        if (slot.kind == ProbeValueKind::GoInterface) {
            // Three slots: the type word, the string at the data, the data word.
            if (i + 2 >= end) return "probe event without the parts of an interface";
            pl_probe_value text;
            pl_probe_value data_word;
            std::memcpy(&text, at + sizeof(pl_probe_value), sizeof(text));
            std::memcpy(&data_word, at + 2 * sizeof(pl_probe_value), sizeof(data_word));
            if (text.data_off > fixed.data_used ||
                text.data_len > fixed.data_used - text.data_off) {
                return "probe event capture outside its data";
            }
            InterfaceWords w;
            w.type = v;
            w.type_flags = flags;
            w.first = text.value;
            w.text = std::string_view(data + text.data_off, text.data_len);
            w.text_flags = text.flags;
            w.data = data_word.value;
            w.data_flags = data_word.flags;
            w.data_fail_step = data_word.fail_step;
            add_interface(slot, w, fixed.hdr.pid, out);
            i += 2;
            continue;
        }
        if ((flags & PL_VALUE_PATH) != 0) {
            // A field expression met a NULL pointer or unreadable memory: no value.
            add_null(slot.name, out);
            add_path_error(slot, flags, pv.fail_step, out);
            continue;
        }
        switch (slot.kind) {
            case ProbeValueKind::GoInterface:  // decoded above
                break;
            case ProbeValueKind::Int:
            case ProbeValueKind::Uint:
            case ProbeValueKind::Float:
            case ProbeValueKind::Enum:
                add_member_value(slot, v, out);
                break;
            case ProbeValueKind::Hex:
                out.add_hex(slot.name, v);
                break;
            case ProbeValueKind::Bool:
                out.add_bool(slot.name, (v & 0xff) != 0);
                break;
            case ProbeValueKind::Char:
                // The value's low byte, in the event bytes (little-endian), as one character.
                out.add_str(slot.name, std::string_view(at + offsetof(pl_probe_value, value), 1));
                break;
            case ProbeValueKind::Str:
            case ProbeValueKind::Buf: {
                if (!slot.bytes_access.empty() && (flags & (PL_VALUE_NULL | PL_VALUE_FAULT)) != 0) {
                    add_bytes_error(slot, flags, out);  // a capture: no value, not ""
                    break;
                }
                std::string_view bytes(data + off, len);
                const char* not_msgpack = nullptr;
                uint64_t count = pv.len;
                if (slot.elem_bytes != 0) {  // an array, a slice, a vector: elements
                    if (!add_elements(slot, bytes, out)) flags |= PL_VALUE_TRUNCATED;
                    count /= slot.elem_bytes;
                } else {
                    not_msgpack = add_captured_bytes(slot, bytes, out);
                }
                // The length as read (a buffer's; a Go string's), before the cap.
                if (!slot.len_name.empty()) out.add_uint(slot.len_name, count, kHideInTable);
                // The terminal table shows the flag only when it is set.
                bool truncated = (flags & PL_VALUE_TRUNCATED) != 0;
                out.add_bool(slot.truncated_name, truncated, truncated ? kFieldNone : kHideInTable);
                if ((flags & PL_VALUE_NULL) != 0) {
                    out.add_str(slot.error_name, "null");
                } else if ((flags & PL_VALUE_FAULT) != 0) {
                    out.add_str(slot.error_name, "fault");
                } else if (not_msgpack != nullptr) {
                    out.add_str(slot.error_name, not_msgpack);  // a constant
                }
                break;
            }
        }
        if (slot.kind != ProbeValueKind::Str && slot.kind != ProbeValueKind::Buf &&
            (flags & PL_VALUE_FAULT) != 0) {
            out.add_str(slot.error_name, "fault");  // a stack slot that could not be read
        }
    }
    if (fixed.stage != PL_PROBE_STAGE_ENTRY) out.add_uint("latency_ns", fixed.latency_ns);
    if (!probe.message.empty() && fixed.stage != PL_PROBE_STAGE_RETURN) {
        add_message(probe.message, table.message_scratch, out);
    }
    return nullptr;
}

const char* decode_probe_thunk(const void* ctx, Bytes event, Record& out) {
    return decode_probe(*static_cast<const ProbeTable*>(ctx), event, out);
}

}  // namespace probelog::decode
