#include "bpf/system.hpp"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace probelog::bpf {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool has_cap(const __user_cap_data_struct (&data)[2], int cap) {
    return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

bool exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

int print_to_stderr(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    return std::vfprintf(stderr, format, args);
}

int print_nothing(enum libbpf_print_level, const char*, va_list) {
    return 0;
}

}  // namespace

Status check_privileges() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) {
        return make_error("cannot read this process's capabilities: {}", std::strerror(errno));
    }
    bool admin = has_cap(data, kCapSysAdmin);
    bool bpf = has_cap(data, kCapBpf) || admin;
    bool perfmon = has_cap(data, kCapPerfmon) || admin;
    if (bpf && perfmon) return {};
    return make_error(
        "need CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs: "
        "run as root, e.g. sudo probelog ...");
}

Result<std::string> ensure_tracefs() {
    if (exists("/sys/kernel/tracing/events") || exists("/sys/kernel/debug/tracing/events")) {
        return std::string();
    }
    if (::mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
        return make_error(
            "tracefs is not mounted and mounting it failed ({}): run "
            "'mount -t tracefs tracefs /sys/kernel/tracing' and try again",
            std::strerror(errno));
    }
    return std::string("mounted tracefs at /sys/kernel/tracing");
}

bool tracepoint_exists(std::string_view category, std::string_view name) {
    for (const char* root : {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"}) {
        std::string path = fmt::format("{}/{}/{}", root, category, name);
        if (exists(path.c_str())) return true;
    }
    return false;
}

void configure_libbpf_logging(bool verbose) {
    libbpf_set_print(verbose ? &print_to_stderr : &print_nothing);
}

KernelFeatures probe_kernel_features() {
    KernelFeatures f;
    f.kprobes = exists("/sys/bus/event_source/devices/kprobe/type");
    // fentry needs BTF and a kernel that lets BPF trampolines attach; loading one is
    // the only reliable test (some kernels refuse with EPERM), so it is probed lazily
    // by the traces that have an fentry variant.
    f.fentry = false;
    return f;
}

}  // namespace probelog::bpf
