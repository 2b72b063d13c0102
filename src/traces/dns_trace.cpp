// The dns trace, declared once: DNS queries and responses of every process,
// from the buffers of its socket system calls (bpf/progs/dns.bpf.c), a
// response paired with its query in the kernel.
#include "traces/dns_trace.hpp"

#include <algorithm>

#include "agent/options.hpp"
#include "common/parse.hpp"
#include "decode/dns.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "dns_event.h"
}
#include "dns.skel.h"

namespace probelog {
namespace {

constexpr OptionDef kOptions[] = {
    {.flag = "--dns-ports",
     .value = "LIST",
     .help = "dns: the DNS server ports, comma-separated (default 53, at most 8)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto port = parse_uint(value);
         if (!port || *port == 0 || *port > 65535) {
             return make_error(ErrorKind::Usage,
                               "'{}' is not a port from 1 to 65535 (example: 53,5353)", value);
         }
         std::vector<uint16_t>& ports = o.settings.get<DnsSettings>().ports;
         if (std::ranges::find(ports, *port) != ports.end()) return {};
         if (ports.size() == PL_DNS_PORTS_MAX) {
             return make_error(ErrorKind::Usage, "'{}' is one port too many (at most {})", value,
                               PL_DNS_PORTS_MAX);
         }
         ports.push_back(static_cast<uint16_t>(*port));
         return {};
     },
     .list = true,
     .commas = true},
};

constexpr EventDef kEvents[] = {{PL_EVENT_DNS, "dns", &decode::decode_dns}};

Status configure(bpf::Skeleton<pl_dns>& skel, const TraceContext& context) {
    const DnsSettings settings = context.settings.value<DnsSettings>();
    const std::vector<uint16_t>& ports = settings.ports;
    auto& slots = skel->rodata->dns_ports;
    std::ranges::fill(slots, 0);
    if (ports.empty()) {
        slots[0] = 53;
        return {};
    }
    std::ranges::copy(ports, std::begin(slots));
    return {};
}

}  // namespace

extern const TraceDef dns_trace{
    .info =
        {
            .name = "dns",
            .summary = "DNS queries and responses over UDP and TCP (any resolver: glibc, Go, "
                       "dig), paired in the kernel: name, type, rcode, answers, server, latency",
            .hooks = "tp:syscalls:sys_enter_{sendto,sendmsg,sendmmsg,write,writev}, "
                     "tp:syscalls:sys_{enter,exit}_{recvfrom,recvmsg,recvmmsg,read,readv}",
            .id = PL_TRACE_DNS,
            .default_on = false,
        },
    .options = kOptions,
    .events = kEvents,
    .make = &make_skeleton_trace<pl_dns, dns_trace, &configure>,
};

}  // namespace probelog
