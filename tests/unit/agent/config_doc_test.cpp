// docs/CONFIG.md lists every key of [INPUT] ebpf as the option tables declare
// them: a new option reaches the page, or this test says what to paste.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "agent/run_options.hpp"

namespace probelog {
namespace {

constexpr std::string_view kBegin =
    "<!-- BEGIN option keys: generated from the option tables -->\n";
constexpr std::string_view kEnd = "<!-- END option keys -->";

TEST(ConfigDoc, EveryOptionKeyIsOnThePageAsDeclared) {
    std::ifstream in(std::string(PROBELOG_SOURCE_DIR) + "/docs/CONFIG.md");
    ASSERT_TRUE(in) << "cannot read docs/CONFIG.md";
    std::stringstream page;
    page << in.rdbuf();
    std::string text = page.str();
    size_t begin = text.find(kBegin);
    size_t end = text.find(kEnd);
    ASSERT_NE(begin, std::string::npos) << "docs/CONFIG.md has no line " << kBegin;
    ASSERT_NE(end, std::string::npos) << "docs/CONFIG.md has no line " << kEnd;
    std::string block = text.substr(begin + kBegin.size(), end - begin - kBegin.size());
    std::string want = "| key | meaning | command line |\n|---|---|---|\n" + config_keys_markdown();
    EXPECT_EQ(block, want) << "paste this between the markers in docs/CONFIG.md:\n" << want;
    // The keys Fluent Bit's own ebpf input has keep their names.
    for (const char* key : {"| `poll_ms` |", "| `pid` |", "| `exec_args` |", "| `ringbuf_size` |"})
        EXPECT_NE(want.find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace probelog
