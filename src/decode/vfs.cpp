// Decodes the vfs trace's event (schema/vfs.h): Fluent Bit's vfs fields
// (operation, path, flags, mode, fd, error_raw) plus what each operation adds.
#include <array>
#include <cstddef>
#include <string_view>

#include "decode/builtin.hpp"

extern "C" {
#include "vfs.h"
}

namespace probelog::decode {
namespace {

constexpr size_t kFixedSize = offsetof(pl_vfs_event, data);

// Which fields an operation has (enum pl_vfs_shape).
enum Shape : uint16_t {
    kDirfd = PL_VFS_S_DIRFD,
    kNewPath = PL_VFS_S_NEW_PATH,
    kNewDirfd = PL_VFS_S_NEW_DIRFD,
    kOpens = PL_VFS_S_OPENS,
    kFlags = PL_VFS_S_FLAGS,
    kMode = PL_VFS_S_MODE,
    kOwner = PL_VFS_S_OWNER,
    kLength = PL_VFS_S_LENGTH,
    kResolve = PL_VFS_S_RESOLVE,
};

struct OpInfo {
    std::string_view name;
    uint16_t shape;
};

// Indexed by enum pl_vfs_op, from the one list of system calls (schema/vfs.h).
#define PL_VFS_OP_INFO(ENUM, name, nargs, shape) {#name, static_cast<uint16_t>(shape)},
constexpr std::array<OpInfo, PL_VFS_OP_COUNT> kOps = {{PL_VFS_SYSCALLS(PL_VFS_OP_INFO)}};
#undef PL_VFS_OP_INFO

uint8_t shown_if(bool shown) {
    return shown ? kFieldNone : kHideInTable;
}

}  // namespace

const char* decode_vfs(Bytes event, Record& out) {
    if (event.size() < kFixedSize) return "vfs event shorter than its fixed part";
    pl_vfs_event fixed;  // only the fixed part is copied
    std::memcpy(&fixed, event.data(), kFixedSize);
    if (fixed.operation >= kOps.size()) return "vfs event has an unknown operation";
    const OpInfo& op = kOps[fixed.operation];
    bool two_paths = (op.shape & kNewPath) != 0;
    if ((fixed.has_new_path != 0) != two_paths) return "vfs event paths do not match its operation";

    const auto* data = reinterpret_cast<const char*>(event.data()) + kFixedSize;
    size_t data_size = event.size() - kFixedSize;
    size_t need = size_t{fixed.path_len} + 1 + (two_paths ? size_t{fixed.new_path_len} + 1 : 0);
    if (need > data_size) return "vfs event lengths exceed its size";
    if (data[fixed.path_len] != '\0') return "vfs path not terminated";
    std::string_view path(data, fixed.path_len);
    std::string_view new_path;
    if (two_paths) {
        const char* second = data + fixed.path_len + 1;
        if (second[fixed.new_path_len] != '\0') return "vfs new_path not terminated";
        new_path = std::string_view(second, fixed.new_path_len);
    }

    int64_t ret = fixed.ret;
    int64_t error = ret < 0 && ret >= -4095 ? -ret : 0;
    uint16_t shape = op.shape;
    out.add_int("operation", fixed.operation, kHideInTable);
    out.add_str("operation_name", op.name);
    out.add_str("path", path);
    if (two_paths) out.add_str("new_path", new_path);
    if ((shape & kDirfd) != 0) out.add_int("dirfd", fixed.dirfd);
    if ((shape & kNewDirfd) != 0) out.add_int("new_dirfd", fixed.new_dirfd);
    out.add_uint("flags", fixed.open_flags, shown_if((shape & kFlags) != 0));
    out.add_uint("mode", fixed.mode, shown_if((shape & kMode) != 0));
    // Like Fluent Bit: the call's return value (negative errno on failure); -1
    // for operations that return no file descriptor.
    out.add_int("fd", (shape & kOpens) != 0 ? ret : -1, shown_if((shape & kOpens) != 0));
    out.add_int("error_raw", error, kHideInTable);
    if (error != 0) out.add_str("error", errno_name(static_cast<int>(error)));
    if ((shape & kResolve) != 0) out.add_uint("resolve", fixed.resolve);
    if ((shape & kLength) != 0) out.add_int("length", fixed.length);
    if ((shape & kOwner) != 0) {
        out.add_int("owner_uid", fixed.owner_uid);
        out.add_int("owner_gid", fixed.owner_gid);
    }
    out.add_bool("path_truncated", (fixed.flags & PL_VFS_F_PATH_TRUNCATED) != 0, kHideInTable);
    if (two_paths) {
        out.add_bool("new_path_truncated", (fixed.flags & PL_VFS_F_NEW_PATH_TRUNCATED) != 0,
                     kHideInTable);
    }
    if ((fixed.flags & PL_VFS_F_READ_FAULT) != 0) out.add_bool("read_fault", true);
    return nullptr;
}

}  // namespace probelog::decode
