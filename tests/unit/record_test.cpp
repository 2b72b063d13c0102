// pipeline/record: begin_record, the head every record starts with.
#include <gtest/gtest.h>

#include "pipeline/record.hpp"
#include "sinks/json_sink.hpp"

namespace probelog {
namespace {

constexpr int64_t kTime = 1795303585123456789;  // 2026-11-21T23:26:25.123456789Z

TEST(BeginRecord, ClearsThenTimeAndEventTypeAsCommonFields) {
    Record r;
    r.set_source(7);
    r.add_str("stale", r.store("from the previous record"));
    begin_record(r, "lost", 3, kTime);
    EXPECT_EQ(r.event_type(), "lost");
    EXPECT_EQ(r.trace(), 3);
    EXPECT_EQ(r.time_ns(), kTime);
    EXPECT_EQ(r.source(), 0u);
    ASSERT_EQ(r.fields().size(), 2u);
    EXPECT_EQ(r.fields()[0].name, "time");
    EXPECT_EQ(r.fields()[0].value.kind, ValueKind::Time);
    EXPECT_EQ(r.fields()[0].value.i, kTime);
    EXPECT_EQ(r.fields()[0].flags, kCommon);
    EXPECT_EQ(r.fields()[1].name, "event_type");
    EXPECT_EQ(r.fields()[1].value.kind, ValueKind::Str);
    EXPECT_EQ(r.fields()[1].value.str, "lost");
    EXPECT_EQ(r.fields()[1].flags, kCommon);
    // The arena starts empty again: a record's text never outlives it.
    EXPECT_EQ(r.store(std::string(Record::kArenaSize, 'x')).size(), Record::kArenaSize);

    begin_record(r, "xdp_stats", 10, kTime);
    r.add_str("interface", "eth0");
    JsonEncoder json;
    EXPECT_EQ(
        json.encode(r),
        R"({"time":"2026-11-21T23:26:25.123456789Z","event_type":"xdp_stats","interface":"eth0"})");
}

}  // namespace
}  // namespace probelog
