#pragma once
// --xdp IFACE: per-source packet counts and a live blocklist on one interface
// (docs/XDP.md). Reports xdp_stats/xdp_source records every --xdp-interval,
// serves `probelog xdp ...` on its control socket, reloads --xdp-blocklist on
// SIGHUP and when the file changes.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bpf/unique_fd.hpp"
#include "bpf/xdp.hpp"
#include "traces/trace.hpp"
#include "xdp/metrics.hpp"
#include "xdp/blocklist.hpp"
#include "xdp/control.hpp"
#include "xdp/report.hpp"

namespace probelog {

struct XdpSettings {
    xdp::Options options;
    std::vector<std::string> given;  // the --xdp-* options given (they need --xdp IFACE)
};

class XdpTrace final : public Trace, private LoopParticipant {
  public:
    XdpTrace();
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
    size_t hook_count() const override { return attachment_ ? 1 : 0; }
    // XDP detaches at once (no grace period to wait for): at the stop.
    Status stop_records() override {
        attachment_.reset();
        return {};
    }
    // Once detached, the program stays off: `probelog ctl enable xdp` starts
    // a new trace.
    Status resume_records() override {
        return make_error("xdp is detached when it stops: remove it and enable it again");
    }
    void detach(std::vector<bpf::Link>& /*released*/) override { attachment_.reset(); }

    // A `probelog xdp` request line; the answer (control/socket.hpp). Also
    // what `probelog ctl xdp` reaches through the agent's control socket.
    std::string handle_request(std::string_view line, Pipeline& pipeline);

  private:
    // LoopParticipant: the control socket and the blocklist file's watch,
    // periodic stats, SIGHUP, the last report.
    void tick(Pipeline& pipeline) override;
    std::vector<int> watch_fds() const override;
    void on_readable(int fd, Pipeline& pipeline) override;
    bool reload(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

    using Clock = std::chrono::steady_clock;

    // Applies a blocklist change to the kernel and tells about it.
    Status apply(const xdp::BlocklistChange& change, uint8_t origin, Pipeline* pipeline);
    void reload_file(Pipeline& pipeline, std::string_view why);
    Status watch_file();
    void report(Pipeline& pipeline);
    xdp::ReportContext context() const;

    xdp::Options opts_;
    uint32_t ifindex_ = 0;
    std::string mode_;
    xdp::Blocklist blocklist_;
    xdp::StatsReporter reporter_;
    std::optional<XdpMetrics> metrics_;       // with a metrics registry (--metrics)
    std::optional<bpf::XdpProgram> program_;  // declared before the attachment: detached first
    std::optional<bpf::XdpAttachment> attachment_;
    std::optional<control::ControlServer> control_;
    UniqueFd inotify_;
    std::string file_name_;  // the blocklist file's name in its directory (inotify)
    Clock::time_point last_report_;
    Record record_;
};

}  // namespace probelog
