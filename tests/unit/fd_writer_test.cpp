// FdWriter: a write of a full buffer that fails (mid-record) is not forgotten.
#include "sinks/fd_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace probelog {
namespace {

// A pipe whose buffer is full at first (writes fail with EAGAIN), then
// drained: the spill of a long record fails, the final flush would succeed.
TEST(FdWriter, AFailedSpillFailsTheNextFlushAndDropsTheRest) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    std::string fill(1 << 16, 'f');
    while (::write(fds[1], fill.data(), fill.size()) > 0) {
    }
    while (::write(fds[1], "f", 1) == 1) {  // the last page's room too
    }
    FdWriter w(fds[1], 16);
    w.append(std::string(40, 'x'));  // spills twice; both fail (EAGAIN)
    while (::read(fds[0], fill.data(), fill.size()) > 0) {
    }
    Status st = w.flush();
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(w.pending(), 0u);
    EXPECT_EQ(w.written(), 0u);
    // Nothing of the record reached the pipe, and the writer works again.
    w.append("ok\n");
    EXPECT_TRUE(w.flush().ok());
    char buf[16] = {};
    EXPECT_EQ(::read(fds[0], buf, sizeof(buf)), 3);
    EXPECT_EQ(std::string(buf, 3), "ok\n");
    ::close(fds[0]);
    ::close(fds[1]);
}

}  // namespace
}  // namespace probelog
