// How field-expression values are shown (decode/probe_values.hpp): bitfields,
// enums by name, elements as a nested array (cut to what the record's arena
// holds, never malformed), null, and the error naming the pointer.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/probe_values.hpp"
#include "pipeline/record.hpp"
#include "sinks/json_sink.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::decode {
namespace {

std::string json_of(const Record& r) {
    JsonEncoder json;
    return std::string(json.encode(r));
}

Record fresh() {
    Record r;
    begin_record(r, "probe", PL_TRACE_PROBE, 1'700'000'000'000'000'000);
    return r;
}

TEST(ProbeValues, BitfieldsAndEnums) {
    ProbeSlotInfo retries;
    retries.kind = ProbeValueKind::Uint;
    retries.name = "retries";
    retries.bytes = 1;
    retries.bit_offset = 1;
    retries.bit_size = 3;
    ProbeSlotInfo delta = retries;
    delta.kind = ProbeValueKind::Int;
    delta.name = "delta";
    delta.bit_offset = 4;
    delta.bit_size = 4;
    ProbeSlotInfo method;
    method.kind = ProbeValueKind::Enum;
    method.name = "method";
    method.bytes = 4;
    method.enumerators = {{1, "GET"}, {2, "POST"}};
    Record r = fresh();
    add_member_value(retries, 0xbb, r);  // 1011 1011: bits 1-3 are 101, bits 4-7 are 1011
    add_member_value(delta, 0xbb, r);
    ProbeSlotInfo other = method;  // a record keeps views of the names: one slot each
    other.name = "other";
    add_member_value(method, 2, r);
    add_member_value(other, 7, r);  // not an enumerator: the number
    std::string text = json_of(r);
    EXPECT_NE(text.find(R"("retries":5,"delta":-5,"method":"POST","other":7)"), std::string::npos)
        << text;
}

TEST(ProbeValues, ElementsAsAnArrayCutToTheArena) {
    ProbeSlotInfo samples;
    samples.kind = ProbeValueKind::Buf;
    samples.name = "samples";
    samples.elem_kind = ProbeValueKind::Int;
    samples.elem_bytes = 2;
    int16_t values[] = {1, -2, 300, -4000};
    std::string bytes(reinterpret_cast<const char*>(values), sizeof(values));
    Record r = fresh();
    EXPECT_TRUE(add_elements(samples, bytes, r));
    EXPECT_NE(json_of(r).find(R"("samples":[1,-2,300,-4000])"), std::string::npos) << json_of(r);

    // 300 u64 elements do not fit in what is left of the arena: fewer, still an array.
    ProbeSlotInfo many;
    many.kind = ProbeValueKind::Buf;
    many.name = "many";
    many.elem_kind = ProbeValueKind::Uint;
    many.elem_bytes = 8;
    std::vector<uint64_t> big(300, 0x1122334455667788ULL);
    std::string big_bytes(reinterpret_cast<const char*>(big.data()), big.size() * 8);
    Record full = fresh();
    full.store_commit(full.store_begin(Record::kArenaSize - 200).size());
    EXPECT_FALSE(add_elements(many, big_bytes, full));
    std::string text = json_of(full);
    EXPECT_NE(text.find(R"("many":[1234605616436508552,)"), std::string::npos) << text;
    EXPECT_NE(text.find("]}"), std::string::npos) << text;
}

TEST(ProbeValues, NullNamesThePointer) {
    ProbeSlotInfo fd;
    fd.kind = ProbeValueKind::Int;
    fd.name = "fd";
    fd.error_name = "fd_error";
    fd.access = {"req", "req->conn"};
    Record r = fresh();
    add_null(fd.name, r);
    add_path_error(fd, PL_VALUE_NULL | PL_VALUE_PATH, 1, r);
    EXPECT_NE(json_of(r).find(R"("fd":null,"fd_error":"null pointer: req->conn")"),
              std::string::npos)
        << json_of(r);
    Record f = fresh();
    add_path_error(fd, PL_VALUE_FAULT | PL_VALUE_PATH, 0, f);
    EXPECT_NE(json_of(f).find(R"("fd_error":"unreadable memory at req")"), std::string::npos)
        << json_of(f);
}

}  // namespace
}  // namespace probelog::decode
