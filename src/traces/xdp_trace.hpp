#pragma once
// --xdp IFACE: per-source packet counts and a live blocklist on one interface
// (docs/XDP.md). Reports xdp_stats/xdp_source records every --xdp-interval,
// serves `probelog xdp ...` on its control socket, reloads --xdp-blocklist on
// SIGHUP and when the file changes.

#include <chrono>
#include <optional>
#include <string>

#include "bpf/unique_fd.hpp"
#include "bpf/xdp.hpp"
#include "traces/trace.hpp"
#include "traces/xdp_metrics.hpp"
#include "xdp/blocklist.hpp"
#include "xdp/control.hpp"
#include "xdp/report.hpp"

namespace probelog {

class XdpTrace final : public Trace {
  public:
    XdpTrace();
    static const TraceInfo& static_info();
    const TraceInfo& info() const override { return static_info(); }
    Status start(const bpf::Runtime& runtime, const TraceOptions& options) override;
    size_t hook_count() const override { return attachment_ ? 1 : 0; }
    void detach(std::vector<bpf::Link>& /*released*/) override { attachment_.reset(); }
    void tick(Pipeline& pipeline) override;
    std::vector<int> watch_fds() const override;
    void on_readable(int fd, Pipeline& pipeline) override;
    bool reload(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

  private:
    using Clock = std::chrono::steady_clock;

    std::string handle_request(std::string_view line, Pipeline& pipeline);
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
    std::optional<xdp::ControlServer> control_;
    UniqueFd inotify_;
    std::string file_name_;  // the blocklist file's name in its directory (inotify)
    Clock::time_point last_report_;
    Record record_;
};

}  // namespace probelog
