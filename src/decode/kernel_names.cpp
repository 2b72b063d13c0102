#include "decode/kernel_names.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>

#include "decode/decoder.hpp"

namespace probelog::decode {
namespace {

static_assert(PL_AF_INET == AF_INET && PL_AF_INET6 == AF_INET6 && PL_AF_UNIX == AF_UNIX);

constexpr std::array<std::string_view, 32> kSignals = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};

constexpr int kSigRtMin = 34;  // as kill -l counts (glibc keeps 32 and 33)
constexpr int kSigRtMax = 64;

// Codes a process can set (si_code <= 0), the same for every signal.
std::string_view generic_code_name(int code) {
    switch (code) {
        case 0:
            return "SI_USER";
        case 0x80:
            return "SI_KERNEL";
        case -1:
            return "SI_QUEUE";
        case -2:
            return "SI_TIMER";
        case -3:
            return "SI_MESGQ";
        case -4:
            return "SI_ASYNCIO";
        case -5:
            return "SI_SIGIO";
        case -6:
            return "SI_TKILL";
        case -7:
            return "SI_DETHREAD";
        case -60:
            return "SI_ASYNCNL";
        default:
            return {};
    }
}

template <size_t N>
std::string_view pick(const std::array<std::string_view, N>& names, int code) {
    return code >= 1 && static_cast<size_t>(code) <= N ? names[static_cast<size_t>(code - 1)]
                                                       : std::string_view();
}

}  // namespace

std::string_view signal_name(int sig, Record& out) {
    if (sig >= 1 && sig < static_cast<int>(kSignals.size())) return kSignals[sig];
    if (sig == kSigRtMin) return "SIGRTMIN";
    if (sig == kSigRtMax) return "SIGRTMAX";
    if (sig > kSigRtMin && sig <= kSigRtMin + 15) {
        return arena_format(out, 16, "SIGRTMIN+{}", sig - kSigRtMin);
    }
    if (sig > kSigRtMin + 15 && sig < kSigRtMax) {
        return arena_format(out, 16, "SIGRTMAX-{}", kSigRtMax - sig);
    }
    return arena_format(out, 16, "SIG{}", sig);
}

std::string_view signal_code_name(int sig, int code) {
    if (code <= 0 || code == 0x80) return generic_code_name(code);
    static constexpr std::array<std::string_view, 8> kIll = {
        "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
        "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
    static constexpr std::array<std::string_view, 8> kFpe = {
        "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
        "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
    static constexpr std::array<std::string_view, 9> kSegv = {
        "SEGV_MAPERR",  "SEGV_ACCERR",  "SEGV_BNDERR",  "SEGV_PKUERR", "SEGV_ACCADI",
        "SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR"};
    static constexpr std::array<std::string_view, 5> kBus = {
        "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"};
    static constexpr std::array<std::string_view, 4> kTrap = {"TRAP_BRKPT", "TRAP_TRACE",
                                                              "TRAP_BRANCH", "TRAP_HWBKPT"};
    static constexpr std::array<std::string_view, 6> kChld = {
        "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"};
    static constexpr std::array<std::string_view, 6> kPoll = {"POLL_IN",  "POLL_OUT", "POLL_MSG",
                                                              "POLL_ERR", "POLL_PRI", "POLL_HUP"};
    static constexpr std::array<std::string_view, 1> kSys = {"SYS_SECCOMP"};
    switch (sig) {
        case 4:
            return pick(kIll, code);
        case 8:
            return pick(kFpe, code);
        case 11:
            return pick(kSegv, code);
        case 7:
            return pick(kBus, code);
        case 5:
            return pick(kTrap, code);
        case 17:
            return pick(kChld, code);
        case 29:
            return pick(kPoll, code);
        case 31:
            return pick(kSys, code);
        default:
            return {};
    }
}

std::string_view family_name(uint16_t family, Record& out) {
    switch (family) {
        case PL_AF_UNSPEC:
            return "AF_UNSPEC";
        case PL_AF_UNIX:
            return "AF_UNIX";
        case PL_AF_INET:
            return "AF_INET";
        case PL_AF_INET6:
            return "AF_INET6";
        default:
            return arena_format(out, 16, "AF_{}", family);
    }
}

std::string_view protocol_name(uint16_t protocol) {
    switch (protocol) {
        case 0:
            return "ip";
        case 1:
            return "icmp";
        case 6:
            return "tcp";
        case 17:
            return "udp";
        case 58:
            return "icmpv6";
        case 132:
            return "sctp";
        case 136:
            return "udplite";
        case 255:
            return "raw";
        case 262:
            return "mptcp";
        default:
            return {};
    }
}

std::string_view sock_type_name(uint16_t type) {
    switch (type) {
        case 1:
            return "stream";
        case 2:
            return "dgram";
        case 3:
            return "raw";
        case 4:
            return "rdm";
        case 5:
            return "seqpacket";
        case 6:
            return "dccp";
        case 10:
            return "packet";
        default:
            return {};
    }
}

std::string_view tcp_state_name(uint8_t state) {
    static constexpr std::array<std::string_view, 12> kStates = {
        "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING",   "NEW_SYN_RECV"};
    return pick(kStates, state);
}

std::string_view syscall_errno_name(int err) {
    switch (err) {
        case 512:
            return "ERESTARTSYS";
        case 513:
            return "ERESTARTNOINTR";
        case 514:
            return "ERESTARTNOHAND";
        case 516:
            return "ERESTART_RESTARTBLOCK";
        default:
            return errno_name(err);
    }
}

std::string_view address_text(const pl_sockaddr& addr, Record& out) {
    int af = 0;
    if (addr.family == PL_AF_INET) {
        af = AF_INET;
    } else if (addr.family == PL_AF_INET6) {
        af = AF_INET6;
    } else {
        return {};
    }
    std::span<char> room = out.store_begin(INET6_ADDRSTRLEN + 12);
    if (room.size() < INET6_ADDRSTRLEN + 12) return out.store_commit(0);
    if (inet_ntop(af, addr.addr, room.data(), static_cast<socklen_t>(room.size())) == nullptr) {
        return out.store_commit(0);
    }
    size_t len = std::string_view(room.data()).size();
    if (af == AF_INET6 && addr.scope_id != 0) {
        auto r = fmt::format_to_n(room.data() + len, room.size() - len, "%{}", addr.scope_id);
        len += r.size;
    }
    return out.store_commit(len);
}

}  // namespace probelog::decode
