// The file sink: JSON lines, size-based rotation that keeps every record
// exactly once and whole, and the number of files kept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sinks/factory.hpp"
#include "sinks/file_sink.hpp"
#include "support/json_lines.hpp"
#include "support/temp_dir.hpp"

namespace probelog {
namespace {

namespace fs = std::filesystem;

using test::read_file;
using test::TempDir;

void numbered(Record& r, uint64_t n) {
    r.clear();
    r.set_event_type("exec");
    r.set_trace(PL_TRACE_EXEC);
    r.add_str("event_type", "exec", kCommon);
    r.add_uint("n", n);
    r.add_str("pad", "some text to make the line about sixty bytes long");
}

// The numbers in path.keep ... path.1, path, in that (oldest first) order.
std::vector<uint64_t> numbers_in(const std::string& path, uint32_t keep, size_t* files = nullptr,
                                 uint64_t* max_size = nullptr) {
    std::vector<uint64_t> out;
    std::vector<std::string> paths;
    for (uint32_t i = keep; i >= 1; --i)
        paths.push_back(fmt::format("{}.{}", path, i));
    paths.push_back(path);
    size_t count = 0;
    for (const std::string& p : paths) {
        if (!fs::exists(p)) continue;
        ++count;
        if (max_size != nullptr) *max_size = std::max<uint64_t>(*max_size, fs::file_size(p));
        for (const auto& rec : test::parse_json_lines(read_file(p)))
            out.push_back(rec.unum("n"));
    }
    if (files != nullptr) *files = count;
    return out;
}

std::vector<uint64_t> range(uint64_t from, uint64_t to) {
    std::vector<uint64_t> v;
    for (uint64_t i = from; i < to; ++i)
        v.push_back(i);
    return v;
}

TEST(FileSink, RotationKeepsEveryRecordExactlyOnceInOrder) {
    TempDir dir{"probelog-file"};
    FileConfig c;
    c.path = dir.file("out.jsonl");
    c.rotate_size = 1024;
    c.rotate_keep = 1000;
    auto sink = FileSink::open("file.0", c);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    Record r;
    for (uint64_t i = 0; i < 2000; ++i) {
        numbered(r, i);
        (*sink)->write(r);
        if (i % 37 == 0) {
            ASSERT_TRUE((*sink)->flush().ok());  // drains of any size
        }
    }
    ASSERT_TRUE((*sink)->flush().ok());
    size_t files = 0;
    uint64_t max_size = 0;
    EXPECT_EQ(numbers_in(c.path, c.rotate_keep, &files, &max_size), range(0, 2000));
    EXPECT_GT(files, 50u);
    // A file is rotated once it reaches rotate_size: at most one line beyond it.
    EXPECT_LT(max_size, 1024u + 100u);
    EXPECT_EQ((*sink)->stats()->sent.load(), 2000u);
    EXPECT_EQ((*sink)->stats()->lost(), 0u);
}

TEST(FileSink, KeepsOnlyRotateKeepOldFiles) {
    TempDir dir{"probelog-file"};
    FileConfig c;
    c.path = dir.file("out.jsonl");
    c.rotate_size = 1024;
    c.rotate_keep = 3;
    auto sink = FileSink::open("file.0", c);
    ASSERT_TRUE(sink.ok());
    Record r;
    for (uint64_t i = 0; i < 500; ++i) {
        numbered(r, i);
        (*sink)->write(r);
    }
    ASSERT_TRUE((*sink)->flush().ok());
    size_t files = 0;
    auto got = numbers_in(c.path, 10, &files);
    EXPECT_EQ(files, 4u);
    EXPECT_FALSE(fs::exists(c.path + ".4"));
    // The newest records, contiguous, ending with the last one.
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got, range(500 - got.size(), 500));
}

TEST(FileSink, AppendsToAnExistingFileAndCountsItsSize) {
    TempDir dir{"probelog-file"};
    FileConfig c;
    c.path = dir.file("out.jsonl");
    { std::ofstream(c.path) << std::string(2000, 'x') << "\n"; }
    c.rotate_size = 1024;
    auto sink = FileSink::open("file.0", c);
    ASSERT_TRUE(sink.ok());
    Record r;
    numbered(r, 1);
    (*sink)->write(r);
    ASSERT_TRUE((*sink)->flush().ok());
    // Already past rotate_size: the old content moved to .1 before the first record.
    EXPECT_EQ(read_file(c.path + ".1"), std::string(2000, 'x') + "\n");
    EXPECT_EQ(
        read_file(c.path),
        R"({"event_type":"exec","n":1,"pad":"some text to make the line about sixty bytes long"})"
        "\n");
}

TEST(FileSink, RotateKeepZeroKeepsNoOldFile) {
    TempDir dir{"probelog-file"};
    FileConfig c;
    c.path = dir.file("out.jsonl");
    c.rotate_size = 200;
    c.rotate_keep = 0;
    auto sink = FileSink::open("file.0", c);
    ASSERT_TRUE(sink.ok());
    Record r;
    for (uint64_t i = 0; i < 20; ++i) {
        numbered(r, i);
        (*sink)->write(r);
    }
    ASSERT_TRUE((*sink)->flush().ok());
    EXPECT_FALSE(fs::exists(c.path + ".1"));
    auto got = numbers_in(c.path, 0);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), 19u);
}

TEST(FileSink, UnwritablePathIsAClearError) {
    FileConfig c;
    c.path = "/nonexistent-dir/x.jsonl";
    auto sink = FileSink::open("file.0", c);
    ASSERT_FALSE(sink.ok());
    EXPECT_EQ(sink.error().message,
              "cannot open /nonexistent-dir/x.jsonl: its directory does not exist (create it, or "
              "set mkdir=true / Mkdir On)");
}

TEST(FileSink, MkdirCreatesMissingDirectoriesAndMatchSelects) {
    TempDir dir{"probelog-file"};
    OutputSpec spec;
    spec.kind = "file";
    spec.target = dir.file("made/deeper/exec.jsonl");
    spec.match = "ex*";
    spec.params["mkdir"] = "true";
    auto sink = make_sink(spec);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    Record r;
    numbered(r, 1);
    r.set_event_type("vfs");
    (*sink)->write(r);
    numbered(r, 2);
    (*sink)->write(r);
    ASSERT_TRUE((*sink)->flush().ok());
    EXPECT_EQ(numbers_in(spec.target, 0), std::vector<uint64_t>{2});
}

TEST(FileSink, BuiltFromAUrlWithRotationParams) {
    TempDir dir{"probelog-file"};
    OutputSpec spec;
    spec.kind = "file";
    spec.target = dir.file("u.jsonl");
    spec.params = {{"rotate_size", "1K"}, {"Rotate_Keep", "2"}, {"alias", "f"}};
    auto cfg = file_config(spec);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->path, spec.target);
    EXPECT_EQ(cfg->rotate_size, 1024u);
    EXPECT_EQ(cfg->rotate_keep, 2u);
    auto sink = make_sink(spec);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    EXPECT_EQ((*sink)->stats()->name, "f");
}

}  // namespace
}  // namespace probelog
