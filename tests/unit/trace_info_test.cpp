// What the vfs and malloc traces tell users before running (--list-traces), and
// how the malloc trace finds the C library in /proc/PID/maps.
#include <gtest/gtest.h>

#include <string>

#include "agent/agent.hpp"
#include "traces/malloc_trace.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

TEST(ListTraces, VfsSaysEverySystemCallItCovers) {
    const TraceInfo* vfs = find_trace("trace_vfs");
    ASSERT_NE(vfs, nullptr);
    EXPECT_FALSE(vfs->default_on);
    for (const char* covered :
         {"open,", "openat,", "openat2", "creat", "unlink(at)", "rename(at,at2)", "mkdir(at)",
          "rmdir", "truncate", "chmod", "fchmodat(2)", "chown", "lchown", "fchownat", "link(at)",
          "symlink(at)"}) {
        EXPECT_NE(vfs->summary.find(covered), std::string_view::npos) << covered;
    }
    std::string text = list_traces_text();
    EXPECT_NE(text.find("vfs        no       path operations"), std::string::npos) << text;
    EXPECT_NE(text.find("tp:syscalls:sys_{enter,exit}_<each of those>"), std::string::npos);
}

TEST(ListTraces, MallocIsOptInAndNamesItsHooks) {
    const TraceInfo* malloc_trace = find_trace("malloc");
    ASSERT_NE(malloc_trace, nullptr);
    EXPECT_FALSE(malloc_trace->default_on);
    EXPECT_EQ(malloc_trace->id, PL_TRACE_MALLOC);
    EXPECT_NE(malloc_trace->hooks.find("uprobe+uretprobe:libc:{malloc,calloc,realloc}"),
              std::string_view::npos);
    EXPECT_NE(malloc_trace->hooks.find("{mmap,munmap}"), std::string_view::npos);
}

TEST(LibcMapping, GlibcFromRealMaps) {
    std::string maps =
        "55d0c4a00000-55d0c4a02000 r--p 00000000 fe:00 1234   /usr/bin/cat\n"
        "7f3a10000000-7f3a10021000 rw-p 00000000 00:00 0 \n"
        "7ff3e0cd6000-7ff3e0cfc000 r--p 00000000 fe:00 332835 "
        "                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7ff3e0cfc000-7ff3e0e52000 r-xp 00026000 fe:00 332835 "
        "                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7ffd1a1b0000-7ffd1a1d1000 rw-p 00000000 00:00 0                          [stack]\n";
    auto libc = find_libc_mapping(maps);
    ASSERT_TRUE(libc.has_value());
    EXPECT_EQ(libc->path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(libc->range, "7ff3e0cd6000-7ff3e0cfc000");
    EXPECT_FALSE(libc->deleted);
    EXPECT_EQ(libc_attach_path("self", *libc), "/usr/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(libc_attach_path("1234", *libc),
              "/proc/1234/root/usr/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(LibcMapping, ReplacedLibraryIsReachedThroughMapFiles) {
    std::string maps =
        "7f0000000000-7f0000026000 r--p 00000000 fe:00 99 /lib/x86_64-linux-gnu/libc-2.31.so "
        "(deleted)\n";
    auto libc = find_libc_mapping(maps);
    ASSERT_TRUE(libc.has_value());
    EXPECT_TRUE(libc->deleted);
    EXPECT_EQ(libc->path, "/lib/x86_64-linux-gnu/libc-2.31.so");
    EXPECT_EQ(libc_attach_path("42", *libc), "/proc/42/map_files/7f0000000000-7f0000026000");
}

TEST(LibcMapping, PathsWithSpacesAndMusl) {
    auto libc = find_libc_mapping(
        "7f0000000000-7f0000001000 r-xp 00000000 fe:00 7 /opt/my app/lib/ld-musl-x86_64.so.1\n");
    ASSERT_TRUE(libc.has_value());
    EXPECT_EQ(libc->path, "/opt/my app/lib/ld-musl-x86_64.so.1");
}

TEST(LibcMapping, NotFoundInStaticOrLookalikeProcesses) {
    EXPECT_FALSE(find_libc_mapping("").has_value());
    EXPECT_FALSE(find_libc_mapping("00400000-00401000 r-xp 00000000 fe:00 5 /usr/bin/static\n"
                                   "7f0000000000-7f0000001000 r-xp 00000000 fe:00 7 "
                                   "/usr/lib/libcrypt.so.1\n"
                                   "7f0000001000-7f0000002000 r-xp 00000000 fe:00 8 "
                                   "/usr/lib/libc.so.6.bak/other\n")
                     .has_value());
    EXPECT_TRUE(is_libc_file_name("libc.so.6"));
    EXPECT_TRUE(is_libc_file_name("libc-2.28.so"));
    EXPECT_TRUE(is_libc_file_name("libc.musl-x86_64.so.1"));
    EXPECT_FALSE(is_libc_file_name("libcap.so.2"));
    EXPECT_FALSE(is_libc_file_name("libc-client.so.2007e"));
}

}  // namespace
}  // namespace probelog
