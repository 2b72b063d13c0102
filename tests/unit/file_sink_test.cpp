// The file output: JSON lines appended to a file, its directory made on request,
// and one clear line when it cannot be opened.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sinks/factory.hpp"
#include "sinks/file_sink.hpp"

namespace probelog {
namespace {

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/probelog-filesink-XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void fill(Record& r, std::string_view event_type, uint64_t pid) {
    r.clear();
    r.set_event_type(event_type);
    r.add_str("event_type", event_type, kCommon);
    r.add_uint("pid", pid, kCommon);
    r.add_str("path", "/tmp/a \"b\"");
}

TEST(FileSink, WritesJsonLinesAndAppends) {
    TempDir dir;
    std::string path = dir.path() + "/out.jsonl";
    Record r;
    {
        auto sink = FileSink::open(path, false);
        ASSERT_TRUE(sink.ok()) << sink.error().message;
        fill(r, "vfs", 1);
        (*sink)->write(r);
        fill(r, "malloc", 2);
        (*sink)->write(r);
        EXPECT_EQ(read_all(path), "");  // buffered until flush
        ASSERT_TRUE((*sink)->flush().ok());
        EXPECT_EQ(read_all(path),
                  "{\"event_type\":\"vfs\",\"pid\":1,\"path\":\"/tmp/a \\\"b\\\"\"}\n"
                  "{\"event_type\":\"malloc\",\"pid\":2,\"path\":\"/tmp/a \\\"b\\\"\"}\n");
    }
    {
        auto again = FileSink::open(path, false);  // a second run appends
        ASSERT_TRUE(again.ok());
        fill(r, "exec", 3);
        (*again)->write(r);
    }  // destruction flushes
    std::string text = read_all(path);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
    EXPECT_TRUE(
        text.ends_with("{\"event_type\":\"exec\",\"pid\":3,\"path\":\"/tmp/a \\\"b\\\"\"}\n"));
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    EXPECT_EQ(st.st_mode & 0777, 0644u & ~mask);
}

TEST(FileSink, MissingDirectoryIsAClearErrorOrMadeWithMkdir) {
    TempDir dir;
    std::string path = dir.path() + "/a/b/out.jsonl";
    auto missing = FileSink::open(path, false);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(
        missing.error().message,
        "cannot open output file " + path +
            ": No such file or directory (its directory does not exist; Mkdir On creates it)");
    auto made = FileSink::open(path, true);
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/a/b"));
    EXPECT_EQ(FileSink::open("", false).error().message, "the file output needs a file name");
}

TEST(FileSink, FromAnOutputSpecWithMatch) {
    TempDir dir;
    OutputSpec spec;
    spec.kind = "file";
    spec.target = dir.path() + "/made/exec.jsonl";
    spec.match = "ex*";
    spec.params["mkdir"] = "true";
    auto sink = make_sink(spec);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    Record r;
    fill(r, "vfs", 1);
    (*sink)->write(r);
    fill(r, "exec", 2);
    (*sink)->write(r);
    ASSERT_TRUE((*sink)->flush().ok());
    EXPECT_EQ(read_all(spec.target),
              "{\"event_type\":\"exec\",\"pid\":2,\"path\":\"/tmp/a \\\"b\\\"\"}\n");
}

}  // namespace
}  // namespace probelog
