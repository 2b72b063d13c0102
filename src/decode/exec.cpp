// Decodes the exec trace's event (schema/exec.h) into Fluent Bit's exec fields
// plus the full argument list.
#include <cstddef>
#include <string_view>

#include "decode/builtin.hpp"

extern "C" {
#include "exec.h"
}

namespace probelog::decode {
namespace {

constexpr size_t kFixedSize = offsetof(pl_exec_event, data);

// The n-th NUL-terminated string of a packed list, or "" if there are fewer.
std::string_view nth_string(std::string_view packed, uint32_t count, uint32_t n) {
    if (n >= count) return {};
    size_t pos = 0;
    for (uint32_t i = 0; i < n; ++i)
        pos = packed.find('\0', pos) + 1;
    return packed.substr(pos, packed.find('\0', pos) - pos);
}

}  // namespace

const char* decode_exec(Bytes event, Record& out) {
    if (event.size() < kFixedSize) return "exec event shorter than its fixed part";
    pl_exec_event fixed;  // only the fixed part is copied
    std::memcpy(&fixed, event.data(), kFixedSize);

    const auto* data = reinterpret_cast<const char*>(event.data()) + kFixedSize;
    size_t data_size = event.size() - kFixedSize;
    size_t need = size_t{fixed.filename_len} + 1 + fixed.args_len + fixed.argv_last_len + 1;
    if (need > data_size) return "exec event lengths exceed its size";
    if (fixed.args_count > fixed.argc) return "exec event captured more args than argc";

    std::string_view filename(data, fixed.filename_len);
    if (data[fixed.filename_len] != '\0') return "exec filename not terminated";
    std::string_view args(data + fixed.filename_len + 1, fixed.args_len);
    size_t nuls = 0;
    for (char c : args)
        nuls += (c == '\0');
    if (nuls != fixed.args_count || (!args.empty() && args.back() != '\0')) {
        return "exec args do not match their count";
    }
    const char* last = args.data() + args.size();
    std::string_view argv_last(last, fixed.argv_last_len);
    if (last[fixed.argv_last_len] != '\0') return "exec argv_last not terminated";
    if ((fixed.flags & PL_EXEC_F_ARGV_LAST_IS_LAST_ARG) != 0) {
        argv_last = nth_string(args, fixed.args_count, fixed.args_count - 1);
    } else if ((fixed.flags & PL_EXEC_F_ARGV_LAST_WINDOW) != 0) {
        // The tail of the argument block: the last argument follows its last NUL.
        size_t nul = argv_last.rfind('\0');
        if (nul != std::string_view::npos) argv_last.remove_prefix(nul + 1);
    }

    bool args_truncated = (fixed.flags & (PL_EXEC_F_ARGS_TRUNCATED | PL_EXEC_F_ARGC_CAPPED)) != 0;
    out.add_str("stage", "exit", kHideInTable);
    out.add_str("filename", filename);
    out.add_str("argv", nth_string(args, fixed.args_count, 0), kHideInTable);
    out.add_str("argv1", nth_string(args, fixed.args_count, 1), kHideInTable);
    out.add_str("argv2", nth_string(args, fixed.args_count, 2), kHideInTable);
    out.add_str("argv_last", argv_last, kHideInTable);
    out.add_uint("argc", fixed.argc);
    out.add_str_list("args", args, fixed.args_count);
    out.add_bool("args_truncated", args_truncated, kHideInTable);
    out.add_bool("filename_truncated", (fixed.flags & PL_EXEC_F_FILENAME_TRUNCATED) != 0,
                 kHideInTable);
    out.add_int("error_raw", fixed.error_raw, kHideInTable);
    if (fixed.error_raw != 0) out.add_str("error", errno_name(fixed.error_raw));
    if (fixed.syscall == PL_EXEC_SYSCALL_EXECVEAT) {
        out.add_str("syscall", "execveat");
        out.add_int("dirfd", fixed.dirfd);
        out.add_hex("at_flags", fixed.at_flags);
    } else {
        out.add_str("syscall", "execve", kHideInTable);
    }
    return nullptr;
}

}  // namespace probelog::decode
