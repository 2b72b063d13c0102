// common/utf8: the one UTF-8 repair every output uses.
#include <gtest/gtest.h>

#include <string>

#include "common/utf8.hpp"

namespace probelog {
namespace {

TEST(CleanUtf8, ValidTextIsReturnedWithoutACopy) {
    std::string scratch = "untouched";
    for (std::string_view s : {std::string_view(""), std::string_view("a"),
                               std::string_view("/usr/lib/x86_64-linux-gnu/libc.so.6"),
                               std::string_view("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 ok")}) {
        std::string_view out = clean_utf8(s, scratch);
        EXPECT_EQ(out.data(), s.data()) << s;
        EXPECT_EQ(out.size(), s.size()) << s;
    }
    EXPECT_EQ(scratch, "untouched");
}

TEST(CleanUtf8, EveryInvalidByteBecomesOneReplacementCharacter) {
    std::string scratch;
    constexpr std::string_view kFffd = "\xEF\xBF\xBD";
    auto clean = [&](std::string_view s) { return std::string(clean_utf8(s, scratch)); };
    EXPECT_EQ(clean("a\xFF"), "a" + std::string(kFffd));
    // A stray byte in a long ASCII run (past the 8-byte fast check).
    EXPECT_EQ(clean("0123456789\x80xyz"), "0123456789" + std::string(kFffd) + "xyz");
    // A sequence cut short at the end: its lead byte only is replaced, the rest
    // is judged on its own.
    EXPECT_EQ(clean("ok\xE2\x82"), "ok" + std::string(kFffd) + std::string(kFffd));
    // Overlong encodings are not UTF-8.
    EXPECT_EQ(clean("\xC0\xAF"), std::string(kFffd) + std::string(kFffd));
    // Valid characters around invalid bytes are kept.
    EXPECT_EQ(clean("\xC3\xA9\xFE\xC3\xA9"), "\xC3\xA9" + std::string(kFffd) + "\xC3\xA9");
}

}  // namespace
}  // namespace probelog
