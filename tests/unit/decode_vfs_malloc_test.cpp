// The vfs and malloc decoders on hand-built event bytes: every field, every
// operation's shape, and the ways malformed bytes are refused.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/decoder.hpp"
#include "event_bytes.hpp"

extern "C" {
#include "malloc.h"
#include "vfs.h"
}

namespace probelog {
namespace {

void fill_header(pl_event_header& h, uint16_t type, uint16_t trace, size_t size) {
    h.type = type;
    h.trace = trace;
    h.size = static_cast<uint32_t>(size);
    h.seq = 3;
    h.boot_ns = 5'000;
    h.pid = 200;
    h.tid = 201;
    h.ppid = 1;
    std::memcpy(h.comm, "worker", 6);
}

struct VfsBytes {
    uint16_t operation = PL_VFS_OPENAT;
    std::string path = "/etc/hosts";
    std::string new_path;  // for two-path operations
    bool has_new_path = false;
    int64_t ret = 3;
    uint64_t flags = 0x80000;
    uint64_t mode = 0644;
    int32_t dirfd = -100;
    int32_t new_dirfd = -100;
    uint8_t event_flags = 0;

    std::vector<std::byte> build() const {
        pl_vfs_event e{};
        e.operation = operation;
        e.path_len = static_cast<uint16_t>(path.size());
        e.new_path_len = static_cast<uint16_t>(new_path.size());
        e.has_new_path = has_new_path ? 1 : 0;
        e.flags = event_flags;
        e.ret = ret;
        e.open_flags = flags;
        e.mode = mode;
        e.resolve = 0x8;
        e.length = 4096;
        e.dirfd = dirfd;
        e.new_dirfd = new_dirfd;
        e.owner_uid = 1000;
        e.owner_gid = -1;
        std::memcpy(e.data, path.c_str(), path.size() + 1);
        size_t used = path.size() + 1;
        if (has_new_path) {
            std::memcpy(e.data + used, new_path.c_str(), new_path.size() + 1);
            used += new_path.size() + 1;
        }
        size_t size = offsetof(pl_vfs_event, data) + used;
        fill_header(e.hdr, PL_EVENT_VFS, PL_TRACE_VFS, size);
        std::vector<std::byte> bytes(size);
        std::memcpy(bytes.data(), &e, size);
        return bytes;
    }
};

using test::decode_bytes;
using test::decode_error;

std::vector<std::string> own_field_names(const Record& r) {
    std::vector<std::string> names;
    for (const Field& f : r.fields()) {
        if ((f.flags & kCommon) == 0) names.emplace_back(f.name);
    }
    return names;
}

std::string str_field(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr ? std::string(f->value.str) : "<missing>";
}

TEST(DecodeVfs, OpenatWithFluentBitsFieldsFirst) {
    Record r;
    auto event = VfsBytes{}.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "vfs");
    EXPECT_EQ(str_field(r, "comm"), "worker");
    EXPECT_EQ(r.find("pid")->value.u, 200u);
    EXPECT_EQ(own_field_names(r),
              (std::vector<std::string>{"operation", "operation_name", "path", "dirfd", "flags",
                                        "mode", "fd", "error_raw", "path_truncated"}));
    EXPECT_EQ(r.find("operation")->value.i, 0);  // Fluent Bit's VFS_OP_OPENAT
    EXPECT_EQ(str_field(r, "operation_name"), "openat");
    EXPECT_EQ(str_field(r, "path"), "/etc/hosts");
    EXPECT_EQ(r.find("dirfd")->value.i, -100);
    EXPECT_EQ(r.find("flags")->value.u, 0x80000u);
    EXPECT_EQ(r.find("mode")->value.u, 0644u);
    EXPECT_EQ(r.find("fd")->value.i, 3);
    EXPECT_EQ(r.find("error_raw")->value.i, 0);
    EXPECT_FALSE(r.find("path_truncated")->value.b);
}

TEST(DecodeVfs, FailureHasNegativeFdErrnoAndItsName) {
    VfsBytes v;
    v.ret = -13;
    Record r;
    auto event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("fd")->value.i, -13);
    EXPECT_EQ(r.find("error_raw")->value.i, 13);
    EXPECT_EQ(str_field(r, "error"), "EACCES");
}

TEST(DecodeVfs, EachOperationHasItsOwnFields) {
    struct Case {
        uint16_t op;
        const char* name;
        bool two_paths;
        std::vector<std::string> fields;
    };
    const std::vector<std::string> tail = {"error_raw", "path_truncated"};
    std::vector<Case> cases = {
        {PL_VFS_OPEN, "open", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_OPENAT2,
         "openat2",
         false,
         {"path", "dirfd", "flags", "mode", "fd", "error_raw", "resolve"}},
        {PL_VFS_CREAT, "creat", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_UNLINK, "unlink", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_UNLINKAT, "unlinkat", false, {"path", "dirfd", "flags", "mode", "fd"}},
        {PL_VFS_RENAME, "rename", true, {"path", "new_path", "flags", "mode", "fd"}},
        {PL_VFS_RENAMEAT,
         "renameat",
         true,
         {"path", "new_path", "dirfd", "new_dirfd", "flags", "mode", "fd"}},
        {PL_VFS_RENAMEAT2,
         "renameat2",
         true,
         {"path", "new_path", "dirfd", "new_dirfd", "flags", "mode", "fd"}},
        {PL_VFS_MKDIR, "mkdir", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_MKDIRAT, "mkdirat", false, {"path", "dirfd", "flags", "mode", "fd"}},
        {PL_VFS_RMDIR, "rmdir", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_TRUNCATE,
         "truncate",
         false,
         {"path", "flags", "mode", "fd", "error_raw", "length"}},
        {PL_VFS_CHMOD, "chmod", false, {"path", "flags", "mode", "fd"}},
        {PL_VFS_FCHMODAT, "fchmodat", false, {"path", "dirfd", "flags", "mode", "fd"}},
        {PL_VFS_FCHMODAT2, "fchmodat2", false, {"path", "dirfd", "flags", "mode", "fd"}},
        {PL_VFS_CHOWN,
         "chown",
         false,
         {"path", "flags", "mode", "fd", "error_raw", "owner_uid", "owner_gid"}},
        {PL_VFS_LCHOWN,
         "lchown",
         false,
         {"path", "flags", "mode", "fd", "error_raw", "owner_uid", "owner_gid"}},
        {PL_VFS_FCHOWNAT,
         "fchownat",
         false,
         {"path", "dirfd", "flags", "mode", "fd", "error_raw", "owner_uid", "owner_gid"}},
        {PL_VFS_LINK, "link", true, {"path", "new_path", "flags", "mode", "fd"}},
        {PL_VFS_LINKAT,
         "linkat",
         true,
         {"path", "new_path", "dirfd", "new_dirfd", "flags", "mode", "fd"}},
        {PL_VFS_SYMLINK, "symlink", true, {"path", "new_path", "flags", "mode", "fd"}},
        {PL_VFS_SYMLINKAT,
         "symlinkat",
         true,
         {"path", "new_path", "new_dirfd", "flags", "mode", "fd"}},
    };
    ASSERT_EQ(cases.size() + 1, static_cast<size_t>(PL_VFS_OP_COUNT));
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        VfsBytes v;
        v.operation = c.op;
        v.has_new_path = c.two_paths;
        v.new_path = c.two_paths ? "new/name" : "";
        v.ret = 0;
        Record r;
        auto event = v.build();
        ASSERT_EQ(decode_bytes(event, r), nullptr);
        EXPECT_EQ(r.find("operation")->value.i, c.op);
        EXPECT_EQ(str_field(r, "operation_name"), c.name);
        std::vector<std::string> want = {"operation", "operation_name"};
        want.insert(want.end(), c.fields.begin(), c.fields.end());
        if (want.back() == "fd") want.emplace_back("error_raw");
        want.emplace_back("path_truncated");
        if (c.two_paths) want.emplace_back("new_path_truncated");
        EXPECT_EQ(own_field_names(r), want);
        bool opens = c.op == PL_VFS_OPEN || c.op == PL_VFS_OPENAT2 || c.op == PL_VFS_CREAT;
        EXPECT_EQ(r.find("fd")->value.i, opens ? 0 : -1);
        if (c.two_paths) {
            EXPECT_EQ(str_field(r, "new_path"), "new/name");
        }
    }
}

TEST(DecodeVfs, ValuesOfTheOperationSpecificFields) {
    VfsBytes v;
    v.operation = PL_VFS_FCHOWNAT;
    v.dirfd = 7;
    v.ret = 0;
    Record r;
    auto event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("dirfd")->value.i, 7);
    EXPECT_EQ(r.find("owner_uid")->value.i, 1000);
    EXPECT_EQ(r.find("owner_gid")->value.i, -1);
    v.operation = PL_VFS_TRUNCATE;
    event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("length")->value.i, 4096);
    v.operation = PL_VFS_OPENAT2;
    event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("resolve")->value.u, 8u);
    v.operation = PL_VFS_RENAMEAT2;
    v.has_new_path = true;
    v.new_path = "b";
    v.new_dirfd = 9;
    event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.find("new_dirfd")->value.i, 9);
}

TEST(DecodeVfs, TruncationAndReadFaultsAreFlagged) {
    VfsBytes v;
    v.operation = PL_VFS_RENAME;
    v.has_new_path = true;
    v.new_path = "x";
    v.event_flags = PL_VFS_F_PATH_TRUNCATED | PL_VFS_F_NEW_PATH_TRUNCATED | PL_VFS_F_READ_FAULT;
    Record r;
    auto event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_TRUE(r.find("path_truncated")->value.b);
    EXPECT_TRUE(r.find("new_path_truncated")->value.b);
    EXPECT_TRUE(r.find("read_fault")->value.b);
}

TEST(DecodeVfs, EmptyPathIsFine) {
    VfsBytes v;
    v.path = "";
    Record r;
    auto event = v.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(str_field(r, "path"), "");
}

TEST(DecodeVfs, RejectsMalformedEvents) {
    auto short_bytes = VfsBytes{}.build();
    uint32_t small = offsetof(pl_vfs_event, data) - 1;
    std::memcpy(short_bytes.data() + offsetof(pl_event_header, size), &small, sizeof(small));
    EXPECT_STREQ(decode_error(short_bytes), "vfs event shorter than its fixed part");

    VfsBytes unknown;
    unknown.operation = PL_VFS_OP_COUNT;
    EXPECT_STREQ(decode_error(unknown.build()), "vfs event has an unknown operation");

    VfsBytes lying;
    lying.operation = PL_VFS_RENAME;  // a two-path operation without its second path
    EXPECT_STREQ(decode_error(lying.build()), "vfs event paths do not match its operation");
    lying.operation = PL_VFS_UNLINK;
    lying.has_new_path = true;
    EXPECT_STREQ(decode_error(lying.build()), "vfs event paths do not match its operation");

    auto long_path = VfsBytes{}.build();
    uint16_t huge = 5000;
    std::memcpy(long_path.data() + offsetof(pl_vfs_event, path_len), &huge, sizeof(huge));
    EXPECT_STREQ(decode_error(long_path), "vfs event lengths exceed its size");

    VfsBytes two;
    two.operation = PL_VFS_LINK;
    two.has_new_path = true;
    two.new_path = "abc";
    auto long_new = two.build();
    uint16_t four = 4;
    std::memcpy(long_new.data() + offsetof(pl_vfs_event, new_path_len), &four, sizeof(four));
    EXPECT_STREQ(decode_error(long_new), "vfs event lengths exceed its size");

    auto unterminated = VfsBytes{}.build();
    unterminated.back() = std::byte{'x'};
    EXPECT_STREQ(decode_error(unterminated), "vfs path not terminated");

    auto unterminated_new = two.build();
    unterminated_new.back() = std::byte{'x'};
    EXPECT_STREQ(decode_error(unterminated_new), "vfs new_path not terminated");

    auto shorter_path = VfsBytes{}.build();  // path_len one less: its "NUL" is 's'
    uint16_t less = 9;
    std::memcpy(shorter_path.data() + offsetof(pl_vfs_event, path_len), &less, sizeof(less));
    EXPECT_STREQ(decode_error(shorter_path), "vfs path not terminated");
}

// Cut to n bytes with a header that agrees: only the decoder's own checks stand.
std::vector<std::byte> cut_to(std::vector<std::byte> bytes, size_t n) {
    bytes.resize(n);
    if (n >= offsetof(pl_event_header, size) + sizeof(uint32_t)) {
        auto size = static_cast<uint32_t>(n);
        std::memcpy(bytes.data() + offsetof(pl_event_header, size), &size, sizeof(size));
    }
    return bytes;
}

TEST(DecodeVfs, EveryConsistentTruncationIsRejected) {
    VfsBytes two;
    two.operation = PL_VFS_RENAMEAT2;
    two.has_new_path = true;
    two.new_path = "/tmp/new";
    for (const auto& full : {VfsBytes{}.build(), two.build()}) {
        for (size_t n = 0; n < full.size(); ++n) {
            EXPECT_NE(decode_error(cut_to(full, n)), nullptr) << "accepted " << n << " bytes";
        }
    }
}

struct MallocBytes {
    uint32_t operation = PL_MALLOC_MALLOC;
    uint64_t address = 0x55550000;
    uint64_t size = 54321;
    uint64_t old_address = 0;
    int32_t error = 0;

    std::vector<std::byte> build() const {
        pl_malloc_event e{};
        e.operation = operation;
        e.address = address;
        e.size = size;
        e.old_address = old_address;
        e.nmemb = 7;
        e.error_raw = error;
        e.prot = 3;
        e.map_flags = 0x22;
        e.fd = -1;
        e.offset = 4096;
        fill_header(e.hdr, PL_EVENT_MALLOC, PL_TRACE_MALLOC, sizeof(e));
        std::vector<std::byte> bytes(sizeof(e));
        std::memcpy(bytes.data(), &e, sizeof(e));
        return bytes;
    }
};

TEST(DecodeMalloc, MallocWithFluentBitsFields) {
    Record r;
    auto event = MallocBytes{}.build();
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(r.event_type(), "malloc");
    EXPECT_EQ(r.find("pid")->value.u, 200u);  // the process, not 0
    EXPECT_EQ(own_field_names(r),
              (std::vector<std::string>{"operation", "operation_name", "address", "size"}));
    EXPECT_EQ(r.find("operation")->value.i, 0);
    EXPECT_EQ(str_field(r, "operation_name"), "malloc");
    EXPECT_EQ(r.find("address")->value.u, 0x55550000u);
    EXPECT_EQ(r.find("size")->value.u, 54321u);
}

TEST(DecodeMalloc, EachOperationsFields) {
    struct Case {
        uint32_t op;
        const char* name;
        std::vector<std::string> extra;
    };
    std::vector<Case> cases = {
        {PL_MALLOC_FREE, "free", {}},
        {PL_MALLOC_CALLOC, "calloc", {"nmemb"}},
        {PL_MALLOC_REALLOC, "realloc", {"old_address"}},
        {PL_MALLOC_MMAP, "mmap", {"prot", "flags", "fd", "offset", "error_raw"}},
        {PL_MALLOC_MUNMAP, "munmap", {"error_raw"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        MallocBytes m;
        m.operation = c.op;
        m.old_address = 0x4000;
        Record r;
        auto event = m.build();
        ASSERT_EQ(decode_bytes(event, r), nullptr);
        std::vector<std::string> want = {"operation", "operation_name", "address", "size"};
        want.insert(want.end(), c.extra.begin(), c.extra.end());
        EXPECT_EQ(own_field_names(r), want);
        EXPECT_EQ(r.find("operation")->value.i, static_cast<int64_t>(c.op));
        EXPECT_EQ(str_field(r, "operation_name"), c.name);
    }
    MallocBytes realloc_bytes;
    realloc_bytes.operation = PL_MALLOC_REALLOC;
    realloc_bytes.old_address = 0x4000;
    Record r;
    auto event2 = realloc_bytes.build();
    ASSERT_EQ(decode_bytes(event2, r), nullptr);
    EXPECT_EQ(r.find("old_address")->value.u, 0x4000u);
    MallocBytes failed_mmap;
    failed_mmap.operation = PL_MALLOC_MMAP;
    failed_mmap.error = 12;
    event2 = failed_mmap.build();
    ASSERT_EQ(decode_bytes(event2, r), nullptr);
    EXPECT_EQ(r.find("error_raw")->value.i, 12);
    EXPECT_EQ(str_field(r, "error"), "ENOMEM");
    EXPECT_EQ(r.find("offset")->value.u, 4096u);
}

TEST(DecodeMalloc, RejectsMalformedEvents) {
    auto bytes = MallocBytes{}.build();
    uint32_t small = sizeof(pl_malloc_event) - 1;
    std::memcpy(bytes.data() + offsetof(pl_event_header, size), &small, sizeof(small));
    EXPECT_STREQ(decode_error(bytes), "malloc event shorter than its struct");
    auto full = MallocBytes{}.build();
    for (size_t n = 0; n < full.size(); ++n) {
        EXPECT_NE(decode_error(cut_to(full, n)), nullptr) << "accepted " << n << " bytes";
    }
    for (uint32_t op : {uint32_t{PL_MALLOC_REALLOC_FREE}, uint32_t{PL_MALLOC_OP_COUNT}, 1000u}) {
        MallocBytes m;
        m.operation = op;
        EXPECT_STREQ(decode_error(m.build()), "malloc event has an unknown operation") << op;
    }
}

}  // namespace
}  // namespace probelog
