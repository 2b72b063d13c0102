// Decodes the signal trace's event (schema/signal.h): Fluent Bit's signal and
// tpid, then the signal's name, target, origin and delivery result.
#include "decode/builtin.hpp"
#include "decode/kernel_names.hpp"

extern "C" {
#include "signal_event.h"
}

namespace probelog::decode {
namespace {

std::string_view result_name(int32_t result) {
    switch (result) {
        case PL_SIGNAL_DELIVERED:
            return "delivered";
        case PL_SIGNAL_IGNORED:
            return "ignored";
        case PL_SIGNAL_ALREADY_PENDING:
            return "already_pending";
        case PL_SIGNAL_OVERFLOW_FAIL:
            return "overflow_fail";
        case PL_SIGNAL_LOSE_INFO:
            return "lose_info";
        case PL_SIGNAL_SYSCALL_FAILED:
            return "failed";
        default:
            return {};
    }
}

std::string_view syscall_name(uint8_t syscall) {
    switch (syscall) {
        case PL_SIGNAL_SYSCALL_KILL:
            return "kill";
        case PL_SIGNAL_SYSCALL_TKILL:
            return "tkill";
        case PL_SIGNAL_SYSCALL_TGKILL:
            return "tgkill";
        case PL_SIGNAL_SYSCALL_RT_SIGQUEUEINFO:
            return "rt_sigqueueinfo";
        case PL_SIGNAL_SYSCALL_RT_TGSIGQUEUEINFO:
            return "rt_tgsigqueueinfo";
        case PL_SIGNAL_SYSCALL_PIDFD_SEND_SIGNAL:
            return "pidfd_send_signal";
        default:
            return {};
    }
}

// SI_USER, SI_QUEUE and SI_TKILL: a process asked for the signal; anything else
// (faults, SIGCHLD, timers, SIGIO, pipe and tty signals) the kernel made.
std::string_view source_of(int32_t code) {
    return code == 0 || code == -1 || code == -6 ? "process" : "kernel";
}

}  // namespace

const char* decode_signal(Bytes event, Record& out) {
    pl_signal_event e;
    if (event.size() != sizeof(e)) return "signal event size is not sizeof(pl_signal_event)";
    std::memcpy(&e, event.data(), sizeof(e));
    std::string_view result = result_name(e.result);
    if (result.empty()) return "signal event result out of range";
    std::string_view syscall = syscall_name(e.syscall);
    if (e.syscall != PL_SIGNAL_SYSCALL_NONE && syscall.empty())
        return "signal event syscall out of range";
    bool failed = e.result == PL_SIGNAL_SYSCALL_FAILED;

    out.add_int("signal", e.sig);
    out.add_int("tpid", e.tpid);
    out.add_str("signal_name", signal_name(e.sig, out));
    if (!failed) {
        out.add_int("ttid", e.ttid, kHideInTable);
        // tcomm lives in the event bytes, which outlive the record's dispatch.
        const auto* tcomm =
            reinterpret_cast<const char*>(event.data()) + offsetof(pl_signal_event, tcomm);
        out.add_str("tcomm", fixed_cstr(tcomm, PL_COMM_LEN));
        out.add_int("code", e.code, kHideInTable);
        out.add_str("code_name", signal_code_name(e.sig, e.code), kHideInTable);
        out.add_str("source", source_of(e.code));
        out.add_bool("group", e.group != 0, kHideInTable);
    }
    out.add_str("result", result);
    out.add_int("result_raw", e.result, kHideInTable);
    out.add_int("error_raw", e.error_raw, kHideInTable);
    if (e.error_raw != 0) out.add_str("error", syscall_errno_name(e.error_raw));
    if (!syscall.empty()) out.add_str("syscall", syscall);
    return nullptr;
}

}  // namespace probelog::decode
