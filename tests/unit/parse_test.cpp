#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/parse.hpp"

namespace probelog {
namespace {

TEST(ParseSize, UnitsAndErrors) {
    EXPECT_EQ(*parse_size("4096"), 4096u);
    EXPECT_EQ(*parse_size("256K"), 256u << 10);
    EXPECT_EQ(*parse_size("4m"), 4u << 20);
    EXPECT_EQ(*parse_size("1G"), 1u << 30);
    EXPECT_EQ(*parse_size("8MiB"), 8u << 20);
    EXPECT_EQ(*parse_size("64KB"), 64u << 10);
    EXPECT_FALSE(parse_size("").ok());
    EXPECT_FALSE(parse_size("K").ok());
    EXPECT_FALSE(parse_size("1.5M").ok());
    EXPECT_FALSE(parse_size("-4K").ok());
}

TEST(ParseDuration, UnitsAndErrors) {
    using std::chrono::nanoseconds;
    EXPECT_EQ(*parse_duration("10"), nanoseconds(10'000'000'000));
    EXPECT_EQ(*parse_duration("250ms"), nanoseconds(250'000'000));
    EXPECT_EQ(*parse_duration("1.5s"), nanoseconds(1'500'000'000));
    EXPECT_EQ(*parse_duration("2m"), nanoseconds(120'000'000'000));
    EXPECT_EQ(*parse_duration("100us"), nanoseconds(100'000));
    EXPECT_EQ(*parse_duration("1h"), nanoseconds(3'600'000'000'000));
    EXPECT_FALSE(parse_duration("").ok());
    EXPECT_FALSE(parse_duration("ms").ok());
    EXPECT_FALSE(parse_duration("-1s").ok());
    EXPECT_FALSE(parse_duration("1x").ok());
}

TEST(ParseBool, FluentBitSpellingsInAnyCase) {
    for (std::string_view yes : {"on", "true", "yes", "1", "ON", "True", "Yes"})
        EXPECT_EQ(parse_bool(yes), std::optional<bool>(true)) << yes;
    for (std::string_view no : {"off", "false", "no", "0", "OFF", "False", "nO"})
        EXPECT_EQ(parse_bool(no), std::optional<bool>(false)) << no;
    for (std::string_view neither : {"", "2", "y", "enabled", " on", "true "})
        EXPECT_EQ(parse_bool(neither), std::nullopt) << neither;
}

TEST(Lower, AsciiOnly) {
    EXPECT_EQ(lower("Forward://Host:24224?Match=EXEC"), "forward://host:24224?match=exec");
    EXPECT_EQ(lower(""), "");
    EXPECT_EQ(lower("caf\xC3\x89"), "caf\xC3\x89");  // bytes >= 0x80 untouched
}

TEST(Rfc3339, NanosecondPrecisionInUtc) {
    char buf[kRfc3339Size];
    EXPECT_EQ(format_rfc3339(0, buf), "1970-01-01T00:00:00.000000000Z");
    EXPECT_EQ(format_rfc3339(1795303585123456789, buf), "2026-11-21T23:26:25.123456789Z");
    EXPECT_EQ(format_rfc3339(-1, buf), "1969-12-31T23:59:59.999999999Z");
}

TEST(BootClock, OffsetMapsBootTimeToNow) {
    BootClock clock;
    timespec boot{};
    timespec real{};
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_REALTIME, &real);
    int64_t boot_ns = boot.tv_sec * 1'000'000'000LL + boot.tv_nsec;
    int64_t real_ns = real.tv_sec * 1'000'000'000LL + real.tv_nsec;
    EXPECT_NEAR(static_cast<double>(clock.to_realtime_ns(static_cast<uint64_t>(boot_ns))),
                static_cast<double>(real_ns), 5e6);
}

TEST(RealtimeNow, IsTheWallClockInNanoseconds) {
    timespec before{};
    clock_gettime(CLOCK_REALTIME, &before);
    int64_t now = realtime_now_ns();
    timespec after{};
    clock_gettime(CLOCK_REALTIME, &after);
    EXPECT_GE(now, before.tv_sec * 1'000'000'000LL + before.tv_nsec);
    EXPECT_LE(now, after.tv_sec * 1'000'000'000LL + after.tv_nsec);
}

}  // namespace
}  // namespace probelog
