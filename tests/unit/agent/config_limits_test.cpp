// What a config path or an @INCLUDE may make probelog read (issue 20): regular
// files only, at most 1 MiB each, 64 files, wildcards in file names only; and
// errors that quote what they stumbled on stay one line of at most ~1000
// characters.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

config::Context context() {
    config::Context c;
    c.known_traces = {"exec"};
    return c;
}

std::string error_of(const std::string& path) {
    auto r = config::load_file(path, context());
    return r.ok() ? "<loaded>" : r.error().message;
}

TEST(ConfigLimits, OnlyRegularFilesOfAtMostOneMiB) {
    TempDir dir{"probelog-config-limits"};
    EXPECT_EQ(error_of(dir.path()),
              "cannot read config file " + dir.path() + ": it is a directory (name a file in it)");
    EXPECT_EQ(error_of("/dev/zero"),
              "cannot read config file /dev/zero: it is not a regular file (a device, FIFO or "
              "socket): name a file");
    std::string fifo = dir.path() + "/fifo.conf";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(error_of(fifo), "cannot read config file " + fifo +
                                  ": it is not a regular file (a device, FIFO or socket): name "
                                  "a file");
    std::string big = dir.write("big.conf", std::string((1 << 20) + 1, '#'));
    EXPECT_EQ(error_of(big), "cannot read config file " + big +
                                 ": it is 1048577 bytes; a config file is at most 1 MiB");
    std::string ok = dir.write("ok.conf", std::string(1 << 20, '#'));
    EXPECT_EQ(error_of(ok), "<loaded>");
    // Through an include: the including file and line are named.
    std::string main = dir.write("main.conf", "\n@INCLUDE /dev/zero\n");
    EXPECT_EQ(error_of(main),
              main +
                  ":2: cannot read included file /dev/zero: it is not a regular file (a "
                  "device, FIFO or socket): name a file");
}

TEST(ConfigLimits, IncludePatternsAreBounded) {
    TempDir dir{"probelog-config-limits"};
    std::string wide = dir.write("wide.conf", "@INCLUDE /*/*/*/*/*\n");
    EXPECT_EQ(error_of(wide), wide +
                                  ":1: @INCLUDE /*/*/*/*/*: wildcards go in the file name "
                                  "only, as in conf.d/*.conf");
    for (int i = 0; i < 70; ++i)
        dir.write("part-" + std::to_string(100 + i) + ".conf", "# empty\n");
    std::string many = dir.write("many.conf", "@INCLUDE part-*.conf\n");
    EXPECT_EQ(error_of(many), many +
                                  ":1: more than 64 config files included (is an @INCLUDE "
                                  "pattern too wide?)");
}

TEST(ConfigLimits, ErrorsQuoteTheStartAndEndOfALongText) {
    TempDir dir{"probelog-config-limits"};
    std::string conf = dir.write(
        "long.conf", "[INPUT]\n    Name ebpf\n    Trace " + std::string(900'000, 'x') + "\n");
    std::string error = error_of(conf);
    EXPECT_LT(error.size(), conf.size() + 1100) << error.substr(0, 1200);
    EXPECT_EQ(error.rfind(conf + ":3: unknown trace 'xxx", 0), 0u) << error.substr(0, 1200);
    EXPECT_NE(error.find("xxx... (899"), std::string::npos) << error;
    EXPECT_NE(error.find(" characters left out) ...xxx"), std::string::npos) << error;
    EXPECT_TRUE(error.ends_with("' (known: exec)")) << error;
}

TEST(ConfigLimits, YamlNestedTooDeepSaysSo) {
    TempDir dir{"probelog-config-limits"};
    std::string conf = dir.write(
        "deep.yaml", "pipeline:\n  inputs:\n    - name: ebpf\n      x: " + std::string(2000, '[') +
                         std::string(2000, ']') + "\n");
    std::string error = error_of(conf);
    EXPECT_NE(error.find("YAML nested deeper than"), std::string::npos) << error;
    EXPECT_NE(error.find("an unclosed [ or {?"), std::string::npos) << error;
}

// Found by config_fuzz (tests/fuzz/regressions/config_fuzz/): yaml-cpp quotes
// the raw character of an unknown escape, and a quoted key or value can be any
// text; the error still is one line, control characters shown as \xNN.
TEST(ConfigLimits, ErrorsAreOneLineWhateverTheYamlQuotes) {
    auto yaml_error = [](std::string_view text) {
        auto r = config::parse_yaml(text, "f.yaml", context());
        return r.ok() ? "<loaded>" : r.error().message;
    };
    EXPECT_EQ(yaml_error("a: \"x\\\x01\"\n"),
              "f.yaml:1: not valid YAML: unknown escape character: \\x01");
    std::string key = yaml_error("pipeline:\n  inputs:\n    - name: ebpf\n      \"a\\nb\": 1\n");
    EXPECT_EQ(key.find('\n'), std::string::npos) << key;
    EXPECT_NE(key.find("a\\x0ab"), std::string::npos) << key;
}

}  // namespace
}  // namespace probelog::test
