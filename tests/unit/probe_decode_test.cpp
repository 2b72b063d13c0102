// The probe event decoder on hand-built events: every value kind, the stages,
// and events that lie about their lengths.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/clock.hpp"
#include "decode/probe.hpp"
#include "support/probe_slot.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::decode {
namespace {

using K = ProbeValueKind;

constexpr auto slot = &test::probe_slot;

ProbeTable table() {
    ProbeTable t;
    ProbeInfo p;
    p.name = "app:f";
    p.slots = {slot(K::Int, 1, "a"),    slot(K::Uint, 2, "b"), slot(K::Hex, 8, "p"),
               slot(K::Bool, 1, "ok"),  slot(K::Char, 1, "c"), slot(K::Str, 8, "s"),
               slot(K::Buf, 8, "data"), slot(K::Int, 4, "ret")};
    p.n_entry = 7;
    t.probes.push_back(p);
    return t;
}

struct Built {
    std::vector<std::byte> bytes;
    pl_probe_event* event() { return reinterpret_cast<pl_probe_event*>(bytes.data()); }
    pl_probe_value* value(size_t i) {
        return reinterpret_cast<pl_probe_value*>(event()->area + i * sizeof(pl_probe_value));
    }
};

// An event of table()'s probe; stage entry carries slots 0..6, return slot 7, call all.
Built build(uint8_t stage) {
    size_t first = stage == PL_PROBE_STAGE_RETURN ? 7 : 0;
    size_t end = stage == PL_PROBE_STAGE_ENTRY ? 7 : 8;
    pl_probe_value all[8] = {};
    all[0].value = 0xff80;  // -128 in the low byte, garbage above
    all[1].value = 0xabcd0000ffffULL;
    all[2].value = 0xdeadbeef;
    all[3].value = 0x100;  // only the low byte counts: false
    all[4].value = 'Z';
    all[5].value = 0x7000;
    all[5].data_off = 0;
    all[5].data_len = 5;
    all[6].value = 0x8000;
    all[6].len = 10;
    all[6].data_off = 5;
    all[6].data_len = 4;
    all[6].flags = PL_VALUE_TRUNCATED;
    all[7].value = 0xfffffffe;  // -2 as an int

    pl_probe_event e{};
    e.hdr.type = PL_EVENT_PROBE;
    e.hdr.trace = PL_TRACE_PROBE;
    e.probe_id = 0;
    e.stage = stage;
    e.first_slot = static_cast<uint8_t>(first);
    e.n_values = static_cast<uint8_t>(end - first);
    e.latency_ns = 12345;
    size_t values = (end - first) * sizeof(pl_probe_value);
    std::memcpy(e.area, &all[first], values);
    e.data_used = 0;
    if (first == 0) {
        std::memcpy(e.area + values, "hello\x01\x02\x03\x04", 9);
        e.data_used = 9;
    }
    size_t size = offsetof(pl_probe_event, area) + values + e.data_used;
    e.hdr.size = static_cast<uint32_t>(size);
    Built b;
    b.bytes.resize(size);
    std::memcpy(b.bytes.data(), &e, size);
    return b;
}

std::string render(const Record& r) {
    std::string out;
    for (const Field& f : r.fields()) {
        out += std::string(f.name) + "=";
        switch (f.value.kind) {
            case ValueKind::Int:
                out += std::to_string(f.value.i);
                break;
            case ValueKind::Uint:
                out += std::to_string(f.value.u);
                break;
            case ValueKind::Hex:
                out += fmt::format("0x{:x}", f.value.u);
                break;
            case ValueKind::Bool:
                out += f.value.b ? "true" : "false";
                break;
            case ValueKind::Bytes:
                for (char c : f.value.str)
                    out += fmt::format("{:02x}", static_cast<unsigned char>(c));
                break;
            default:
                out += std::string(f.value.str);
        }
        out += " ";
    }
    return out;
}

TEST(ProbeDecode, CallRecordWithEveryKind) {
    ProbeTable t = table();
    Built b = build(PL_PROBE_STAGE_CALL);
    Record r;
    ASSERT_EQ(decode_probe(t, b.bytes, r), nullptr);
    EXPECT_EQ(render(r),
              "probe=app:f stage=call a=-128 b=65535 p=0xdeadbeef ok=false c=Z s=hello "
              "s_truncated=false data=01020304 data_len=10 data_truncated=true ret=-2 "
              "latency_ns=12345 ");
}

TEST(ProbeDecode, EntryAndReturnStagesCarryTheirSlots) {
    ProbeTable t = table();
    Record entry;
    Built e = build(PL_PROBE_STAGE_ENTRY);
    ASSERT_EQ(decode_probe(t, e.bytes, entry), nullptr);
    EXPECT_EQ(entry.find("ret"), nullptr);
    EXPECT_EQ(entry.find("latency_ns"), nullptr);
    EXPECT_NE(entry.find("a"), nullptr);
    EXPECT_EQ(entry.find("stage")->value.str, "entry");
    Record ret;
    Built r = build(PL_PROBE_STAGE_RETURN);
    ASSERT_EQ(decode_probe(t, r.bytes, ret), nullptr);
    EXPECT_EQ(render(ret), "probe=app:f stage=return ret=-2 latency_ns=12345 ");
}

TEST(ProbeDecode, NullAndFaultBecomeErrorFields) {
    ProbeTable t = table();
    Built b = build(PL_PROBE_STAGE_CALL);
    b.value(5)->flags = PL_VALUE_NULL;
    b.value(5)->data_len = 0;
    b.value(6)->flags = PL_VALUE_FAULT;
    b.value(6)->data_len = 0;
    b.value(0)->flags = PL_VALUE_FAULT;  // a stack slot that could not be read
    Record r;
    ASSERT_EQ(decode_probe(t, b.bytes, r), nullptr);
    EXPECT_EQ(r.find("s_error")->value.str, "null");
    EXPECT_EQ(r.find("data_error")->value.str, "fault");
    EXPECT_EQ(r.find("a_error")->value.str, "fault");
    EXPECT_EQ(r.find("s")->value.str, "");
}

TEST(ProbeDecode, RejectsLies) {
    ProbeTable t = table();
    Record r;
    Built b = build(PL_PROBE_STAGE_CALL);
    pl_probe_event* e = b.event();
    e->probe_id = 1;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event for an unknown probe");
    e->probe_id = 0;
    e->n_values = 7;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event values do not match its probe");
    e->n_values = 8;
    e->first_slot = 1;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event values do not match its probe");
    e->first_slot = 0;
    e->data_used = 100;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event lengths exceed its size");
    e->data_used = 9;
    b.value(6)->data_off = 7;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event capture outside its data");
    b.value(6)->data_off = 5;
    b.value(0)->data_len = 1;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event captured bytes for a scalar");
    b.value(0)->data_len = 0;
    e->stage = 9;
    EXPECT_STREQ(decode_probe(t, b.bytes, r), "probe event with an unknown stage");
    EXPECT_STREQ(decode_probe(t, std::span(b.bytes).first(90), r),
                 "probe event shorter than its fixed part");
    e->stage = PL_PROBE_STAGE_CALL;
    EXPECT_EQ(decode_probe(t, b.bytes, r), nullptr);
}

TEST(ProbeDecode, ThroughTheDecoderWithContext) {
    ProbeTable t = table();
    Decoder d;
    d.add(PL_EVENT_PROBE, "probe", &decode_probe_thunk, &t);
    Built b = build(PL_PROBE_STAGE_CALL);
    BootClock clock;
    Record r;
    ASSERT_EQ(d.decode(b.bytes, clock, r), nullptr);
    EXPECT_EQ(r.event_type(), "probe");
    EXPECT_EQ(r.find("probe")->value.str, "app:f");
}

}  // namespace
}  // namespace probelog::decode
