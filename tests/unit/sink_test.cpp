// The table and JSON sinks against exact expected text.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "sinks/json_sink.hpp"
#include "sinks/output_spec.hpp"
#include "sinks/table_sink.hpp"

namespace probelog {
namespace {

// 2026-11-21T23:26:25.123456789Z
constexpr int64_t kTime = 1795303585123456789;

class MemFile {
  public:
    MemFile() : fd_(memfd_create("sink-test", 0)) {}
    ~MemFile() { close(fd_); }
    int fd() const { return fd_; }
    std::string contents() const {
        std::string out;
        char buf[4096];
        ssize_t n;
        off_t off = 0;
        while ((n = pread(fd_, buf, sizeof(buf), off)) > 0) {
            out.append(buf, static_cast<size_t>(n));
            off += n;
        }
        return out;
    }

  private:
    int fd_;
};

void fill_exec_like(Record& r) {
    static const char kArgs[] = "/bin/echo\0hello world\0";
    begin_record(r, "exec", PL_TRACE_NONE, kTime);
    r.add_uint("pid", 4242, kCommon);
    r.add_uint("ppid", 1, kCommon);
    r.add_str("comm", "echo", kCommon);
    r.add_str("filename", "/bin/echo");
    r.add_str("argv", "/bin/echo", kHideInTable);
    r.add_uint("argc", 2);
    r.add_str_list("args", std::string_view(kArgs, sizeof(kArgs) - 1), 2);
    r.add_int("error_raw", -3);
    r.add_bool("args_truncated", false);
    r.add_hex("flags", 0x80000);
}

TEST(JsonSink, WritesOneObjectPerLineInFieldOrder) {
    MemFile file;
    JsonSink sink(file.fd());
    Record r;
    fill_exec_like(r);
    sink.write(r);
    sink.write(r);
    ASSERT_TRUE(sink.flush().ok());
    std::string line =
        R"({"time":"2026-11-21T23:26:25.123456789Z","event_type":"exec","pid":4242,"ppid":1,)"
        R"("comm":"echo","filename":"/bin/echo","argv":"/bin/echo","argc":2,)"
        R"("args":["/bin/echo","hello world"],"error_raw":-3,"args_truncated":false,)"
        R"("flags":"0x80000"})"
        "\n";
    EXPECT_EQ(file.contents(), line + line);
}

TEST(JsonSink, EscapesControlCharactersAndReplacesInvalidUtf8) {
    MemFile file;
    JsonSink sink(file.fd());
    Record r;
    r.add_str("s", std::string_view("a\"b\\c\n\x01\xff\xc3\xa9", 10));
    r.add_bytes("b", std::string_view("\x00\xab", 2));
    sink.write(r);
    ASSERT_TRUE(sink.flush().ok());
    EXPECT_EQ(file.contents(),
              "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xC3\xA9\",\"b\":\"00ab\"}\n");
}

TEST(TableSink, AlignedRowWithDetailsAndHiddenFieldsSkipped) {
    TableSink sink(-1, 0);
    Record r;
    fill_exec_like(r);
    std::string row = sink.format_row(r);
    // TIME is local time; everything after it is fixed.
    ASSERT_GT(row.size(), 16u);
    EXPECT_EQ(row.substr(8, 8), ".123456 ");
    EXPECT_EQ(row.substr(16),
              "exec        4242       1 echo             filename=/bin/echo argc=2 "
              "args=[/bin/echo \"hello world\"] error_raw=-3 args_truncated=false flags=0x80000");
}

TEST(TableSink, HeaderMatchesColumns) {
    EXPECT_EQ(TableSink::header(),
              "TIME            EVENT        PID    PPID COMM             DETAILS");
}

TEST(TableSink, CutsRowsToTheTerminalWidth) {
    MemFile file;
    TableSink sink(file.fd(), 40);
    Record r;
    fill_exec_like(r);
    sink.write(r);
    ASSERT_TRUE(sink.flush().ok());
    std::string text = file.contents();
    size_t nl = text.find('\n');
    std::string row = text.substr(nl + 1, text.find('\n', nl + 1) - nl - 1);
    EXPECT_TRUE(row.ends_with("…"));
    EXPECT_EQ(row.size(), 39u + std::string("…").size());
}

TEST(TableSink, QuotesAndEscapesOddText) {
    TableSink sink(-1, 0);
    Record r;
    r.set_event_type("x");
    r.add_str("s", "tab\there");
    r.add_str("e", "");
    std::string row = sink.format_row(r);
    EXPECT_TRUE(row.ends_with("s=\"tab\\there\" e=\"\"")) << row;
}

}  // namespace
}  // namespace probelog

namespace probelog {
namespace {

TEST(Match, FluentBitWildcards) {
    EXPECT_TRUE(match_event_type("*", "exec"));
    EXPECT_TRUE(match_event_type("exec", "exec"));
    EXPECT_FALSE(match_event_type("exec", "exit"));
    EXPECT_TRUE(match_event_type("tcp*", "tcp"));
    EXPECT_FALSE(match_event_type("tcp*", "listen"));
    EXPECT_TRUE(match_event_type("*con*", "connect"));
    EXPECT_TRUE(match_event_type("e*c", "exec"));
    EXPECT_FALSE(match_event_type("e*c", "exit"));
    EXPECT_FALSE(match_event_type("", "exec"));
}

}  // namespace
}  // namespace probelog
