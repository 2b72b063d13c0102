// Decodes the io trace's events (schema/io.h): one record per file I/O system
// call, and the aggregate records of aggregate mode.
#include "decode/io.hpp"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "decode/builtin.hpp"
#include "decode/kernel_hist.hpp"

namespace probelog::decode {
namespace {

constexpr size_t kFixedSize = offsetof(pl_io_event, path);

#define PL_IO_OP_NAME(ENUM, name) #name,
constexpr std::array<std::string_view, PL_IO_OP_COUNT> kOpNames = {PL_IO_SYSCALLS(PL_IO_OP_NAME)};
#undef PL_IO_OP_NAME

constexpr std::array<std::string_view, PL_IO_FILE_TYPE_COUNT> kFileTypeNames = {
    "unknown", "regular", "directory", "char", "block", "pipe", "socket", "symlink", "anon"};

// Formats into the record's arena (no allocation).
template <typename... Args>
std::string_view store_fmt(Record& out, size_t max, fmt::format_string<Args...> f, Args&&... args) {
    std::span<char> buf = out.store_begin(max);
    auto r = fmt::format_to_n(buf.data(), buf.size(), f, std::forward<Args>(args)...);
    return out.store_commit(std::min(r.size, buf.size()));
}

bool is_vectored(uint8_t op) {
    return op >= PL_IO_OP_READV && op <= PL_IO_OP_PWRITEV2;
}

// Checks that `packed` holds exactly `depth` NUL-terminated components.
bool components_valid(std::string_view packed, uint8_t depth) {
    size_t nuls = 0;
    for (char c : packed)
        nuls += (c == '\0');
    return nuls == depth && (packed.empty() || packed.back() == '\0');
}

// The path as a user reads it, built in the record's arena from the components
// (leaf first) that the BPF side collected.
std::string_view assemble_path(std::string_view packed, uint8_t depth, uint8_t flags,
                               uint8_t file_type, uint64_t ino, Record& out) {
    if ((flags & PL_IO_F_PATH_UNAVAILABLE) != 0) return {};
    if ((flags & PL_IO_F_PATH_PSEUDO) != 0) {
        // Named like /proc/PID/fd shows them.
        std::string_view name = packed.substr(0, packed.find('\0'));
        if (file_type == PL_IO_FILE_SOCKET) return store_fmt(out, 40, "socket:[{}]", ino);
        if (file_type == PL_IO_FILE_FIFO && name.empty())
            return store_fmt(out, 40, "pipe:[{}]", ino);
        if (file_type == PL_IO_FILE_ANON)
            return store_fmt(out, 16 + name.size(), "anon_inode:{}", name);
        return name;
    }
    // Components back to front, each preceded by '/'.
    std::array<std::string_view, PL_IO_PATH_DEPTH_MAX> parts;
    size_t n = 0;
    size_t pos = 0;
    while (n < depth && n < parts.size() && pos < packed.size()) {
        size_t end = packed.find('\0', pos);
        parts[n++] = packed.substr(pos, end - pos);
        pos = end + 1;
    }
    std::span<char> buf = out.store_begin(packed.size() + 8);
    size_t used = 0;
    auto put = [&](std::string_view s) {
        size_t k = std::min(s.size(), buf.size() - used);
        std::memcpy(buf.data() + used, s.data(), k);
        used += k;
    };
    if ((flags & PL_IO_F_PATH_TRUNCATED) != 0) put("...");
    for (size_t i = n; i-- > 0;) {
        put("/");
        put(parts[i]);
    }
    if (n == 0 && (flags & PL_IO_F_PATH_TRUNCATED) == 0) put("/");
    return out.store_commit(used);
}

std::string_view dev_text(uint32_t dev, Record& out) {
    // The kernel's internal dev_t: 12 bits of major, 20 of minor.
    return store_fmt(out, 24, "{}:{}", dev >> 20, dev & 0xfffff);
}

}  // namespace

std::string_view io_op_name(uint8_t op) {
    return op < kOpNames.size() ? kOpNames[op] : std::string_view();
}

std::string_view io_file_type_name(uint8_t type) {
    return type < kFileTypeNames.size() ? kFileTypeNames[type] : std::string_view();
}

const char* decode_io(Bytes event, Record& out) {
    if (event.size() < kFixedSize) return "io event shorter than its fixed part";
    pl_io_event fixed;  // only the fixed part is copied
    std::memcpy(&fixed, event.data(), kFixedSize);
    if (fixed.op >= PL_IO_OP_COUNT) return "io event with an unknown operation";
    if (fixed.file_type >= PL_IO_FILE_TYPE_COUNT) return "io event with an unknown file type";
    if (fixed.path_len > event.size() - kFixedSize || fixed.path_len > PL_IO_PATH_MAX) {
        return "io event path length exceeds its size";
    }
    std::string_view packed(reinterpret_cast<const char*>(event.data()) + kFixedSize,
                            fixed.path_len);
    if (fixed.path_depth > PL_IO_PATH_DEPTH_MAX || !components_valid(packed, fixed.path_depth)) {
        return "io event path does not match its depth";
    }

    out.add_str("operation", io_op_name(fixed.op));
    out.add_int("fd", fixed.fd);
    out.add_str("path", assemble_path(packed, fixed.path_depth, fixed.flags, fixed.file_type,
                                      fixed.ino, out));
    out.add_str("file_type", io_file_type_name(fixed.file_type));
    if (fixed.op != PL_IO_OP_FSYNC && fixed.op != PL_IO_OP_FDATASYNC)
        out.add_uint("count", fixed.count);
    out.add_int("ret", fixed.ret);
    out.add_uint("latency_ns", fixed.latency_ns);
    if ((fixed.flags & PL_IO_F_HAS_OFFSET) != 0) out.add_int("offset", fixed.offset);
    if (is_vectored(fixed.op)) out.add_uint("iovcnt", fixed.iovcnt);
    if (fixed.ret < 0 && fixed.ret >= -4095) {
        out.add_str("error", errno_name(static_cast<int>(-fixed.ret)));
    }
    out.add_uint("ino", fixed.ino, kHideInTable);
    out.add_str("dev", dev_text(fixed.dev, out), kHideInTable);
    if ((fixed.flags & PL_IO_F_OFFSET_IS_POS) != 0)
        out.add_bool("offset_is_position", true, kHideInTable);
    if ((fixed.flags & PL_IO_F_COUNT_PARTIAL) != 0) out.add_bool("count_partial", true);
    if ((fixed.flags & PL_IO_F_PATH_TRUNCATED) != 0) out.add_bool("path_truncated", true);
    return nullptr;
}

const char* io_aggregate_record(const pl_io_agg_key& key, const pl_io_agg_value& value,
                                int64_t time_ns, uint64_t interval_ns, Record& out) {
    if (value.path_len > PL_IO_PATH_MAX) return "io aggregate path length out of range";
    if (value.file_type >= PL_IO_FILE_TYPE_COUNT) return "io aggregate with an unknown file type";
    std::string_view packed(value.path, value.path_len);
    if (value.path_depth > PL_IO_PATH_DEPTH_MAX || !components_valid(packed, value.path_depth)) {
        return "io aggregate path does not match its depth";
    }
    begin_record(out, kIoAggregateEventType, PL_TRACE_IO, time_ns);
    out.add_uint("pid", key.pid, kCommon);
    out.add_str("comm", fixed_cstr(value.comm, sizeof(value.comm)), kCommon);
    out.add_str("path", assemble_path(packed, value.path_depth, value.flags, value.file_type,
                                      key.ino, out));
    out.add_str("file_type", io_file_type_name(value.file_type));
    out.add_uint("interval_ms", interval_ns / 1'000'000);
    uint64_t calls = value.reads + value.writes + value.syncs;
    out.add_uint("calls", calls);
    out.add_uint("reads", value.reads);
    out.add_uint("writes", value.writes);
    out.add_uint("syncs", value.syncs);
    out.add_uint("errors", value.errors);
    out.add_uint("bytes_read", value.bytes_read);
    out.add_uint("bytes_written", value.bytes_written);
    out.add_uint("latency_avg_ns", calls ? value.latency_sum_ns / calls : 0);
    out.add_uint("latency_p50_ns",
                 kernel_hist_quantile(value.hist, calls, value.latency_max_ns, 0.50));
    out.add_uint("latency_p99_ns",
                 kernel_hist_quantile(value.hist, calls, value.latency_max_ns, 0.99));
    out.add_uint("latency_max_ns", value.latency_max_ns);
    add_kernel_hist(out, "latency_hist", value.hist);
    out.add_uint("ino", key.ino, kHideInTable);
    out.add_str("dev", dev_text(key.dev, out), kHideInTable);
    if ((value.flags & PL_IO_F_PATH_TRUNCATED) != 0) out.add_bool("path_truncated", true);
    return nullptr;
}

}  // namespace probelog::decode
