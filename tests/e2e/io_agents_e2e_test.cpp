// Two agents with the io trace at once (issue 20, defect 7): neither traces
// the other's output writes (which would make each report the other's
// records, forever), and both still see everybody else's I/O.
#include <gtest/gtest.h>
#include <signal.h>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

TEST(IoAgentsE2E, TwoAgentsDoNotTraceEachOthersOutput) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-io-agents"};
    std::string a_out = dir.path() + "/a.jsonl", b_out = dir.path() + "/b.jsonl";
    Process a({probelog_bin(), "--trace", "io", "--poll-ms", "20", "-o", "file://" + a_out});
    Process b({probelog_bin(), "--trace", "io", "--poll-ms", "20", "-o", "file://" + b_out});
    ASSERT_TRUE(a.wait_for_stderr("Ctrl-C to stop")) << a.err();
    ASSERT_TRUE(b.wait_for_stderr("Ctrl-C to stop")) << b.err();
    // Something for both to record, so that each writes its output file.
    std::string target = dir.path() + "/written";
    ASSERT_EQ(run({"/bin/dd", "if=/dev/zero", "of=" + target, "bs=4k", "count=4"}).exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    a.signal(SIGINT);
    b.signal(SIGINT);
    ASSERT_EQ(a.wait().exit_code, 0) << a.err();
    ASSERT_EQ(b.wait().exit_code, 0) << b.err();
    for (const std::string& out : {a_out, b_out}) {
        auto records = parse_json_lines(dir.read(out.substr(dir.path().size() + 1)));
        auto dd = select(records, [&](const JsonRecord& r) {
            return r.str("comm") == "dd" && r.str("path") == target;
        });
        EXPECT_EQ(dd.size(), 4u) << out;  // dd's four writes
        auto agents =
            select(records, [](const JsonRecord& r) { return r.str("comm") == "probelog"; });
        EXPECT_TRUE(agents.empty()) << out << ": " << agents.front()->line();
    }
}

}  // namespace
}  // namespace probelog::test
