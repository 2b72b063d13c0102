#pragma once
// Go programs run under probelog for the Go end-to-end tests: probelog ARGS
// -o file://... -- COMMAND, so that the command's own stdout stays apart from
// the records.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"

namespace probelog::test {

// A file probelog writes its records to (-o file://PATH), so that the
// traced command's own stdout stays apart.
class RecordFile {
  public:
    RecordFile() {
        char tmpl[] = "/tmp/probelog-go-e2e-XXXXXX";
        int fd = mkstemp(tmpl);
        EXPECT_GE(fd, 0);
        close(fd);
        path_ = tmpl;
    }
    ~RecordFile() { std::filesystem::remove(path_); }
    std::string url() const { return "file://" + path_; }
    std::vector<JsonRecord> records() const {
        std::ifstream in(path_);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return parse_json_lines(text);
    }

  private:
    std::string path_;
};

// probelog ARGS -o file://... -- COMMAND: the command's output, probelog's
// stderr and the probe records.
struct GoRun {
    Finished finished;
    std::vector<JsonRecord> records;
    std::vector<const JsonRecord*> of(std::string_view probe) const {
        return select(records, [&](const JsonRecord& r) { return r.str("probe") == probe; });
    }
};

inline GoRun run_go(std::vector<std::string> args, const std::vector<std::string>& command) {
    RecordFile file;
    args.insert(args.begin(), {probelog_bin(), "-o", file.url(), "--poll-ms", "20"});
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    GoRun out;
    out.finished = run(args, 120s);
    EXPECT_EQ(out.finished.exit_code, 0) << out.finished.err;
    out.records = file.records();
    return out;
}

}  // namespace probelog::test
