// src/symbols/proc_maps: parsing /proc/PID/maps, and the one rule by which the
// malloc trace (its libc) and --probe library targets reach a mapped file.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>

#include "support/libc_copy.hpp"
#include "support/process.hpp"
#include "symbols/library.hpp"
#include "symbols/proc_maps.hpp"

namespace probelog::symbols {
namespace {

TEST(ProcMaps, ParsesLines) {
    auto maps = parse_proc_maps(
        "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234       /usr/bin/app\n"
        "55d0c0a01000-55d0c0a02000 r-xp 00001000 08:01 1234       /usr/bin/app\n"
        "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
        "7f1000000000-7f1000100000 r-xp 00028000 08:01 99 /lib/x86_64-linux-gnu/libc.so.6 "
        "(deleted)\n"
        "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0          [stack]\n"
        "garbage line\n"
        "00400000-00401000 r-xp 00000000 fe:00 5 /opt/my app/bin/two  spaces\n"
        "7f2000000000-7f2000001000 r-xp 00000000 fe:00 6 /opt/my app/lib/libx.so (deleted)\n"
        "7f3000000000-7f3000001000 rw-p 00000000 00:00 0");
    ASSERT_EQ(maps.size(), 8u);
    EXPECT_EQ(maps[1].start, 0x55d0c0a01000u);
    EXPECT_EQ(maps[1].end, 0x55d0c0a02000u);
    EXPECT_EQ(maps[1].perms, "r-xp");
    EXPECT_EQ(maps[1].offset, 0x1000u);
    EXPECT_EQ(maps[1].dev, "08:01");
    EXPECT_EQ(maps[1].inode, 1234u);
    EXPECT_EQ(maps[1].path, "/usr/bin/app");
    EXPECT_FALSE(maps[1].deleted);
    EXPECT_TRUE(maps[1].file_backed());
    EXPECT_TRUE(maps[1].executable());
    EXPECT_FALSE(maps[0].executable());
    // Anonymous, with and without the kernel's trailing space.
    EXPECT_EQ(maps[2].path, "");
    EXPECT_EQ(maps[2].inode, 0u);
    EXPECT_FALSE(maps[2].file_backed());
    EXPECT_EQ(maps[7].path, "");
    EXPECT_EQ(maps[3].path, "/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_TRUE(maps[3].deleted);
    EXPECT_EQ(maps[4].path, "[stack]");
    EXPECT_FALSE(maps[4].file_backed());
    EXPECT_EQ(maps[5].start, 0x400000u);
    EXPECT_EQ(maps[5].path, "/opt/my app/bin/two  spaces");
    EXPECT_EQ(maps[6].path, "/opt/my app/lib/libx.so");
    EXPECT_TRUE(maps[6].deleted);
    EXPECT_TRUE(parse_proc_maps("").empty());
}

TEST(ProcMaps, ReadsThisProcess) {
    auto own = read_proc_maps(getpid());
    ASSERT_TRUE(own.ok()) << own.error().message;
    bool has_libc = false;
    for (const MapsEntry& m : *own)
        has_libc |= library_name_matches("libc", m.path.substr(m.path.rfind('/') + 1));
    EXPECT_TRUE(has_libc);
    auto none = read_proc_maps(-5);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message, "cannot read /proc/-5/maps: No such file or directory");
}

// A mapping of `path` as the kernel would show it (the file's real device and inode).
MapsEntry mapping_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    MapsEntry m;
    m.start = 0x7f0000000000;
    m.end = 0x7f0000010000;
    m.perms = "r-xp";
    m.dev = fmt::format("{:02x}:{:02x}", major(st.st_dev), minor(st.st_dev));
    m.inode = st.st_ino;
    m.path = path;
    return m;
}

TEST(ProcMaps, OneRuleToReachAMappedFile) {
    std::string file = test::testprog("probe_target");
    MapsEntry m = mapping_of(file);
    // The same file here: its path.
    EXPECT_EQ(mapped_file_path(1234, m), file);
    // Another file at that path here (another mount namespace): through the process's root.
    MapsEntry other = m;
    other.inode += 1;
    EXPECT_EQ(mapped_file_path(1234, other), "/proc/1234/root" + file);
    other = m;
    other.dev = "ff:ff";
    EXPECT_EQ(mapped_file_path(1234, other), "/proc/1234/root" + file);
    // Deleted: through map_files, named by the range without the zero padding of maps.
    MapsEntry deleted = m;
    deleted.deleted = true;
    EXPECT_EQ(mapped_file_path(42, deleted), "/proc/42/map_files/7f0000000000-7f0000010000");
    auto low = parse_proc_maps("00400000-00401000 r-xp 00000000 fe:00 5 /usr/bin/old (deleted)\n");
    ASSERT_EQ(low.size(), 1u);
    EXPECT_EQ(mapped_file_path(42, low[0]), "/proc/42/map_files/400000-401000");
}

TEST(ProcMaps, LibrariesByNameOnePerFile) {
    auto maps = parse_proc_maps(
        "55d0c4a00000-55d0c4a02000 r-xp 00000000 fe:00 1234 /usr/bin/cat\n"
        "7ff3e0cd6000-7ff3e0cfc000 r--p 00000000 fe:00 332835 /nonexistent/libc.so.6 (deleted)\n"
        "7ff3e0cfc000-7ff3e0e52000 r-xp 00026000 fe:00 332835 /nonexistent/libc.so.6 (deleted)\n"
        "7ff3e0e52000-7ff3e0ea7000 r--p 0017c000 fe:00 332835 /nonexistent/libc.so.6 (deleted)\n"
        "7ff3e1000000-7ff3e1001000 r--p 00000000 fe:00 77 /nonexistent/other/libc.so.6\n"
        "7ff3e2000000-7ff3e2001000 r-xp 00000000 fe:00 78 /nonexistent/libcap.so.2\n");
    // The executable mapping of each file; a file mapped only for reading is no library.
    auto libc = mapped_library_paths(7, maps, is_libc_file_name);
    EXPECT_EQ(libc, std::vector<std::string>{"/proc/7/map_files/7ff3e0cfc000-7ff3e0e52000"});
    auto by_short_name = mapped_library_paths(
        7, maps, [](std::string_view name) { return library_name_matches("libc", name); });
    EXPECT_EQ(by_short_name, libc);
    auto any_lib = mapped_library_paths(
        7, maps, [](std::string_view name) { return name.starts_with("lib"); });
    EXPECT_EQ(any_lib, (std::vector<std::string>{"/proc/7/map_files/7ff3e0cfc000-7ff3e0e52000",
                                                 "/proc/7/root/nonexistent/libcap.so.2"}));
    EXPECT_TRUE(mapped_library_paths(7, {}, is_libc_file_name).empty());

    // musl, in a directory with a space; no C library in static or lookalike processes.
    auto musl = parse_proc_maps(
        "7f0000000000-7f0000001000 r-xp 00000000 fe:00 7 /opt/my app/lib/ld-musl-x86_64.so.1\n");
    EXPECT_EQ(mapped_library_paths(7, musl, is_libc_file_name),
              std::vector<std::string>{"/proc/7/root/opt/my app/lib/ld-musl-x86_64.so.1"});
    auto lookalikes = parse_proc_maps(
        "00400000-00401000 r-xp 00000000 fe:00 5 /usr/bin/static\n"
        "7f0000000000-7f0000001000 r-xp 00000000 fe:00 7 /usr/lib/libcrypt.so.1\n"
        "7f0000001000-7f0000002000 r-xp 00000000 fe:00 8 /usr/lib/libc.so.6.bak/other\n");
    EXPECT_TRUE(mapped_library_paths(7, lookalikes, is_libc_file_name).empty());
}

TEST(ProcMaps, LibcFileNames) {
    EXPECT_TRUE(is_libc_file_name("libc.so.6"));
    EXPECT_TRUE(is_libc_file_name("libc.so"));
    EXPECT_TRUE(is_libc_file_name("libc-2.28.so"));
    EXPECT_TRUE(is_libc_file_name("libc.musl-x86_64.so.1"));
    EXPECT_TRUE(is_libc_file_name("ld-musl-x86_64.so.1"));
    EXPECT_FALSE(is_libc_file_name("libcap.so.2"));
    EXPECT_FALSE(is_libc_file_name("libc-client.so.2007e"));
    EXPECT_FALSE(is_libc_file_name("libcrypt.so.1"));
    EXPECT_FALSE(is_libc_file_name("other"));
}

// A program whose libc was deleted after it was mapped (as after a libc
// upgrade): the malloc trace's lookup and `--probe libc:...` with its pid find
// the same file, through map_files.
TEST(ProcMaps, DeletedLibcTheMallocTraceAndProbesAgree) {
    test::LibcCopy libc;
    ASSERT_TRUE(libc.ok());
    std::string fifo = "/tmp/" + test::unique_token("proc-maps-fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    test::Process program(libc.command({test::testprog("malloc_sizes"), fifo}));
    ASSERT_TRUE(libc.delete_once_mapped(program.pid()));

    auto maps = read_proc_maps(program.pid());
    ASSERT_TRUE(maps.ok()) << maps.error().message;
    const MapsEntry* code = nullptr;
    for (const MapsEntry& m : *maps) {
        if (m.path == libc.path() && m.executable()) code = &m;
    }
    ASSERT_NE(code, nullptr);
    EXPECT_TRUE(code->deleted);
    std::string want =
        fmt::format("/proc/{}/map_files/{:x}-{:x}", program.pid(), code->start, code->end);
    // What the malloc trace attaches to (MallocTrace::start's libc sites)...
    EXPECT_EQ(mapped_library_paths(program.pid(), *maps, is_libc_file_name),
              std::vector<std::string>{want});
    // ... and what --probe 'libc:malloc' --pid PID resolves to.
    auto probe = resolve_target("libc", program.pid());
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_EQ(probe->path, want);
    EXPECT_EQ(probe->how, fmt::format("from /proc/{}/maps", program.pid()));

    { std::ofstream(fifo) << "g"; }
    test::Finished f = program.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    ::unlink(fifo.c_str());
}

}  // namespace
}  // namespace probelog::symbols
