// Captured bytes shown as a probe's ':FORMAT' asks (issue 15): the text
// escaping, the msgpack check and walk, the spec suffix, the decoder, and each
// output's rendering of a msgpack value (JSON, table, Forward, OTLP).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstring>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "common/msgpack_walk.hpp"
#include "common/utf8.hpp"
#include "decode/probe.hpp"
#include "pipeline/record.hpp"
#include "probes/spec.hpp"
#include "sinks/forward_sink.hpp"
#include "sinks/json_sink.hpp"
#include "sinks/otlp_sink.hpp"
#include "sinks/table_sink.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// What Fluent Bit hands flb_input_log_append: [[time, {}], {"message": ...}]
// records back to back; here one record plus a scalar, with binary, ext,
// nested maps and arrays, negative, float, nil and a non-string key.
std::string sample_msgpack() {
    msgpack::sbuffer buf;
    Packer pk(buf);
    pk.pack_map(7);
    pk.pack(std::string("message"));
    pk.pack(std::string("I am a very large buffer"));
    pk.pack(std::string("n"));
    pk.pack(-42);
    pk.pack(std::string("pi"));
    pk.pack(2.5);
    pk.pack(std::string("none"));
    pk.pack_nil();
    pk.pack(std::string("list"));
    pk.pack_array(3);
    pk.pack(true);
    pk.pack(uint64_t{18446744073709551615ULL});
    pk.pack_map(1);
    pk.pack(std::string("deep"));
    pk.pack(std::string("x"));
    pk.pack(std::string("raw"));
    pk.pack_bin(3);
    pk.pack_bin_body("\x00\x01\xff", 3);
    pk.pack(7);  // an integer key
    pk.pack_ext(2, 5);
    pk.pack_ext_body("\xab\xcd", 2);
    return {buf.data(), buf.size()};
}

constexpr std::string_view kSampleJson =
    R"({"message":"I am a very large buffer","n":-42,"pi":2.5,"none":null,)"
    R"("list":[true,18446744073709551615,{"deep":"x"}],"raw":"AAH/",)"
    R"("7":{"ext_type":5,"data":"q80="}})";

TEST(EscapedText, PrintableUtf8StaysEverythingElseIsEscaped) {
    std::string out;
    append_escaped_text(out, std::string_view("a\\b\n\x01\x7f é €\xff\xc2\x85z", 17));
    EXPECT_EQ(out, "a\\\\b\\x0a\\x01\\x7f é €\\xff\\xc2\\x85z");
    out.clear();
    append_escaped_text(out, "plain text");
    EXPECT_EQ(out, "plain text");
}

TEST(MsgpackCheck, CountsWholeObjectsAndNamesWhatIsWrong) {
    std::string one = sample_msgpack();
    EXPECT_EQ(check_msgpack(one).count, 1u);
    EXPECT_EQ(check_msgpack(one).problem, nullptr);
    EXPECT_EQ(check_msgpack(one + one + "\x05").count, 3u);  // back to back, a fixint last

    auto problem = [](std::string_view bytes) {
        MsgpackCheck c = check_msgpack(bytes);
        EXPECT_EQ(c.count == 0, c.problem != nullptr);
        return std::string(c.problem != nullptr ? c.problem : "");
    };
    EXPECT_EQ(problem(""), "no bytes to decode as msgpack");
    EXPECT_EQ(problem(one.substr(0, one.size() - 1)),
              "truncated msgpack (the capture ends inside an object)");
    EXPECT_EQ(problem("\xc1"), "not msgpack (malformed)");  // the byte msgpack never uses
    EXPECT_EQ(problem(std::string(33, '\x91') + "\x01"), "msgpack nested deeper than 32 levels");
    EXPECT_EQ(problem(std::string(32, '\x91') + "\x01"), "");  // 32 levels are fine
    EXPECT_EQ(problem("\x81\x90\x01"), "a map key that is an array");
    EXPECT_EQ(problem("\x81\x80\x01"), "a map key that is a map");
    EXPECT_EQ(problem(std::string_view("\x81\xc4\x01\x00\x01", 5)),
              "a map key that is binary data");
}

// The record points into `bytes`, which must outlive it.
Record msgpack_record(const std::string& bytes) {
    Record r;
    begin_record(r, "probe", PL_TRACE_PROBE, 1'700'000'000'000'000'000);
    MsgpackCheck c = check_msgpack(bytes);
    r.add_formatted_bytes("data", bytes, ValueKind::Msgpack, c.count);
    return r;
}

TEST(MsgpackOutputs, JsonLinesCarryTheNestedValue) {
    std::string bytes = sample_msgpack();
    Record r = msgpack_record(bytes);
    JsonEncoder json;
    std::string text(json.encode(r));
    EXPECT_NE(text.find(std::string(R"("data":)") + std::string(kSampleJson) + "}"),
              std::string::npos)
        << text;
    rapidjson::Document doc;
    ASSERT_FALSE(doc.Parse(text.data(), text.size()).HasParseError()) << text;

    // Several objects: one array of them.
    std::string two = bytes + "\x05";
    Record both = msgpack_record(two);
    text = std::string(json.encode(both));
    EXPECT_NE(text.find(R"("data":[{"message")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("q80="}},5]})"), std::string::npos) << text;
}

TEST(MsgpackOutputs, TheTableShowsCompactJson) {
    std::string bytes = sample_msgpack();
    Record r = msgpack_record(bytes);
    std::string row = TableSink(-1, 0).format_row(r);
    EXPECT_NE(row.find("data=" + std::string(kSampleJson)), std::string::npos) << row;
}

TEST(MsgpackOutputs, ForwardCarriesTheOriginalMsgpack) {
    std::string bytes = sample_msgpack();
    Record r = msgpack_record(bytes);
    std::string entry;
    encode_forward_entry(r, true, entry);
    msgpack::object_handle h = msgpack::unpack(entry.data(), entry.size());
    const msgpack::object& record = h.get().via.array.ptr[1];
    ASSERT_EQ(record.type, msgpack::type::MAP);
    const msgpack::object* data = nullptr;
    for (uint32_t i = 0; i < record.via.map.size; ++i) {
        if (record.via.map.ptr[i].key.as<std::string>() == "data")
            data = &record.via.map.ptr[i].val;
    }
    ASSERT_NE(data, nullptr);
    msgpack::object_handle original = msgpack::unpack(bytes.data(), bytes.size());
    EXPECT_EQ(*data, original.get());  // binary and ext included, as they were
}

TEST(MsgpackOutputs, OtlpMakesAnyValues) {
    std::string bytes = sample_msgpack();
    Record r = msgpack_record(bytes);
    std::string text;
    encode_otlp_log_record(r, 1, text);
    rapidjson::Document doc;
    ASSERT_FALSE(doc.Parse(text.data(), text.size()).HasParseError()) << text;
    const rapidjson::Value* data = nullptr;
    for (const auto& attr : doc["attributes"].GetArray()) {
        if (std::string_view(attr["key"].GetString()) == "data") data = &attr["value"];
    }
    ASSERT_NE(data, nullptr) << text;
    const auto& kv = (*data)["kvlistValue"]["values"];
    ASSERT_EQ(kv.Size(), 7u) << text;
    EXPECT_STREQ(kv[0]["key"].GetString(), "message");
    EXPECT_STREQ(kv[0]["value"]["stringValue"].GetString(), "I am a very large buffer");
    EXPECT_STREQ(kv[1]["value"]["intValue"].GetString(), "-42");
    EXPECT_EQ(kv[2]["value"]["doubleValue"].GetDouble(), 2.5);
    EXPECT_TRUE(kv[3]["value"].ObjectEmpty());  // nil: an AnyValue with no value
    const auto& list = kv[4]["value"]["arrayValue"]["values"];
    ASSERT_EQ(list.Size(), 3u);
    EXPECT_TRUE(list[0]["boolValue"].GetBool());
    EXPECT_STREQ(list[1]["stringValue"].GetString(), "18446744073709551615");
    EXPECT_STREQ(list[2]["kvlistValue"]["values"][0]["value"]["stringValue"].GetString(), "x");
    EXPECT_STREQ(kv[5]["value"]["bytesValue"].GetString(), "AAH/");
    EXPECT_STREQ(kv[6]["key"].GetString(), "7");
    EXPECT_STREQ(kv[6]["value"]["kvlistValue"]["values"][1]["value"]["bytesValue"].GetString(),
                 "q80=");
}

TEST(BytesFormatSpec, AFormatFollowsAStrOrBufParameter) {
    auto spec = probes::parse_probe_spec(
        "fluent-bit:flb_input_log_append(ptr ins, str tag:text, u64 tag_len, "
        "buf data[size]:msgpack, u64 size, buf raw[16]:base64 @r9)");
    ASSERT_TRUE(spec) << spec.error().message;
    const auto& p = *spec->params;
    EXPECT_EQ(p[0].format, BytesFormat::Default);
    EXPECT_EQ(p[1].format, BytesFormat::Text);
    EXPECT_EQ(p[3].format, BytesFormat::Msgpack);
    EXPECT_EQ(p[3].len.param, "size");
    EXPECT_EQ(p[5].format, BytesFormat::Base64);
    EXPECT_TRUE(p[5].reg.has_value());
    auto go = probes::parse_probe_spec("./app:main.f(string s:hex, []byte b:text)");
    ASSERT_TRUE(go) << go.error().message;
    EXPECT_EQ((*go->params)[0].format, BytesFormat::Hex);
    EXPECT_EQ((*go->params)[1].format, BytesFormat::Text);
}

TEST(BytesFormatSpec, ErrorsNameTheProblemAndTheFix) {
    auto unknown = probes::parse_probe_spec("app:f(buf data[8]:json)");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message,
              "column 19: unknown format 'json' for data (formats: hex, text, base64, msgpack)");
    auto scalar = probes::parse_probe_spec("app:f(u64 n:hex)");
    ASSERT_FALSE(scalar);
    EXPECT_EQ(scalar.error().message,
              "column 13: a format applies to str, buf, and Go's string and []byte, and n is a "
              "u64: drop ':hex'");
}

// A probe event with one buf slot holding `bytes`, decoded with `format`
// (the record points into the event and the probe table: its field names are
// the table's; both kept with it).
struct Decoded {
    decode::ProbeTable table;
    std::vector<std::byte> event;
    Record record;
    const Field* find(std::string_view name) const { return record.find(name); }
};

Decoded decode_buf(std::string_view bytes, BytesFormat format, uint8_t flags = 0) {
    Decoded out;
    decode::ProbeTable& table = out.table;
    decode::ProbeInfo info;
    info.name = "app:f";
    decode::ProbeSlotInfo slot;
    slot.kind = decode::ProbeValueKind::Buf;
    slot.name = "data";
    slot.error_name = "data_error";
    slot.truncated_name = "data_truncated";
    slot.format = format;
    info.slots.push_back(slot);
    info.n_entry = 1;
    table.probes.push_back(info);

    pl_probe_value v{};
    v.data_len = static_cast<uint16_t>(bytes.size());
    v.flags = flags;
    pl_probe_event e{};
    e.hdr.type = PL_EVENT_PROBE;
    e.stage = PL_PROBE_STAGE_ENTRY;
    e.n_values = 1;
    e.data_used = static_cast<uint16_t>(bytes.size());
    std::memcpy(e.area, &v, sizeof(v));
    std::memcpy(e.area + sizeof(v), bytes.data(), bytes.size());
    size_t size = offsetof(pl_probe_event, area) + sizeof(v) + bytes.size();
    out.event.resize(size);
    std::memcpy(out.event.data(), &e, size);
    EXPECT_EQ(decode::decode_probe(table, out.event, out.record), nullptr);
    return out;
}

TEST(BytesFormatDecode, EachFormatGivesItsKind) {
    std::string bytes = sample_msgpack();
    Decoded m = decode_buf(bytes, BytesFormat::Msgpack);
    ASSERT_NE(m.find("data"), nullptr);
    EXPECT_EQ(m.find("data")->value.kind, ValueKind::Msgpack);
    EXPECT_EQ(m.find("data")->value.count, 1u);
    EXPECT_EQ(m.find("data_error"), nullptr);
    EXPECT_EQ(decode_buf("ab", BytesFormat::Text).find("data")->value.kind, ValueKind::Text);
    EXPECT_EQ(decode_buf("ab", BytesFormat::Base64).find("data")->value.kind, ValueKind::Base64);
    EXPECT_EQ(decode_buf("ab", BytesFormat::Hex).find("data")->value.kind, ValueKind::Bytes);
    EXPECT_EQ(decode_buf("ab", BytesFormat::Default).find("data")->value.kind, ValueKind::Bytes);
}

TEST(BytesFormatDecode, MalformedMsgpackFallsBackToHexWithAnError) {
    std::string bytes = sample_msgpack();
    Decoded r = decode_buf(std::string_view(bytes).substr(0, 20), BytesFormat::Msgpack);
    ASSERT_NE(r.find("data"), nullptr);
    EXPECT_EQ(r.find("data")->value.kind, ValueKind::Bytes);
    EXPECT_EQ(r.find("data")->value.str, std::string_view(bytes).substr(0, 20));
    ASSERT_NE(r.find("data_error"), nullptr);
    EXPECT_EQ(r.find("data_error")->value.str,
              "truncated msgpack (the capture ends inside an object)");
    // A NULL pointer says null, not a msgpack problem.
    Decoded null = decode_buf("", BytesFormat::Msgpack, PL_VALUE_NULL);
    EXPECT_EQ(null.find("data_error")->value.str, "null");
}

}  // namespace
}  // namespace probelog
