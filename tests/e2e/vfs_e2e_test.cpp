// The vfs trace run as a user runs it: the test performs every covered path
// operation itself (by raw system call, so that the C library cannot pick
// another one), on a directory of its own, and checks each record's fields.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

namespace probelog::test {
namespace {

constexpr const char* kReady = "Ctrl-C to stop";

// What one record must say.
struct Want {
    std::string op;
    int operation = -1;  // enum pl_vfs_op
    std::string path;
    std::optional<std::string> new_path;
    uint64_t flags = 0;
    uint64_t mode = 0;
    int64_t fd = -1;
    int64_t error = 0;
    std::optional<int64_t> dirfd;
    std::optional<int64_t> new_dirfd;
    std::optional<int64_t> length;
    std::optional<int64_t> owner_uid;
    std::optional<int64_t> owner_gid;
    std::optional<uint64_t> resolve;
};

int64_t errno_of(long ret) {
    return ret < 0 ? errno : 0;
}

class VfsE2E : public ::testing::Test {
  protected:
    void SetUp() override {
        PROBELOG_REQUIRE_ROOT();
        dir_ = "/tmp/" + unique_token("vfs");
        probelog_ = std::make_unique<Process>(
            std::vector<std::string>{probelog_bin(), "--trace", "vfs", "-o", "json", "--pid",
                                     std::to_string(getpid()), "--poll-ms", "20"});
        ASSERT_TRUE(probelog_->wait_for_stderr(kReady)) << probelog_->err();
    }

    void TearDown() override {
        if (!dir_.empty()) (void)!system(("rm -rf " + dir_).c_str());
    }

    std::vector<JsonRecord> stop() {
        probelog_->signal(SIGINT);
        Finished f = probelog_->wait();
        EXPECT_EQ(f.exit_code, 0) << f.err;
        return parse_json_lines(f.out);
    }

    // The one record of `want.op` on `want.path` with every field as wanted.
    void check(const std::vector<JsonRecord>& records, const Want& want) {
        SCOPED_TRACE(want.op + " " + want.path);
        auto mine = select(records, [&](const JsonRecord& r) {
            return r.str("operation_name") == want.op && r.str("path") == want.path;
        });
        ASSERT_EQ(mine.size(), 1u);
        const JsonRecord& r = *mine[0];
        EXPECT_EQ(r.str("event_type"), "vfs");
        EXPECT_EQ(r.unum("pid"), static_cast<uint64_t>(getpid()));
        EXPECT_EQ(r.unum("tid"), static_cast<uint64_t>(gettid()));
        EXPECT_EQ(r.num("operation"), want.operation);
        EXPECT_EQ(r.unum("flags"), want.flags);
        EXPECT_EQ(r.unum("mode"), want.mode);
        EXPECT_EQ(r.num("fd"), want.fd);
        EXPECT_EQ(r.num("error_raw"), want.error);
        EXPECT_EQ(r.has("error"), want.error != 0);
        EXPECT_FALSE(r.boolean("path_truncated"));
        EXPECT_EQ(r.has("new_path"), want.new_path.has_value());
        if (want.new_path) {
            EXPECT_EQ(r.str("new_path"), *want.new_path);
        }
        auto check_num = [&](const char* key, const std::optional<int64_t>& v) {
            EXPECT_EQ(r.has(key), v.has_value()) << key;
            if (v && r.has(key)) {
                EXPECT_EQ(r.num(key), *v) << key;
            }
        };
        check_num("dirfd", want.dirfd);
        check_num("new_dirfd", want.new_dirfd);
        check_num("length", want.length);
        check_num("owner_uid", want.owner_uid);
        check_num("owner_gid", want.owner_gid);
        EXPECT_EQ(r.has("resolve"), want.resolve.has_value());
        if (want.resolve) {
            EXPECT_EQ(r.unum("resolve"), *want.resolve);
        }
    }

    std::string in_dir(std::string_view name) const { return dir_ + "/" + std::string(name); }

    std::string dir_;
    std::unique_ptr<Process> probelog_;
};

TEST_F(VfsE2E, EveryOperationWithItsExactFields) {
    std::vector<Want> wants;
    const int64_t cwd = AT_FDCWD;

    // mkdir, open (creating), openat (exclusive create), open of the directory.
    ASSERT_EQ(syscall(SYS_mkdir, dir_.c_str(), 0750), 0);
    wants.push_back({.op = "mkdir", .operation = 9, .path = dir_, .mode = 0750});
    std::string a = in_dir("a");
    long fd = syscall(SYS_open, a.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0640);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    wants.push_back({.op = "open",
                     .operation = 1,
                     .path = a,
                     .flags = O_CREAT | O_WRONLY | O_TRUNC,
                     .mode = 0640,
                     .fd = fd});
    std::string b = in_dir("b");
    fd = syscall(SYS_openat, AT_FDCWD, b.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    wants.push_back({.op = "openat",
                     .operation = 0,
                     .path = b,
                     .flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
                     .mode = 0600,
                     .fd = fd,
                     .dirfd = cwd});
    long dirfd = syscall(SYS_open, dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    ASSERT_GE(dirfd, 0);
    wants.push_back({.op = "open",
                     .operation = 1,
                     .path = dir_,
                     .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                     .fd = dirfd});

    // Relative to a directory fd: openat, openat2 (with resolve flags), mkdirat.
    fd = syscall(SYS_openat, dirfd, "rel", O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    wants.push_back({.op = "openat",
                     .operation = 0,
                     .path = "rel",
                     .flags = O_CREAT | O_WRONLY,
                     .mode = 0644,
                     .fd = fd,
                     .dirfd = dirfd});
    open_how how{};
    how.flags = O_RDONLY | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    fd = syscall(SYS_openat2, dirfd, "rel", &how, sizeof(how));
    ASSERT_GE(fd, 0) << strerror(errno);
    close(static_cast<int>(fd));
    wants.push_back({.op = "openat2",
                     .operation = 2,
                     .path = "rel",
                     .flags = O_RDONLY | O_NOFOLLOW,
                     .fd = fd,
                     .dirfd = dirfd,
                     .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS});
    ASSERT_EQ(syscall(SYS_mkdirat, dirfd, "sub", 0700), 0);
    wants.push_back(
        {.op = "mkdirat", .operation = 10, .path = "sub", .mode = 0700, .dirfd = dirfd});

    // creat reports the flags it implies.
    std::string c = in_dir("c");
    fd = syscall(SYS_creat, c.c_str(), 0604);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    wants.push_back({.op = "creat",
                     .operation = 3,
                     .path = c,
                     .flags = O_CREAT | O_WRONLY | O_TRUNC,
                     .mode = 0604,
                     .fd = fd});

    // Failures: fd is the negative errno (as Fluent Bit reports it), error_raw the errno.
    std::string missing = in_dir("missing/x");
    long failed = syscall(SYS_openat, AT_FDCWD, missing.c_str(), O_RDONLY, 0);
    ASSERT_EQ(failed, -1);
    ASSERT_EQ(errno, ENOENT);
    wants.push_back({.op = "openat",
                     .operation = 0,
                     .path = missing,
                     .fd = -ENOENT,
                     .error = ENOENT,
                     .dirfd = cwd});
    std::string not_there = in_dir("not-there");
    ASSERT_EQ(syscall(SYS_rmdir, not_there.c_str()), -1);
    wants.push_back({.op = "rmdir", .operation = 11, .path = not_there, .error = ENOENT});
    ASSERT_EQ(syscall(SYS_mkdir, b.c_str(), 0700), -1);
    wants.push_back({.op = "mkdir", .operation = 9, .path = b, .mode = 0700, .error = EEXIST});

    // truncate, the chmod family, the chown family.
    ASSERT_EQ(syscall(SYS_truncate, a.c_str(), 12345), 0);
    wants.push_back({.op = "truncate", .operation = 12, .path = a, .length = 12345});
    ASSERT_EQ(syscall(SYS_chmod, a.c_str(), 0611), 0);
    wants.push_back({.op = "chmod", .operation = 13, .path = a, .mode = 0611});
    ASSERT_EQ(syscall(SYS_fchmodat, dirfd, "rel", 0600), 0);
    wants.push_back(
        {.op = "fchmodat", .operation = 14, .path = "rel", .mode = 0600, .dirfd = dirfd});
    long r = syscall(SYS_fchmodat2, dirfd, "rel", 0640, AT_SYMLINK_NOFOLLOW);
    wants.push_back({.op = "fchmodat2",
                     .operation = 15,
                     .path = "rel",
                     .flags = AT_SYMLINK_NOFOLLOW,
                     .mode = 0640,
                     .error = errno_of(r),
                     .dirfd = dirfd});
    ASSERT_EQ(syscall(SYS_chown, a.c_str(), 1234, 5678), 0);
    wants.push_back(
        {.op = "chown", .operation = 16, .path = a, .owner_uid = 1234, .owner_gid = 5678});
    ASSERT_EQ(syscall(SYS_lchown, c.c_str(), 4321, -1), 0);
    wants.push_back(
        {.op = "lchown", .operation = 17, .path = c, .owner_uid = 4321, .owner_gid = -1});
    ASSERT_EQ(syscall(SYS_fchownat, dirfd, "rel", 99, 98, AT_SYMLINK_NOFOLLOW), 0);
    wants.push_back({.op = "fchownat",
                     .operation = 18,
                     .path = "rel",
                     .flags = AT_SYMLINK_NOFOLLOW,
                     .dirfd = dirfd,
                     .owner_uid = 99,
                     .owner_gid = 98});

    // Two-path operations: link, linkat, symlink, symlinkat, rename, renameat, renameat2.
    std::string a_link = in_dir("a-link");
    ASSERT_EQ(syscall(SYS_link, a.c_str(), a_link.c_str()), 0);
    wants.push_back({.op = "link", .operation = 19, .path = a, .new_path = a_link});
    ASSERT_EQ(syscall(SYS_linkat, dirfd, "rel", AT_FDCWD, in_dir("rel-link").c_str(), 0), 0);
    wants.push_back({.op = "linkat",
                     .operation = 20,
                     .path = "rel",
                     .new_path = in_dir("rel-link"),
                     .dirfd = dirfd,
                     .new_dirfd = cwd});
    ASSERT_EQ(syscall(SYS_symlink, "symlink target", in_dir("sym").c_str()), 0);
    wants.push_back(
        {.op = "symlink", .operation = 21, .path = "symlink target", .new_path = in_dir("sym")});
    ASSERT_EQ(syscall(SYS_symlinkat, "../elsewhere", dirfd, "rel-sym"), 0);
    wants.push_back({.op = "symlinkat",
                     .operation = 22,
                     .path = "../elsewhere",
                     .new_path = "rel-sym",
                     .new_dirfd = dirfd});
    std::string a2 = in_dir("a2");
    ASSERT_EQ(syscall(SYS_rename, a.c_str(), a2.c_str()), 0);
    wants.push_back({.op = "rename", .operation = 6, .path = a, .new_path = a2});
    std::string rel2 = in_dir("rel2");
    ASSERT_EQ(syscall(SYS_renameat, dirfd, "rel", AT_FDCWD, rel2.c_str()), 0);
    wants.push_back({.op = "renameat",
                     .operation = 7,
                     .path = "rel",
                     .new_path = rel2,
                     .dirfd = dirfd,
                     .new_dirfd = cwd});
    ASSERT_EQ(syscall(SYS_renameat2, AT_FDCWD, c.c_str(), dirfd, "c2", RENAME_NOREPLACE), 0);
    wants.push_back({.op = "renameat2",
                     .operation = 8,
                     .path = c,
                     .new_path = "c2",
                     .flags = RENAME_NOREPLACE,
                     .dirfd = cwd,
                     .new_dirfd = dirfd});
    ASSERT_EQ(syscall(SYS_renameat2, AT_FDCWD, a2.c_str(), AT_FDCWD, b.c_str(), RENAME_NOREPLACE),
              -1);
    wants.push_back({.op = "renameat2",
                     .operation = 8,
                     .path = a2,
                     .new_path = b,
                     .flags = RENAME_NOREPLACE,
                     .error = EEXIST,
                     .dirfd = cwd,
                     .new_dirfd = cwd});

    // Removal: unlink, unlinkat (file and directory), rmdir.
    ASSERT_EQ(syscall(SYS_unlink, a_link.c_str()), 0);
    wants.push_back({.op = "unlink", .operation = 4, .path = a_link});
    ASSERT_EQ(syscall(SYS_unlinkat, dirfd, "c2", 0), 0);
    wants.push_back({.op = "unlinkat", .operation = 5, .path = "c2", .dirfd = dirfd});
    ASSERT_EQ(syscall(SYS_unlinkat, dirfd, "sub", AT_REMOVEDIR), 0);
    wants.push_back(
        {.op = "unlinkat", .operation = 5, .path = "sub", .flags = AT_REMOVEDIR, .dirfd = dirfd});
    std::string sub2 = in_dir("sub2");
    ASSERT_EQ(syscall(SYS_mkdir, sub2.c_str(), 0755), 0);
    wants.push_back({.op = "mkdir", .operation = 9, .path = sub2, .mode = 0755});
    ASSERT_EQ(syscall(SYS_rmdir, sub2.c_str()), 0);
    wants.push_back({.op = "rmdir", .operation = 11, .path = sub2});
    close(static_cast<int>(dirfd));

    auto records = stop();
    for (const Want& want : wants)
        check(records, want);
}

TEST_F(VfsE2E, LongPathsAreCapturedWhole) {
    // A path of 3000 bytes (nested directories) is reported without truncation.
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    std::string path = dir_;
    std::string component(200, 'd');
    while (path.size() < 3000) {
        path += "/" + component;
        ASSERT_EQ(mkdir(path.c_str(), 0755), 0) << path.size();
    }
    std::string file = path + "/" + unique_token("leaf");
    long fd = syscall(SYS_openat, AT_FDCWD, file.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    ASSERT_EQ(syscall(SYS_rename, file.c_str(), (file + "-renamed").c_str()), 0);
    auto records = stop();
    auto opened = select(records, [&](const JsonRecord& r) {
        return r.str("operation_name") == "openat" && r.str("path") == file;
    });
    ASSERT_EQ(opened.size(), 1u);
    EXPECT_EQ(opened[0]->num("fd"), fd);
    auto renamed = select(records, [&](const JsonRecord& r) {
        return r.str("operation_name") == "rename" && r.str("path") == file;
    });
    ASSERT_EQ(renamed.size(), 1u);
    EXPECT_EQ(renamed[0]->str("new_path"), file + "-renamed");
}

TEST(VfsE2EFilter, OtherProcessesAreFilteredOutInTheKernel) {
    PROBELOG_REQUIRE_ROOT();
    // --pid of a process that does nothing: a touch by another process must not appear.
    pid_t idle = spawn({testprog("spin"), "3000"});
    Process p({probelog_bin(), "--trace", "vfs", "-o", "json", "--pid", std::to_string(idle),
               "--poll-ms", "20"});
    ASSERT_TRUE(p.wait_for_stderr(kReady)) << p.err();
    std::string file = "/tmp/" + unique_token("vfs-outsider");
    ASSERT_EQ(wait_exit(spawn({"/usr/bin/touch", file})), 0);
    p.signal(SIGINT);
    Finished f = p.wait();
    kill(idle, SIGKILL);
    wait_exit(idle);
    unlink(file.c_str());
    EXPECT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    EXPECT_TRUE(select(records, [&](const JsonRecord& r) { return r.str("path") == file; }).empty())
        << f.out;
}

}  // namespace
}  // namespace probelog::test
