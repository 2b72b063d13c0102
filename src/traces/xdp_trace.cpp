#include "traces/xdp_trace.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <net/if.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "agent/options.hpp"
#include "common/clock.hpp"
#include "common/parse.hpp"
#include "decode/builtin.hpp"

namespace probelog {
namespace {

void say(std::string_view text) {
    fmt::print(stderr, "probelog: xdp: {}\n", text);
}

Status number(std::string_view value, uint64_t min, uint64_t max, uint32_t& out) {
    auto n = parse_uint(value);
    if (!n || *n < min || *n > max) {
        return make_error(ErrorKind::Usage, "'{}' is not a number from {} to {}", value, min, max);
    }
    out = static_cast<uint32_t>(*n);
    return {};
}

// Records that an --xdp-* option was given (they all need --xdp IFACE).
XdpSettings& given(Options& o, std::string_view flag) {
    XdpSettings& x = o.settings.get<XdpSettings>();
    x.given.emplace_back(flag);
    return x;
}

bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (char c : name) {
        if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0) return false;
    }
    return true;
}

constexpr OptionDef kOptions[] = {
    {.flag = "--xdp",
     .value = "IFACE",
     .help = "Count packets per source address on this interface and drop blocked sources "
             "(XDP); alone, the only trace",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.settings.get<XdpSettings>().options.interface = value;
         return {};
     }},
    {.flag = "--xdp-mode",
     .value = "MODE",
     .help = "xdp: auto (default), native or generic",
     .apply = [](std::string_view value, Options& o) -> Status {
         xdp::Options& x = given(o, "--xdp-mode").options;
         if (value == "auto") {
             x.mode = xdp::Mode::Auto;
         } else if (value == "native" || value == "drv" || value == "driver") {
             x.mode = xdp::Mode::Native;
         } else if (value == "generic" || value == "skb") {
             x.mode = xdp::Mode::Generic;
         } else {
             return make_error(ErrorKind::Usage,
                               "'{}' is not a mode (expected auto, native or generic)", value);
         }
         return {};
     }},
    {.flag = "--xdp-force",
     .help = "xdp: replace an XDP program already on the interface",
     .apply = [](std::string_view value, Options& o) -> Status {
         if (value == "true") given(o, "--xdp-force").options.force = true;
         return {};
     }},
    {.flag = "--xdp-block",
     .value = "ADDR[/LEN]",
     .help = "xdp: drop packets from this address or prefix (repeatable)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto p = xdp::parse_prefix(value);
         if (!p) return Error{p.error().message, ErrorKind::Usage};
         given(o, "--xdp-block").options.block.push_back(*p);
         return {};
     },
     .list = true,
     .commas = true},
    {.flag = "--xdp-blocklist",
     .value = "FILE",
     .help = "xdp: addresses and prefixes to drop, one per line; re-read on change and SIGHUP",
     .apply = [](std::string_view value, Options& o) -> Status {
         given(o, "--xdp-blocklist").options.blocklist_file = value;
         return {};
     }},
    {.flag = "--xdp-interval",
     .value = "TIME",
     .help = "xdp: period of the xdp_stats records (default 10s)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto d = parse_duration(value);
         if (!d) return Error{d.error().message, ErrorKind::Usage};
         if (*d < std::chrono::milliseconds(10)) {
             return make_error(ErrorKind::Usage, "'{}' is shorter than 10ms", value);
         }
         given(o, "--xdp-interval").options.interval = *d;
         return {};
     }},
    {.flag = "--xdp-top",
     .value = "N",
     .help = "xdp: sources per xdp_stats report (default 10)",
     .apply = [](std::string_view value,
                 Options& o) { return number(value, 0, 25, given(o, "--xdp-top").options.top); }},
    {.flag = "--xdp-max-sources",
     .value = "N",
     .help = "xdp: sources counted at once, least recently seen evicted (default 16384)",
     .apply =
         [](std::string_view value, Options& o) {
             return number(value, 16, 1u << 24, given(o, "--xdp-max-sources").options.max_sources);
         }},
    {.flag = "--xdp-socket",
     .value = "PATH",
     .help = "xdp: control socket (default /run/probelog/xdp-IFACE.sock)",
     .apply = [](std::string_view value, Options& o) -> Status {
         given(o, "--xdp-socket").options.socket_path = value;
         return {};
     }},
    {.flag = "--xdp-drop-records",
     .value = "N",
     .help = "xdp: at most N xdp_drop records per second per cpu (default 100)",
     .apply =
         [](std::string_view value, Options& o) {
             return number(value, 0, 1000000,
                           given(o, "--xdp-drop-records").options.drop_records_per_sec);
         }},
};

// --xdp IFACE selects the xdp trace (alone, it is the only trace: docs/XDP.md);
// every other --xdp-* option needs it.
Status finish_xdp_options(Options& o) {
    const XdpSettings x = o.settings.value<XdpSettings>();
    bool selected = std::any_of(o.traces.begin(), o.traces.end(), [](const std::string& t) {
        const TraceInfo* info = find_trace(t);
        return info != nullptr && info->name == "xdp";
    });
    if (x.options.interface.empty()) {
        if (selected) {
            return make_error(ErrorKind::Usage,
                              "--trace xdp: needs --xdp IFACE (the interface to attach to)");
        }
        // The first in --help order, as the command line may give them in any order.
        for (const OptionDef& option : kOptions) {
            if (std::find(x.given.begin(), x.given.end(), option.flag) != x.given.end()) {
                return make_error(ErrorKind::Usage, "{}: needs --xdp IFACE", option.flag);
            }
        }
        return {};
    }
    if (!valid_interface_name(x.options.interface)) {
        return make_error(ErrorKind::Usage,
                          "--xdp: '{}' is not an interface name (such as eth0; ip link lists them)",
                          x.options.interface);
    }
    if (!selected) o.traces.emplace_back("xdp");
    return {};
}

constexpr EventDef kEvents[] = {{PL_EVENT_XDP, "xdp_drop", &decode::decode_xdp_drop}};

std::string_view origin_name(uint8_t origin) {
    switch (origin) {
        case xdp::kOriginCli:
            return "cli";
        case xdp::kOriginFile:
            return "file";
        default:
            return "live";
    }
}

}  // namespace

XdpTrace::XdpTrace() : blocklist_(PL_XDP_BLOCKLIST_MAX), reporter_(10) {}

extern const TraceDef xdp_trace{
    .info =
        {
            .name = "xdp",
            .summary =
                "--xdp IFACE: packets and bytes per source address, a live blocklist that drops",
            .hooks = "xdp (native or generic) on the --xdp interface",
            .id = PL_TRACE_XDP,
            .default_on = false,
            .fail_run = true,  // --xdp IFACE was asked for: no run without it
        },
    .options = kOptions,
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<XdpTrace>(); },
    .finish_options = &finish_xdp_options,
};

const TraceInfo& XdpTrace::info() const {
    return xdp_trace.info;
}

Status XdpTrace::start(const TraceContext& context) {
    bpf::Runtime& runtime = context.runtime;
    opts_ = context.settings.value<XdpSettings>().options;
    if (opts_.interface.empty())
        return make_error(ErrorKind::Usage, "--trace xdp needs --xdp IFACE");
    reporter_ = xdp::StatsReporter(opts_.top);
    if (context.metrics != nullptr) {
        metrics_.emplace(*context.metrics, opts_.interface, std::max<size_t>(opts_.top, 10));
    }
    ifindex_ = if_nametoindex(opts_.interface.c_str());
    if (ifindex_ == 0) {
        return make_error("--xdp: no interface named '{}' here (ip link lists them)",
                          opts_.interface);
    }

    if (auto added = blocklist_.add(opts_.block, xdp::kOriginCli); !added) {
        return make_error("--xdp-block: {}", added.error().message);
    }
    if (!opts_.blocklist_file.empty()) {
        auto entries = xdp::read_blocklist_file(opts_.blocklist_file);
        if (!entries) return make_error("--xdp-blocklist {}", entries.error().message);
        if (auto replaced = blocklist_.replace_file(*entries); !replaced) {
            return make_error("--xdp-blocklist {}: {}", opts_.blocklist_file,
                              replaced.error().message);
        }
    }

    // The control socket first: a second agent for the interface stops here,
    // before touching the interface.
    auto control = control::ControlServer::listen(opts_.control_socket(), "--xdp-socket");
    if (!control) return control.error();
    control_.emplace(std::move(*control));

    auto program = bpf::XdpProgram::load(
        runtime, bpf::XdpProgramConfig{.ifname = opts_.interface,
                                       .ifindex = ifindex_,
                                       .max_sources = opts_.max_sources,
                                       .drop_records_per_sec = opts_.drop_records_per_sec});
    if (!program) return program.error();
    program_.emplace(std::move(*program));
    // The blocklist is in place before the first packet is seen.
    for (const auto& [prefix, origins] : blocklist_.entries()) {
        if (Status st = program_->block(prefix); !st) return st;
    }
    if (!opts_.blocklist_file.empty()) {
        if (Status st = watch_file(); !st) return st;
    }

    std::string note;
    auto attachment = bpf::XdpAttachment::attach(program_->program_fd(), static_cast<int>(ifindex_),
                                                 opts_.interface, opts_.mode, opts_.force, &note);
    if (!attachment) return attachment.error();
    attachment_.emplace(std::move(*attachment));
    mode_ = std::string(xdp::mode_name(attachment_->mode()));
    last_report_ = Clock::now();
    say(
        fmt::format("attached to {} (ifindex {}) in {} mode{}; {} blocklist entries; control "
                    "socket {}",
                    opts_.interface, ifindex_, mode_, note.empty() ? "" : " (" + note + ")",
                    blocklist_.size(), control_->path()));
    context.join_loop(this);
    return {};
}

Status XdpTrace::watch_file() {
    const std::string& path = opts_.blocklist_file;
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    file_name_ = slash == std::string::npos ? path : path.substr(slash + 1);
    inotify_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_.valid() ||
        inotify_add_watch(inotify_.get(), dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        return make_error("--xdp-blocklist: cannot watch {} for changes: {}", dir,
                          std::strerror(errno));
    }
    return {};
}

xdp::ReportContext XdpTrace::context() const {
    return xdp::ReportContext{
        .interface = opts_.interface, .ifindex = ifindex_, .mode = mode_, .blocklist = &blocklist_};
}

std::vector<int> XdpTrace::watch_fds() const {
    std::vector<int> fds;
    if (control_) fds.push_back(control_->fd());
    if (inotify_.valid()) fds.push_back(inotify_.get());
    return fds;
}

void XdpTrace::on_readable(int fd, Pipeline& pipeline) {
    if (control_ && fd == control_->fd()) {
        control_->serve([&](std::string_view line) { return handle_request(line, pipeline); });
        return;
    }
    if (inotify_.valid() && fd == inotify_.get()) {
        alignas(inotify_event) char buf[4096];
        bool ours = false;
        for (;;) {
            ssize_t n = ::read(inotify_.get(), buf, sizeof(buf));
            if (n <= 0) break;
            for (ssize_t off = 0; off < n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
                if (ev->len > 0 && file_name_ == ev->name) ours = true;
                off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            }
        }
        if (ours) reload_file(pipeline, "changed");
    }
}

bool XdpTrace::reload(Pipeline& pipeline) {
    if (opts_.blocklist_file.empty()) return false;
    reload_file(pipeline, "SIGHUP");
    return true;
}

void XdpTrace::reload_file(Pipeline& pipeline, std::string_view why) {
    auto entries = xdp::read_blocklist_file(opts_.blocklist_file);
    if (!entries) {
        say(fmt::format("{}; keeping the blocklist as it was", entries.error().message));
        return;
    }
    auto change = blocklist_.replace_file(*entries);
    if (!change) {
        say(fmt::format("{}: {}; keeping the blocklist as it was", opts_.blocklist_file,
                        change.error().message));
        return;
    }
    Status st = apply(*change, xdp::kOriginFile, &pipeline);
    say(fmt::format("blocklist {} reloaded ({}): {} added, {} removed, {} entries{}",
                    opts_.blocklist_file, why, change->added.size(), change->removed.size(),
                    blocklist_.size(), st ? "" : "; " + st.error().message));
}

Status XdpTrace::apply(const xdp::BlocklistChange& change, uint8_t origin, Pipeline* pipeline) {
    Status result;
    auto tell = [&](std::string_view action, const xdp::Prefix& prefix) {
        if (pipeline == nullptr) return;
        int64_t now = realtime_now_ns();
        begin_record(record_, "xdp_blocklist", PL_TRACE_XDP, now);
        record_.add_str("interface", opts_.interface);
        record_.add_str("action", action);
        record_.add_str("prefix", record_.store(xdp::to_string(prefix)));
        record_.add_str("origin", origin_name(origin));
        record_.add_uint("entries", blocklist_.size());
        pipeline->emit(record_);
    };
    for (const xdp::Prefix& p : change.removed) {
        Status st = program_->unblock(p);
        if (!st && result) result = st;
        tell("unblock", p);
    }
    for (const xdp::Prefix& p : change.added) {
        Status st = program_->block(p);
        if (!st && result) result = st;
        tell("block", p);
    }
    return result;
}

std::string XdpTrace::handle_request(std::string_view line, Pipeline& pipeline) {
    auto req = xdp::parse_request(line);
    if (!req) return xdp::error_response(req.error().message);
    std::string body;
    switch (req->verb) {
        case xdp::Verb::Block: {
            auto change = blocklist_.add(req->prefixes, xdp::kOriginLive);
            if (!change) return xdp::error_response(change.error().message);
            if (Status st = apply(*change, xdp::kOriginLive, &pipeline); !st)
                return xdp::error_response(st.error().message);
            for (const auto& p : change->added) {
                body += fmt::format("blocked {}\n", xdp::to_string(p));
                say(fmt::format("blocked {} (live)", xdp::to_string(p)));
            }
            for (const auto& p : change->already)
                body += fmt::format("already blocked {}\n", xdp::to_string(p));
            break;
        }
        case xdp::Verb::Unblock: {
            auto change = blocklist_.remove(req->prefixes);
            if (!change) return xdp::error_response(change.error().message);
            if (Status st = apply(*change, xdp::kOriginLive, &pipeline); !st)
                return xdp::error_response(st.error().message);
            for (const auto& p : change->removed) {
                body += fmt::format("unblocked {}\n", xdp::to_string(p));
                say(fmt::format("unblocked {} (live)", xdp::to_string(p)));
            }
            break;
        }
        case xdp::Verb::List:
            body = xdp::format_list(blocklist_);
            break;
        case xdp::Verb::Stats: {
            auto snap = program_->snapshot();
            if (!snap) return xdp::error_response(snap.error().message);
            body = xdp::format_stats(*snap, context());
            break;
        }
    }
    (void)pipeline.flush();
    return xdp::ok_response(body);
}

void XdpTrace::report(Pipeline& pipeline) {
    auto snap = program_->snapshot();
    if (!snap) {
        say(snap.error().message);
        return;
    }
    auto now = Clock::now();
    int64_t interval =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_report_).count();
    last_report_ = now;
    reporter_.report(*snap, context(), realtime_now_ns(), interval,
                     [&](const Record& r) { pipeline.emit(r); });
    if (metrics_) metrics_->publish(*snap);
}

void XdpTrace::tick(Pipeline& pipeline) {
    if (!attachment_) return;
    // Clients connected earlier move on here: serving never waits for one.
    if (control_ && control_->clients() != 0) {
        control_->serve([&](std::string_view line) { return handle_request(line, pipeline); });
    }
    if (Clock::now() - last_report_ >= opts_.interval) report(pipeline);
}

void XdpTrace::finish(Pipeline& pipeline) {
    if (program_) report(pipeline);  // detached by now: the last counts are final
}

}  // namespace probelog
