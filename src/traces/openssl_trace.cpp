// The openssl trace, declared once: TLS calls of every libssl processes use
// (bpf/progs/openssl.bpf.c). Uprobes on a file fire in every process that maps
// it, now or later, so the trace attaches to each distinct libssl file: the
// one the dynamic linker gives new processes (ld.so.cache), every one a
// running process maps (/proc/PID/maps; a library deleted by an upgrade is
// reached through /proc/PID/map_files), and those --openssl-lib names. With
// --pid, the uprobes go into those processes only.
#include "traces/openssl_trace.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <utility>

#include "agent/options.hpp"
#include "common/parse.hpp"
#include "decode/openssl.hpp"
#include "symbols/library.hpp"
#include "symbols/proc_maps.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "openssl_event.h"
}
#include "openssl.skel.h"

namespace probelog {
namespace {

constexpr OptionDef kOptions[] = {
    {.flag = "--openssl-capture",
     .value = "N",
     .help = "openssl: keep the first N bytes of plaintext each SSL_read/SSL_write moved "
             "(default 0, at most 4096), shown as text",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto n = parse_uint(value);
         if (!n || *n > PL_TLS_CAPTURE_MAX) {
             return make_error(ErrorKind::Usage, "'{}' is not a byte count from 0 to {}", value,
                               PL_TLS_CAPTURE_MAX);
         }
         o.settings.get<OpensslSettings>().capture = static_cast<uint32_t>(*n);
         return {};
     }},
    {.flag = "--openssl-lib",
     .value = "PATH",
     .help = "openssl: also attach to this libssl file (repeatable; a container's, a "
             "program's private copy)",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.settings.get<OpensslSettings>().libs.emplace_back(value);
         return {};
     }},
};

constexpr EventDef kEvents[] = {
    {PL_EVENT_TLS_HANDSHAKE, "tls_handshake", &decode::decode_tls},
    {PL_EVENT_TLS_READ, "tls_read", &decode::decode_tls},
    {PL_EVENT_TLS_WRITE, "tls_write", &decode::decode_tls},
    {PL_EVENT_TLS_SHUTDOWN, "tls_shutdown", &decode::decode_tls},
};

bool is_libssl(std::string_view file_name) {
    return symbols::library_name_matches("libssl", file_name);
}

struct Site {
    std::string path;
    int pid = -1;
};

// Each distinct file once (a path through map_files and the same file by its
// name are one file).
class SiteSet {
  public:
    void add(std::string path, int pid) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return;
        if (!seen_.insert({st.st_dev, st.st_ino, pid}).second) return;
        sites_.push_back({std::move(path), pid});
    }
    const std::vector<Site>& sites() const { return sites_; }

  private:
    std::set<std::tuple<dev_t, ino_t, int>> seen_;
    std::vector<Site> sites_;
};

void add_mapped(SiteSet& set, int pid, int attach_pid) {
    auto maps = symbols::read_proc_maps(pid);
    if (!maps) return;  // gone, or a kernel thread
    for (std::string& path : symbols::mapped_library_paths(pid, *maps, is_libssl))
        set.add(std::move(path), attach_pid);
}

Result<std::vector<Site>> find_sites(const TraceContext& context) {
    const auto& settings = context.settings.value<OpensslSettings>();
    SiteSet set;
    for (const std::string& lib : settings.libs) {
        if (!std::filesystem::is_regular_file(lib)) {
            return make_error(ErrorKind::NotFound,
                              "--openssl-lib {}: no such file (give the path of a libssl.so)", lib);
        }
        set.add(lib, -1);
    }
    if (!context.uprobe_pids.empty()) {
        for (uint32_t pid : context.uprobe_pids)
            add_mapped(set, static_cast<int>(pid), static_cast<int>(pid));
        if (set.sites().empty()) {
            return make_error(ErrorKind::NotFound,
                              "the traced processes map no libssl (statically linked TLS, or "
                              "not OpenSSL?): give one with --openssl-lib PATH");
        }
        return set.sites();
    }
    if (auto system = symbols::resolve_target("libssl", std::nullopt)) set.add(system->path, -1);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        add_mapped(set, std::stoi(name), -1);
    }
    if (set.sites().empty()) {
        return make_error(ErrorKind::NotFound,
                          "no libssl found (not in /etc/ld.so.cache, mapped by no process): "
                          "install libssl3 or give one with --openssl-lib PATH");
    }
    return set.sites();
}

// Each probed function: its uprobe, and the uretprobe its operation shares.
struct Function {
    const char* name;
    bpf_program* enter;
    bpf_program* ret;
    bool optional;  // absent before OpenSSL 1.1.1 (the _ex calls)
};

class OpensslTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override;

    Status start(const TraceContext& context) override {
        auto sites = find_sites(context);
        if (!sites) return sites.error();
        uint32_t capture = context.settings.value<OpensslSettings>().capture;
        auto skel = context.runtime.open<pl_openssl>("openssl", PL_TRACE_OPENSSL);
        if (!skel) return skel.error();
        (*skel)->rodata->openssl_capture = capture;
        if (Status st = skel->object().load(context.runtime.verbose()); !st) return st;
        const auto& p = (*skel)->progs;
        const Function functions[] = {
            {"SSL_do_handshake", p.pl_ssl_handshake_enter, p.pl_ssl_handshake_return, false},
            {"SSL_read", p.pl_ssl_read_enter, p.pl_ssl_read_return, false},
            {"SSL_read_ex", p.pl_ssl_read_ex_enter, p.pl_ssl_read_return, true},
            {"SSL_write", p.pl_ssl_write_enter, p.pl_ssl_write_return, false},
            {"SSL_write_ex", p.pl_ssl_write_ex_enter, p.pl_ssl_write_return, true},
            {"SSL_shutdown", p.pl_ssl_shutdown_enter, p.pl_ssl_shutdown_return, false},
        };
        object_.emplace(std::move(skel->object()));
        if (Status st = object_->attach_all(); !st) return st;  // the syscall tracepoints
        for (const Site& site : *sites) {
            for (const Function& f : functions) {
                bpf::UprobeTarget target{
                    .binary_path = site.path, .pid = site.pid, .function = f.name};
                // The return first: an entry without its return would stay in flight.
                target.retprobe = true;
                Status st = object_->attach_uprobe(f.ret, target);
                if (st) {
                    target.retprobe = false;
                    st = object_->attach_uprobe(f.enter, target);
                }
                if (!st && !(f.optional && st.error().kind == ErrorKind::NotFound)) {
                    return st.error().prefixed(fmt::format("{}: ", site.path));
                }
            }
        }
        return {};
    }
};

}  // namespace

extern const TraceDef openssl_trace{
    .info =
        {
            .name = "openssl",
            .summary = "TLS calls of every libssl: handshake, read, write, shutdown with "
                       "latency, bytes, socket and (opt-in) plaintext",
            .hooks = "uprobe+uretprobe:libssl:{SSL_do_handshake,SSL_read,SSL_read_ex,SSL_write,"
                     "SSL_write_ex,SSL_shutdown}, tp:syscalls:sys_enter_{read,write,recvfrom,"
                     "sendto}",
            .id = PL_TRACE_OPENSSL,
            .default_on = false,
        },
    .options = kOptions,
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<OpensslTrace>(); },
};

const TraceInfo& OpensslTrace::info() const {
    return openssl_trace.info;
}

}  // namespace probelog
