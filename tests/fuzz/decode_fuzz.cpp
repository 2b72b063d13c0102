// Every event decoder (src/decode/): the first input byte picks the event
// type (a built-in one or a dynamic probe's) and, in its top bit, whether the
// header's size field is made to agree with the sample; the rest is the ring
// buffer sample, with that type written into its header. A record that decodes is
// encoded as JSON, as stdout's sink does (rapidjson: docs/DEVELOPING.md,
// "Fuzzing", defect 8).
#include <cstring>
#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "decode/probe.hpp"
#include "fuzz_input.hpp"
#include "sinks/json_sink.hpp"
#include "support/builtin_decoder.hpp"
#include "support/probe_slot.hpp"

namespace {

using namespace probelog;
using decode::ProbeSlotInfo;
using K = decode::ProbeValueKind;

class TypeNames final : public decode::TypeNameSource {
  public:
    std::string_view name_of(uint64_t type_address, uint32_t) override {
        static constexpr std::string_view kNames[] = {"",    "string", "*errors.errorString",
                                                      "int", "bool",   "*fmt.wrapError"};
        return kNames[type_address % std::size(kNames)];
    }
};

constexpr auto slot = &test::probe_slot;

// Two probes whose slots cover every value kind, format and path error: what
// the --probe compiler makes, so consistent (the decoder trusts its table).
const decode::ProbeTable& probe_table() {
    static const decode::ProbeTable table = [] {
        decode::ProbeTable t;
        decode::ProbeInfo p;
        p.name = "app:f";
        p.slots = {slot(K::Int, 1, "a"),    slot(K::Uint, 2, "b"),      slot(K::Hex, 8, "p"),
                   slot(K::Bool, 1, "ok"),  slot(K::Char, 1, "c"),      slot(K::Str, 8, "s"),
                   slot(K::Buf, 8, "data"), slot(K::Float, 8, "ratio"), slot(K::Int, 4, "ret")};
        p.slots[5].format = BytesFormat::Text;
        p.slots[5].access = {"req", "req->path"};
        p.slots[5].bytes_access = "req->path";
        p.slots[6].format = BytesFormat::Msgpack;
        p.n_entry = 8;
        p.message = {{"a=", false}, {"a", true}, {" s=", false}, {"s", true}};
        t.probes.push_back(p);

        decode::ProbeInfo q;
        q.name = "usdt:app:prov:name";
        q.usdt_provider = "prov";
        q.usdt_name = "name";
        ProbeSlotInfo mode = slot(K::Enum, 4, "mode");
        mode.enumerators = {{0, "READ"}, {1, "WRITE"}, {-1, "NONE"}};
        mode.is_signed = true;
        ProbeSlotInfo bits = slot(K::Uint, 4, "flags");
        bits.bit_offset = 3;
        bits.bit_size = 5;
        ProbeSlotInfo arr = slot(K::Buf, 8, "v");
        arr.elem_kind = K::Int;
        arr.elem_bytes = 4;
        ProbeSlotInfo b64 = slot(K::Buf, 8, "raw");
        b64.format = BytesFormat::Base64;
        ProbeSlotInfo err = slot(K::GoInterface, 8, "err");
        err.type_names = std::make_shared<TypeNames>();
        err.type_name = "err_type";
        ProbeSlotInfo hidden = slot(K::Uint, 8, "n");
        hidden.hidden = true;
        q.slots = {
            mode,  bits, arr, b64, err, slot(K::Str, 8, "err_text"), slot(K::Hex, 8, "err_data"),
            hidden};
        q.n_entry = 8;
        t.probes.push_back(q);
        return t;
    }();
    return table;
}

decode::Decoder make_decoder() {
    decode::Decoder d = test::builtin_decoder();
    d.add(PL_EVENT_PROBE, "probe", &decode::decode_probe_thunk, &probe_table());
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const decode::Decoder decoder = make_decoder();
    static const BootClock clock;
    static JsonEncoder encoder;
    if (size == 0) return 0;
    // Types 0..PL_EVENT_TLS_SHUTDOWN, and one nobody registered.
    auto type = static_cast<uint16_t>((data[0] & 0x7f) % (PL_EVENT_TLS_SHUTDOWN + 2));
    bool size_agrees = (data[0] & 0x80) != 0;
    // A copy: the decoder may keep no pointer into the fuzzer's buffer past
    // this call, and the header is written.
    const auto* body = reinterpret_cast<const std::byte*>(data) + 1;
    std::vector<std::byte> sample(body, body + (size - 1));
    if (sample.size() >= sizeof(pl_event_header)) {
        std::memcpy(sample.data() + offsetof(pl_event_header, type), &type, sizeof(type));
        auto sample_size = static_cast<uint32_t>(sample.size());
        if (size_agrees)
            std::memcpy(sample.data() + offsetof(pl_event_header, size), &sample_size, 4);
    }
    Record record;
    if (decoder.decode(sample, clock, record) == nullptr) (void)encoder.encode(record);
    return 0;
}
