// Decodes the exit trace's event (schema/exit.h): the wait() status split into
// exit code and terminating signal, and the process's lifetime.
#include "decode/builtin.hpp"
#include "decode/kernel_names.hpp"

extern "C" {
#include "exit.h"
}

namespace probelog::decode {

const char* decode_exit(Bytes event, Record& out) {
    pl_exit_event e;
    if (event.size() != sizeof(e)) return "exit event size is not sizeof(pl_exit_event)";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.status > 0xffff) return "exit event status out of range";

    int sig = static_cast<int>(e.status & 0x7f);
    int code = static_cast<int>((e.status >> 8) & 0xff);
    bool core = (e.status & 0x80) != 0;
    out.add_int("exit_code", code, sig != 0 ? kHideInTable : kFieldNone);
    out.add_int("signal", sig, sig == 0 ? kHideInTable : kFieldNone);
    if (sig != 0) out.add_str("signal_name", signal_name(sig, out));
    out.add_bool("core_dumped", core, core ? kFieldNone : kHideInTable);
    out.add_uint("lifetime_ns", e.lifetime_ns);
    // In unsigned arithmetic: a corrupt lifetime wraps instead of overflowing.
    out.add_time("start_time",
                 static_cast<int64_t>(static_cast<uint64_t>(out.time_ns()) - e.lifetime_ns),
                 kHideInTable);
    out.add_hex("status", e.status, kHideInTable);
    return nullptr;
}

}  // namespace probelog::decode
