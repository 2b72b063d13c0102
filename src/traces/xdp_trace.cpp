#include "traces/xdp_trace.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <net/if.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/clock.hpp"

namespace probelog {
namespace {

void say(std::string_view text) {
    fmt::print(stderr, "probelog: xdp: {}\n", text);
}

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

const TraceInfo& XdpTrace::static_info() {
    static const TraceInfo info{
        .name = "xdp",
        .summary = "--xdp IFACE: packets and bytes per source address, a live blocklist that drops",
        .hooks = "xdp (native or generic) on the --xdp interface",
        .id = PL_TRACE_XDP,
        .default_on = false,
        .fail_run = true,  // --xdp IFACE was asked for: no run without it
    };
    return info;
}

Status XdpTrace::start(const bpf::Runtime& runtime, const TraceOptions& options) {
    opts_ = options.xdp;
    if (opts_.interface.empty()) return make_error("--trace xdp needs --xdp IFACE");
    reporter_ = xdp::StatsReporter(opts_.top);
    if (options.metrics != nullptr) {
        metrics_.emplace(*options.metrics, opts_.interface, std::max<size_t>(opts_.top, 10));
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
    auto control = xdp::ControlServer::listen(opts_.control_socket());
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
    if (Clock::now() - last_report_ >= opts_.interval) report(pipeline);
}

void XdpTrace::finish(Pipeline& pipeline) {
    if (program_) report(pipeline);  // detached by now: the last counts are final
}

}  // namespace probelog
