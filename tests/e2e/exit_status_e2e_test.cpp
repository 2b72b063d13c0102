// The exit status tells a script what happened to the records (issue 20,
// defect 6): an output that lost records makes it 3; an output that delivered
// everything leaves it 0.
#include <gtest/gtest.h>

#include "support/json_lines.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

TEST(ExitStatusE2E, AnOutputThatLostRecordsMakesItThree) {
    PROBELOG_REQUIRE_ROOT();
    // Nothing listens there: every record waits, then is unsent at exit.
    std::string url = "forward://127.0.0.1:" + std::to_string(free_port()) + "?grace=200ms";
    Finished f = run({probelog_bin(), "--trace", "exec", "-o", url, "--", "/bin/true"});
    EXPECT_EQ(f.exit_code, 3) << f.err;
    EXPECT_NE(f.err.find("1 unsent at exit"), std::string::npos) << f.err;
    EXPECT_NE(f.err.find("exit status 3: an output lost records"), std::string::npos) << f.err;

    // The traced command's failure is the status to pass on.
    f = run({probelog_bin(), "--trace", "exec", "-o", url, "--", "/bin/false"});
    EXPECT_EQ(f.exit_code, 1) << f.err;

    // Everything delivered: 0.
    f = run({probelog_bin(), "--trace", "exec", "-o", "json", "--", "/bin/true"});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    EXPECT_EQ(f.err.find("exit status 3"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace probelog::test
